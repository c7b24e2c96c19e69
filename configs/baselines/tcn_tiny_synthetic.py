# Single-view TCN (n-pairs of neighbouring frames) on the synthetic benchmark with the
# CPU demo's backbone (weight-free tiny frame encoder + STM, 4-block temporal encoder of
# width 128) and schedule, the same as configs/byov/byov_tiny_synthetic_demo.py but for
# the objective (benchmarks/synthetic_comparison.py).
_base_ = [
    '../_base_/models/tcn.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(size=64),
    stem=dict(frame_encoder=dict(
        _delete_=True,
        type='TinyPatchEncoder', embed_dims=128, patch_size=8, input_size=64, seed=0)),
    backbone=dict(in_channels=128, embed_dims=128, num_layers=4, num_heads=8))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
