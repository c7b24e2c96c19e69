# BYOV ablation on the synthetic CPU demo: without masked self-view modelling (no
# loss_msm; MCM only). Everything else as configs/byov/byov_tiny_synthetic_demo.py
# (benchmarks/synthetic_comparison.py trains and evaluates every ablation).
_base_ = ['../byov_tiny_synthetic_demo.py']  # only what is ablated differs
model = dict(
    self_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
