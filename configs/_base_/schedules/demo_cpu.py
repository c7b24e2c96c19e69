# A short CPU schedule for the synthetic demo: a few minutes on 2 cores.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=8, val_begin=1, val_interval=100)

optim_wrapper = dict(
    type='NanGuardOptimWrapper',  # OptimWrapper that skips non-finite losses
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=5e-6),
    clip_grad=dict(max_norm=1.0))

param_scheduler = []

# the total batch this lr was chosen for (tools/train.py --auto-scale-lr)
auto_scale_lr = dict(enable=False, base_batch_size=4)
