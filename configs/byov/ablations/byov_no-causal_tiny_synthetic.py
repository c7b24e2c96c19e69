# BYOV ablation on the synthetic CPU demo: without the causal mask in the decoder's
# masked self-view pass (full attention). Everything else as
# configs/byov/byov_tiny_synthetic_demo.py (benchmarks/synthetic_comparison.py trains and
# evaluates every ablation).
_base_ = ['../byov_tiny_synthetic_demo.py']  # only what is ablated differs
# Causal (the main config) restricts the decoder only: the backbone encodes the kept
# frames with full attention in both settings, later kept frames included (the
# reference's design).
model = dict(
    decoder=dict(causal=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
