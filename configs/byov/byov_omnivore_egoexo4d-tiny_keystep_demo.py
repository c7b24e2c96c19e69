# The Ego-Exo4D keystep config on a small generated root in the official format (no
# licence needed), with the CPU demo's model width and schedule:
#   python tools/data/generate_egoexo4d.py data/egoexo4d_tiny
#   python tools/train.py configs/byov/byov_omnivore_egoexo4d-tiny_keystep_demo.py
_base_ = [
    '../_base_/models/byov_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
egoexo4d_root = 'data/egoexo4d_tiny'
data_settings = dict(data_root=egoexo4d_root, cache_dir='data/cache/egoexo4d_tiny')
clip_len = 16
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=clip_len, random_offset=1),
    dict(type='LoadEgoExo4DClipFeatures'),
    dict(type='PackEgoExoInputs'),
]
model = dict(
    num_frames=clip_len,
    backbone=dict(embed_dims=128, num_layers=4, num_heads=8),
    decoder=dict(in_channels=128, embed_dims=128, num_layers=2, num_heads=8))
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline, **data_settings))
video_settings = dict(num_workers=0, dataset=data_settings)
val_dataloader = video_settings
test_dataloader = video_settings
fit_dataloader = video_settings
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
# val is the reported split: no checkpoint is chosen on it (docs/egoexo4d.md)
default_hooks = dict(checkpoint=dict(save_best=None))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
