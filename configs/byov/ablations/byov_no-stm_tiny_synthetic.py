# BYOV ablation on the synthetic CPU demo: without selective token merging: every patch
# token averaged (MeanTokenPooling). Everything else as
# configs/byov/byov_tiny_synthetic_demo.py (benchmarks/synthetic_comparison.py trains and
# evaluates every ablation).
_base_ = ['../byov_tiny_synthetic_demo.py']  # only what is ablated differs
model = dict(
    stem=dict(token_selector=dict(_delete_=True, type='MeanTokenPooling')))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
