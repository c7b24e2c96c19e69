# Supervised reference ("ceiling") on the synthetic benchmark's semantic frame features: the
# weight-free SceneStateEncoder (view_gap 0.5) and temporal encoder of
# tcc_semantic_synthetic.py, the CPU demo's schedule, trained with the phase labels
# of both views instead of an alignment objective (benchmarks/synthetic_comparison.py
# --input semantic, row "supervised ceiling"). The head is dropped: the backbone's output is
# evaluated.
_base_ = [
    '../_base_/models/supervised_phase.py',
    '../_base_/datasets/synthetic_egoexo_semantic.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(_delete_=True, type='EgoExoBoxDataPreprocessor', num_slots=2),
    stem=dict(frame_encoder=dict(_delete_=True, type='SceneStateEncoder', view_gap=0.5,
                                 embed_dims=64, nuisance=True)),
    backbone=dict(in_channels=64, embed_dims=128, num_layers=4, num_heads=8),
    loss=dict(num_classes=5),  # the synthetic benchmark's five phases
)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
