# BYOV ablation, CLIP ViT-B/16, break eggs: without masked self-view modelling (no
# loss_msm; MCM only); paper, Break Eggs: F1 -> 62.1. Everything else as
# configs/byov/byov_break_eggs.py.
_base_ = ['../byov_break_eggs.py']  # only what is ablated differs
model = dict(
    self_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
