# BYOV ablation, CLIP ViT-B/16, break eggs: without masked cross-view modelling (no
# loss_mcm_*; MSM only); paper, Break Eggs: F1 -> 57.4. Everything else as
# configs/byov/byov_break_eggs.py.
_base_ = [
    '../../_base_/models/byov_vit-b16.py', '../../_base_/datasets/ae2_break_eggs.py',
    '../../_base_/schedules/adam_300e.py', '../../_base_/default_runtime.py'
]
model = dict(
    cross_view_masking=None)
