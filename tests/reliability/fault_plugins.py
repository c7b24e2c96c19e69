"""Faults on purpose, as a user plugin (imported through ``custom_imports``).

- ``KillAtIterationHook``: the process sends itself SIGKILL before a given training
  iteration (no cleanup, no atexit, as when a job is preempted or runs out of memory);
- ``NanOnceBYOV``: BYOV whose ``loss_msm`` is NaN at given training steps, on one rank.
"""
import os
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from byov.models.byov import BYOV
from byov.registry import HOOKS, MODELS


@HOOKS.register_module()
class KillAtIterationHook(Hook):
    """SIGKILL the process before training iteration ``iteration`` (0-based, global)."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@MODELS.register_module()
class NanOnceBYOV(BYOV):
    """BYOV whose ``loss_msm`` is ``value`` ('nan' or 'inf') at the training steps
    ``nan_steps`` (0-based count of loss calls) on rank ``nan_rank`` (None: every rank).
    Prints each step's batch size, so a test can count the samples of each rank."""

    def __init__(self, nan_steps=(0,), nan_rank=None, value='nan', **kwargs):
        super().__init__(**kwargs)
        self.nan_steps = set(nan_steps)
        self.nan_rank = nan_rank
        self.value = float(value)
        self.num_loss_calls = 0

    def loss(self, inputs, data_samples=None):
        losses = super().loss(inputs, data_samples)
        step, self.num_loss_calls = self.num_loss_calls, self.num_loss_calls + 1
        # one write() of the whole line: print() may write the text and its newline
        # separately (unbuffered output), and the other rank's log line can land between
        # them in the shared pipe ('batch 1' + '12/06 ...' read as 'batch 112')
        os.write(1, f'[fault_plugins] rank {get_rank()} step {step} '
                    f'batch {inputs.shape[0]}\n'.encode())
        if step in self.nan_steps and self.nan_rank in (None, get_rank()):
            losses['loss_msm'] = losses['loss_msm'] * torch.tensor(self.value)
        return losses
