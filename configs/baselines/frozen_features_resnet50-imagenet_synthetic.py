# The papers' "ImageNet features" row on the synthetic benchmark (pixels): a frozen
# ResNet-50 with ImageNet weights on the 64x64 frames (layer3 map: 4x4), each frame's map
# averaged; no temporal model. Needs torchvision's weights file (downloaded once into
# torch hub's cache, or a local copy: --cfg-options
# model.stem.frame_encoder.pretrained=PATH). Boxes and scene states have no image to
# encode, so this row has no box-geometry / semantic variant. No training:
#   python tools/test.py configs/baselines/frozen_features_resnet50-imagenet_synthetic.py none
_base_ = [
    '../_base_/models/frozen_features_resnet50-imagenet.py',
    '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/default_runtime.py'
]
model = dict(data_preprocessor=dict(size=64), stem=dict(frame_encoder=dict(input_size=64)))
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
