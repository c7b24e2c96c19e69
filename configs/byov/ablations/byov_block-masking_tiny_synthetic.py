# BYOV ablation on the synthetic CPU demo: masking strategy: one contiguous block of
# frames at a random start (BlockFrameMasking) instead of random frames, for both
# objectives at the same ratios (self 0.4, cross 0.8). Everything else as
# configs/byov/byov_tiny_synthetic_demo.py (benchmarks/synthetic_comparison.py trains and
# evaluates every ablation).
_base_ = [
    '../../_base_/models/byov_tiny.py', '../../_base_/datasets/synthetic_egoexo.py',
    '../../_base_/schedules/demo_cpu.py', '../../_base_/default_runtime.py'
]
model = dict(
    self_view_masking=dict(type='BlockFrameMasking'),
    cross_view_masking=dict(type='BlockFrameMasking'))
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_last=True),
    logger=dict(interval=10))
