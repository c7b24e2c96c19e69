# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, tennis forehand; AE2's Tennis Forehand
# setting (10 frames, ratio 4).
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_tennis_forehand.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/ae2_tennis_forehand.py',
    '../_base_/schedules/ae2_adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.num_frames}},
    loss=dict(num_subset=10, ratio=4, cyclic=False))
train_dataloader = dict(batch_size=2)
