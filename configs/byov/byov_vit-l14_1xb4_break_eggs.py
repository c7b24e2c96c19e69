# BYOV, CLIP ViT-L/14, break eggs: the reference script's setting (one GPU, batch 4;
# token merging keeps round(196 * 0.3) tokens of 256, the reference quirk).
_base_ = [
    '../_base_/models/byov_vit-l14.py', '../_base_/datasets/ae2_break_eggs.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(base_batch_size=4)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
