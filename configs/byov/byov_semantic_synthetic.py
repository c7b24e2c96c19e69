# BYOV on the synthetic benchmark's semantic frame features (the weight-free
# SceneStateEncoder over the per-frame scene state, view_gap 0.5), the CPU demo's schedule.
#   python tools/train.py configs/byov/byov_semantic_synthetic.py
# Another view gap: --cfg-options model.stem.frame_encoder.view_gap=0.0 (or 1.0).
_base_ = [
    '../_base_/models/byov_semantic.py', '../_base_/datasets/synthetic_egoexo_semantic.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
# frames per clip: the dataset config's (16), read by the model too
model = dict(num_frames={{_base_.clip_len}})
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
