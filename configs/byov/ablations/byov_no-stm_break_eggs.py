# BYOV ablation, CLIP ViT-B/16, break eggs: without selective token merging: every patch
# token averaged (MeanTokenPooling); paper, Break Eggs: F1 73.5 -> 71.8. Everything else
# as configs/byov/byov_break_eggs.py.
_base_ = ['../byov_break_eggs.py']  # only what is ablated differs
model = dict(
    stem=dict(token_selector=dict(_delete_=True, type='MeanTokenPooling')))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
