# BYOV ablation, CLIP ViT-B/16, break eggs: without the causal mask in masked self-view
# modelling (full attention); paper, Break Eggs: progression 0.85 -> 0.64. Everything else
# as configs/byov/byov_break_eggs.py.
_base_ = [
    '../../_base_/models/byov_vit-b16.py', '../../_base_/datasets/ae2_break_eggs.py',
    '../../_base_/schedules/adam_300e.py', '../../_base_/default_runtime.py'
]
model = dict(
    decoder=dict(causal=False))
