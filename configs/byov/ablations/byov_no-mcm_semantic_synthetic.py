# BYOV ablation on the synthetic benchmark's semantic frame features: without masked
# cross-view modelling (MSM only). Everything else as
# configs/byov/byov_semantic_synthetic.py (benchmarks/synthetic_comparison.py --input
# semantic).
_base_ = ['../byov_semantic_synthetic.py']  # only what is ablated differs
model = dict(
    cross_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
