# BYOV, CLIP ViT-B/16, tennis forehand: the reference recipe with 20 frames per clip.
_base_ = [
    '../_base_/models/byov_vit-b16.py', '../_base_/datasets/ae2_tennis_forehand.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
# frames per clip: the dataset config's (20), read by the model too
model = dict(num_frames={{_base_.clip_len}})
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
