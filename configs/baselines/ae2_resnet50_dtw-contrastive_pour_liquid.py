# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, pour liquid; AE2's Pour Liquid setting (16
# frames, ratio 2, cyclic).
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_pour_liquid.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/ae2_pour_liquid.py',
    '../_base_/schedules/ae2_adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.num_frames}},
    loss=dict(num_subset=16, ratio=2, cyclic=True))
train_dataloader = dict(batch_size=2)
