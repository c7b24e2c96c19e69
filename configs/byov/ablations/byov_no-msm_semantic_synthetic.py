# BYOV ablation on the synthetic benchmark's semantic frame features: without masked self-
# view modelling (MCM only). Everything else as configs/byov/byov_semantic_synthetic.py
# (benchmarks/synthetic_comparison.py --input semantic).
_base_ = ['../byov_semantic_synthetic.py']  # only what is ablated differs
model = dict(
    self_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
