# Single-view TCN (n-pairs of neighbouring frames) on the synthetic benchmark's hand-
# object boxes: the weight-free box-geometry frame encoder and the temporal encoder of
# configs/byov/byov_box-geometry_synthetic.py, the CPU demo's schedule; only the
# objective differs (benchmarks/synthetic_comparison.py --input boxes).
_base_ = [
    '../_base_/models/tcn.py', '../_base_/datasets/synthetic_egoexo_boxes.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(_delete_=True, type='EgoExoBoxDataPreprocessor', num_slots=4),
    stem=dict(frame_encoder=dict(_delete_=True, type='BoxGeometryEncoder', num_slots=4)),
    backbone=dict(in_channels=52, embed_dims=128, num_layers=4, num_heads=8),
)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
