# AE2's contrastive soft-DTW on BYOV's backbone (frozen CLIP ViT-B/16 + STM + temporal
# encoder), pour liquid; BYOV's schedule (Adam 1e-5, batch 1, 300 epochs) so that only the
# objective differs.
#   python tools/train.py configs/baselines/dtw-contrastive_clip-b16_pour_liquid.py
_base_ = [
    '../_base_/models/ae2_dtw_contrastive.py', '../_base_/datasets/ae2_pour_liquid.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    # AE2's Pour Liquid setting (16 frames, ratio 2, cyclic)
    loss=dict(num_subset=16, ratio=2, cyclic=True))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
