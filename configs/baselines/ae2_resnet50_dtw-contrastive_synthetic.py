# AE2's own model (ResNet-50 to layer3 + context frame + Conv3d + MLP -> 128-d, trained end
# to end) with AE2's contrastive soft-DTW loss, the synthetic benchmark; 64x64 frames
# (layer3: 4x4), CPU demo schedule.
#   python tools/train.py configs/baselines/ae2_resnet50_dtw-contrastive_synthetic.py
_base_ = [
    '../_base_/models/ae2_resnet50_dtw_contrastive.py',
    '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.num_frames}},
    data_preprocessor=dict(size=64),
    loss=dict(num_subset=8, ratio=1.0, cyclic=False))
train_dataloader = dict(batch_size=2)
