# BYOV ablation on the synthetic benchmark's hand-object boxes: without masked self-view
# modelling (MCM only). Everything else as configs/byov/byov_box-geometry_synthetic.py
# (benchmarks/synthetic_comparison.py --input boxes).
_base_ = ['../byov_box-geometry_synthetic.py']  # only what is ablated differs
model = dict(
    self_view_masking=None)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
