# BYOV ablation on the synthetic benchmark's semantic frame features: one contiguous block
# of frames masked (BlockFrameMasking) instead of random frames, both objectives, same
# ratios. Everything else as configs/byov/byov_semantic_synthetic.py
# (benchmarks/synthetic_comparison.py --input semantic).
_base_ = ['../byov_semantic_synthetic.py']  # only what is ablated differs
model = dict(
    self_view_masking=dict(type='BlockFrameMasking'),
    cross_view_masking=dict(type='BlockFrameMasking'))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
