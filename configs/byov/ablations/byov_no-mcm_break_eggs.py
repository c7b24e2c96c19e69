# BYOV ablation, CLIP ViT-B/16, break eggs: without masked cross-view modelling (no
# loss_mcm_*; MSM only); paper, Break Eggs: F1 -> 57.4. Everything else as
# configs/byov/byov_break_eggs.py.
_base_ = ['../byov_break_eggs.py']  # only what is ablated differs
model = dict(
    cross_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
