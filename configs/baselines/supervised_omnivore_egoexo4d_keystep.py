# The supervised reference ("ceiling") on Ego-Exo4D keystep: BYOV's temporal encoder on
# the released Omnivore features trained by per-step keystep cross-entropy of both views
# (a linear head in the loss, dropped for evaluation). It reads the labels the
# evaluation scores. num_classes: the label mapping's 278 keysteps + background
# (background='class'); with background='drop', 278.
_base_ = [
    '../_base_/models/alignment_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}},
             loss=dict(type='PhaseClassificationLoss', num_classes=279))
train_cfg = dict(max_epochs=50, val_interval=5)
auto_scale_lr = dict(base_batch_size=4)
# val is the reported split: no checkpoint is chosen on it (docs/egoexo4d.md)
default_hooks = dict(checkpoint=dict(save_best=None))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
