# BYOV ablation, CLIP ViT-B/16, break eggs: without selective token merging: every patch
# token averaged (MeanTokenPooling); paper, Break Eggs: F1 73.5 -> 71.8. Everything else
# as configs/byov/byov_break_eggs.py.
_base_ = [
    '../../_base_/models/byov_vit-b16.py', '../../_base_/datasets/ae2_break_eggs.py',
    '../../_base_/schedules/adam_300e.py', '../../_base_/default_runtime.py'
]
model = dict(
    token_selector=dict(_delete_=True, type='MeanTokenPooling'))
