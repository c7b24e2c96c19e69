# The reference recipe (docs/method.md section 6): Adam, lr 1e-5, weight decay 5e-6,
# 300 epochs, evaluation on val and a checkpoint every 10 epochs.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_begin=1, val_interval=10)

optim_wrapper = dict(
    type='NanGuardOptimWrapper',  # OptimWrapper that skips non-finite losses
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=5e-6))

param_scheduler = []  # constant learning rate, as the reference

# The reference used batch 1 on one GPU: the total batch this lr is for.
# tools/train.py --auto-scale-lr scales the lr by (total batch / base_batch_size).
auto_scale_lr = dict(enable=False, base_batch_size=1)
