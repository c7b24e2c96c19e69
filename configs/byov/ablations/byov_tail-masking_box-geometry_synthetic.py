# BYOV ablation on the synthetic benchmark's hand-object boxes: the tail of the clip
# masked (TailFrameMasking) instead of random frames, both objectives, same ratios.
# Everything else as configs/byov/byov_box-geometry_synthetic.py
# (benchmarks/synthetic_comparison.py --input boxes).
_base_ = ['../byov_box-geometry_synthetic.py']  # only what is ablated differs
model = dict(
    self_view_masking=dict(type='TailFrameMasking'),
    cross_view_masking=dict(type='TailFrameMasking'))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
