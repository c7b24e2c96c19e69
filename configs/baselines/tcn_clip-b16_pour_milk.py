# Single-view TCN (n-pairs of neighbouring frames) on BYOV's backbone (frozen CLIP
# ViT-B/16 + STM + temporal encoder), pour milk; BYOV's schedule (Adam 1e-5, batch 1,
# 300 epochs) so that only the objective differs.
#   python tools/train.py configs/baselines/tcn_clip-b16_pour_milk.py
_base_ = [
    '../_base_/models/tcn.py', '../_base_/datasets/ae2_pour_milk.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
