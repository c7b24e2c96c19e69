# BYOV ablation on the synthetic CPU demo: without masked cross-view modelling (no
# loss_mcm_*; MSM only). Everything else as configs/byov/byov_tiny_synthetic_demo.py
# (benchmarks/synthetic_comparison.py trains and evaluates every ablation).
_base_ = ['../byov_tiny_synthetic_demo.py']  # only what is ablated differs
model = dict(
    cross_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
