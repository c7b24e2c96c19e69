# BYOV ablation on the synthetic benchmark's hand-object boxes: the tail of the clip
# masked (TailFrameMasking) instead of random frames, both objectives, same ratios.
# Everything else as configs/byov/byov_box-geometry_synthetic.py
# (benchmarks/synthetic_comparison.py --input boxes).
_base_ = [
    '../../_base_/models/byov_box-geometry.py',
    '../../_base_/datasets/synthetic_egoexo_boxes.py',
    '../../_base_/schedules/demo_cpu.py', '../../_base_/default_runtime.py'
]
model = dict(
    self_view_masking=dict(type='TailFrameMasking'),
    cross_view_masking=dict(type='TailFrameMasking'))
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_last=True),
    logger=dict(interval=10))
