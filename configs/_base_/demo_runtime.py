# The runtime of the CPU demos on the synthetic benchmark (a few epochs of a few
# iterations): a checkpoint every epoch, the last two and the final one kept, a log line
# every 10 iterations.
_base_ = ['./default_runtime.py']
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_last=True),
    logger=dict(interval=10))
