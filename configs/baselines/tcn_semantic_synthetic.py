# Single-view TCN (n-pairs of neighbouring frames) on the synthetic benchmark's semantic
# frame features: the weight-free SceneStateEncoder (view_gap 0.5) and the temporal
# encoder of configs/byov/byov_semantic_synthetic.py, the CPU demo's schedule; only the
# objective differs (benchmarks/synthetic_comparison.py --input semantic).
_base_ = [
    '../_base_/models/tcn.py',
    '../_base_/datasets/synthetic_egoexo_semantic.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(_delete_=True, type='EgoExoBoxDataPreprocessor', num_slots=2),
    stem=dict(frame_encoder=dict(_delete_=True, type='SceneStateEncoder', view_gap=0.5,
                                 embed_dims=64, nuisance=True)),
    backbone=dict(in_channels=64, embed_dims=128, num_layers=4, num_heads=8),
)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
