# BYOV on Ego-Exo4D keystep from the released Omnivore features (docs/egoexo4d.md):
#   python tools/train.py configs/byov/byov_omnivore_egoexo4d_keystep.py
# Synchronised ego-exo pairs of one take instead of AE2's unpaired setting:
#   --cfg-options train_dataloader.dataset.pairing=synchronised
_base_ = [
    '../_base_/models/byov_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}})
train_cfg = dict(max_epochs=50, val_interval=5)
auto_scale_lr = dict(base_batch_size=4)
# val is the reported split: no checkpoint is chosen on it (docs/egoexo4d.md)
default_hooks = dict(checkpoint=dict(save_best=None))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
