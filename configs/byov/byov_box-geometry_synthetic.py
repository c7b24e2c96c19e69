# BYOV on the synthetic benchmark's hand-object boxes (weight-free box-geometry frame
# encoder), the CPU demo's schedule (benchmarks/synthetic_comparison.py --input boxes).
#   python tools/train.py configs/byov/byov_box-geometry_synthetic.py
_base_ = [
    '../_base_/models/byov_box-geometry.py', '../_base_/datasets/synthetic_egoexo_boxes.py',
    '../_base_/schedules/demo_cpu.py', '../_base_/demo_runtime.py'
]
# frames per clip: the dataset config's (16), read by the model too
model = dict(num_frames={{_base_.clip_len}})
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
