# AE2's contrastive soft-DTW on BYOV's backbone (frozen CLIP ViT-B/16 + STM + temporal
# encoder), pour milk; BYOV's schedule (Adam 1e-5, batch 1, 300 epochs) so that only the
# objective differs.
#   python tools/train.py configs/baselines/dtw-contrastive_clip-b16_pour_milk.py
_base_ = [
    '../_base_/models/ae2_dtw_contrastive.py', '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    # AE2 trained Pour Milk with plain soft-DTW; AE2's command-line defaults here
    loss=dict(num_subset=4, ratio=1.0, cyclic=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
