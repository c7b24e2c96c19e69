# The untrained-encoder row, synthetic benchmark: the CPU demo's BYOV
# (configs/byov/byov_tiny_synthetic_demo.py) at its random initialisation (seeded) on the
# weight-free tiny frame encoder. No training:
#   python tools/test.py configs/baselines/untrained_byov_tiny_synthetic.py none --cfg-options randomness.seed=0
# (tools/run_demo.py and benchmarks/synthetic_comparison.py report this row as
# "BYOV untrained".)
_base_ = [
    '../_base_/models/byov_tiny.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})  # frames per clip: the dataset config's
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
