# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, pour milk; AE2 trained Pour Milk with plain
# soft-DTW; AE2's command-line defaults here.
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_pour_milk.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/schedules/ae2_adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.num_frames}},
    loss=dict(num_subset=4, ratio=1.0, cyclic=False))
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # AE2's Pour Milk script
