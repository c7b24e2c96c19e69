# AE2's contrastive soft-DTW on BYOV's backbone (frozen CLIP ViT-B/16 + STM + temporal
# encoder), tennis forehand; BYOV's schedule (Adam 1e-5, batch 1, 300 epochs) so that only
# the objective differs.
#   python tools/train.py configs/baselines/dtw-contrastive_clip-b16_tennis_forehand.py
_base_ = [
    '../_base_/models/ae2_dtw_contrastive.py', '../_base_/datasets/ae2_tennis_forehand.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    # AE2's Tennis Forehand setting (10 frames, ratio 4)
    loss=dict(num_subset=10, ratio=4, cyclic=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
