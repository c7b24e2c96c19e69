# BYOV ablation on the synthetic benchmark's hand-object boxes: without the causal mask in
# masked self-view modelling (full attention). Everything else as
# configs/byov/byov_box-geometry_synthetic.py (benchmarks/synthetic_comparison.py --input
# boxes).
_base_ = ['../byov_box-geometry_synthetic.py']  # only what is ablated differs
model = dict(
    decoder=dict(causal=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
