# The papers' "ImageNet features" row, pour milk: a frozen ResNet-50 with
# ImageNet weights, cut after layer3, each frame's map averaged;
# no temporal model. No training:
#   python tools/test.py configs/baselines/frozen_features_resnet50-imagenet_pour_milk.py none
_base_ = [
    '../_base_/models/frozen_features_resnet50-imagenet.py',
    '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/default_runtime.py'
]
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
