# AE2's objective (soft-DTW with a time-reversed negative) on Ego-Exo4D keystep from the
# released Omnivore features, unpaired ego-exo streams of one scenario (docs/egoexo4d.md).
_base_ = [
    '../_base_/models/alignment_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(
    num_frames={{_base_.clip_len}},
    loss=dict(type='DTWContrastiveLoss', num_subset=4, ratio=1.0, margin=0.0, cyclic=False,
              subset_sampling='random', temperature=0.1, gamma=0.1, scale=0.01))
train_cfg = dict(max_epochs=50, val_interval=5)
auto_scale_lr = dict(base_batch_size=4)
# val is the reported split: no checkpoint is chosen on it (docs/egoexo4d.md)
default_hooks = dict(checkpoint=dict(save_best=None))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
