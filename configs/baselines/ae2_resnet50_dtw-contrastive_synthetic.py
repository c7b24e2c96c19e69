# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, the synthetic benchmark; 64x64 frames
# (layer3: 4x4), CPU demo schedule.
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_synthetic.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(size=64),
    loss=dict(num_subset=8, ratio=1.0, cyclic=False))
# The frame loaders give every frame with its context (the model base's ae2_context)
context_steps = {{_base_.ae2_context.num_context_steps}}
context_stride = {{_base_.ae2_context.context_stride}}
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipFromCache', num_context_steps=context_steps,
         context_stride=context_stride),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [
    dict(type='LoadVideoFromCache', num_context_steps=context_steps,
         context_stride=context_stride),
    dict(type='PackEgoExoInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(pipeline=video_pipeline))
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
