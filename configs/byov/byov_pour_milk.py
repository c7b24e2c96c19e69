# BYOV, CLIP ViT-B/16, pour milk: the reference recipe (32 frames per clip, batch 1,
# Adam 1e-5, 300 epochs). Paper numbers: configs/byov/README.md.
_base_ = [
    '../_base_/models/byov_vit-b16.py', '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
# frames per clip: the dataset config's, read by the model too
model = dict(num_frames={{_base_.clip_len}})
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
