# BYOV ablation, CLIP ViT-B/16, break eggs: masking strategy: one contiguous block of
# frames at a random start (BlockFrameMasking) instead of random frames, for both
# objectives at the same ratios (self 0.4, cross 0.8). Everything else as
# configs/byov/byov_break_eggs.py.
_base_ = [
    '../../_base_/models/byov_vit-b16.py', '../../_base_/datasets/ae2_break_eggs.py',
    '../../_base_/schedules/adam_300e.py', '../../_base_/default_runtime.py'
]
model = dict(
    self_view_masking=dict(type='BlockFrameMasking'),
    cross_view_masking=dict(type='BlockFrameMasking'))
