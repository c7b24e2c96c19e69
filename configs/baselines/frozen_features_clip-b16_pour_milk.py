# The paper's "CLIP features" row, pour milk: frozen CLIP ViT-B/16 patch tokens merged by
# STM, one vector per frame, no temporal model. No training:
#   python tools/test.py configs/baselines/frozen_features_clip-b16_pour_milk.py none
_base_ = [
    '../_base_/models/frozen_features_clip-b16.py', '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/default_runtime.py'
]
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
