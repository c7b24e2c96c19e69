# Multi-view time-contrastive network on Ego-Exo4D keystep: frame t of a take's ego stream
# and frame t of one of its exo streams are positives, so it trains on synchronised pairs
# (docs/egoexo4d.md, "Pairs").
_base_ = [
    '../_base_/models/alignment_omnivore.py', '../_base_/datasets/egoexo4d_keystep.py',
    '../_base_/schedules/adam_300e.py', '../_base_/default_runtime.py'
]
model = dict(num_frames={{_base_.clip_len}},
             loss=dict(type='TCNLoss', mode='multi_view', reg_lambda=0.002))
train_dataloader = dict(dataset=dict(pairing='synchronised'))
train_cfg = dict(max_epochs=50, val_interval=5)
auto_scale_lr = dict(base_batch_size=4)
# val is the reported split: no checkpoint is chosen on it (docs/egoexo4d.md)
default_hooks = dict(checkpoint=dict(save_best=None))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
