# The CPU demo: BYOV with a weight-free tiny frame encoder on the built-in synthetic
# ego-exo benchmark, a few minutes on 2 cores (tools/run_demo.py runs it end to end).
# It exercises the whole pipeline; it cannot show the method's gains, which come from
# semantic frame features such as CLIP's (docs/getting_started.md).
_base_ = [
    '../_base_/models/byov_tiny.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
# frames per clip: the dataset config's (16), read by the model too
model = dict(num_frames={{_base_.clip_len}})
default_hooks = dict(logger=dict(interval=5))  # 2 lines an epoch: a few seconds apart on 2 cores
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
