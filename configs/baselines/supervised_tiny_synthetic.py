# Supervised reference ("ceiling") on the synthetic benchmark: the stem, temporal encoder
# and schedule of tcc_tiny_synthetic.py (the CPU demo's weight-free tiny frame encoder +
# STM, 4-block encoder of width 128, 8 epochs at batch 4), trained with the phase labels
# of both views instead of an alignment objective (benchmarks/synthetic_comparison.py,
# row "supervised ceiling"). The head is dropped: the backbone's output is evaluated.
_base_ = [
    '../_base_/models/supervised_phase.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    data_preprocessor=dict(size=64),
    stem=dict(frame_encoder=dict(
        _delete_=True,
        type='TinyPatchEncoder', embed_dims=128, patch_size=8, input_size=64, seed=0)),
    backbone=dict(in_channels=128, embed_dims=128, num_layers=4, num_heads=8),
    loss=dict(num_classes=5))  # the synthetic benchmark's five phases
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
