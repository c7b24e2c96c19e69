# AE2's recipe (zihuixue/AlignEgoExo utils/config.py defaults): Adam, lr 5e-5, weight
# decay 1e-5, 300 epochs, batch 2, downstream evaluation and a checkpoint every 10 epochs.
# (AE2's Pour Milk script uses lr 1e-4.)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_begin=1, val_interval=10)

optim_wrapper = dict(
    type='NanGuardOptimWrapper',  # OptimWrapper that skips non-finite losses
    optimizer=dict(type='Adam', lr=5e-5, weight_decay=1e-5))

param_scheduler = []  # constant learning rate, as the reference

# AE2 trained with batch 2: the total batch this lr is for (tools/train.py --auto-scale-lr)
auto_scale_lr = dict(enable=False, base_batch_size=2)
