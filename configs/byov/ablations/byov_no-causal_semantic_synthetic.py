# BYOV ablation on the synthetic benchmark's semantic frame features: without the causal
# mask in masked self-view modelling (full attention). Everything else as
# configs/byov/byov_semantic_synthetic.py (benchmarks/synthetic_comparison.py --input
# semantic).
_base_ = ['../byov_semantic_synthetic.py']  # only what is ablated differs
model = dict(
    decoder=dict(causal=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
