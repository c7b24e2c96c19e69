# Frozen-feature row on the synthetic benchmark, with the demo's weight-free tiny frame
# encoder + STM (what the demo's BYOV reads), no temporal model:
#   python tools/test.py configs/baselines/frozen_features_tiny_synthetic.py none
_base_ = [
    '../_base_/models/frozen_features_tiny.py', '../_base_/datasets/synthetic_egoexo.py',
    '../_base_/default_runtime.py'
]
# evaluated only, never trained: no training part (mmengine's Runner takes the
# train loader, train_cfg and optim_wrapper all or none)
train_dataloader = None
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
