# The untrained-encoder row, break eggs: BYOV's temporal encoder at its random
# initialisation (seeded) on frozen CLIP ViT-B/16 features. No training:
#   python tools/test.py configs/baselines/untrained_byov_clip-b16_break_eggs.py none --cfg-options randomness.seed=0
_base_ = [
    '../_base_/models/byov_vit-b16.py', '../_base_/datasets/ae2_break_eggs.py',
    '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
