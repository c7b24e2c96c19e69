# BYOV ablation on the synthetic CPU demo: without the causal mask in masked self-view
# modelling (full attention). Everything else as configs/byov/byov_tiny_synthetic_demo.py
# (benchmarks/synthetic_comparison.py trains and evaluates every ablation).
_base_ = [
    '../../_base_/models/byov_tiny.py', '../../_base_/datasets/synthetic_egoexo.py',
    '../../_base_/schedules/demo_cpu.py', '../../_base_/default_runtime.py'
]
model = dict(
    decoder=dict(causal=False))
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_last=True),
    logger=dict(interval=10))
