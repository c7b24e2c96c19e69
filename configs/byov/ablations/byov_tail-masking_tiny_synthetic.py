# BYOV ablation on the synthetic CPU demo: masking strategy: the tail of the clip
# (TailFrameMasking: keep the first frames, predict the rest) instead of random frames,
# for both objectives at the same ratios (self 0.4, cross 0.8). Everything else as
# configs/byov/byov_tiny_synthetic_demo.py (benchmarks/synthetic_comparison.py trains and
# evaluates every ablation).
_base_ = ['../byov_tiny_synthetic_demo.py']  # only what is ablated differs
model = dict(
    self_view_masking=dict(type='TailFrameMasking'),
    cross_view_masking=dict(type='TailFrameMasking'))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
