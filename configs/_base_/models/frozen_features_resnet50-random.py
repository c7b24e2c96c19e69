# The papers' "Random features" row (AE2, BYOV): the ImageNet row's frozen ResNet-50
# (cut after layer3, map averaged per frame) with randomly initialised weights
# (torchvision's initialisation) instead of ImageNet's; no temporal model, nothing to
# train. seed=None draws the weights from the run's seed (randomness.seed, which the
# runner sets before it builds the model: --cfg-options randomness.seed=N), so the row
# is reproducible and varies with the seed; an int fixes them.
_base_ = ['./frozen_features_resnet50-imagenet.py']
model = dict(stem=dict(frame_encoder=dict(pretrained=None, seed=None)))
