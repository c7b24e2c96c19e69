"""Stop (or skip) training steps whose loss is NaN or infinite.

mmengine applies whatever the loss gives: one NaN loss turns every weight into NaN, the
run continues for hours, and the checkpoints it saves are useless. This hook keeps the
optimizer from taking such a step and then, by ``action``:

- ``'raise'`` (default): stops training with a ``FloatingPointError`` naming the epoch,
  the iteration and the loss terms that are not finite; the weights (and the last
  checkpoint) are those of the previous step;
- ``'skip'``: drops the step, logs a warning with a running count, and goes on; after
  ``max_consecutive_skips`` skipped steps in a row it raises as above.

How a step is kept from happening: the optim wrapper does it.
``NanGuardOptimWrapper`` / ``NanGuardAmpOptimWrapper`` (:mod:`byov.engine.optim_wrappers`,
registered; byov's schedules use them) check that the summed loss is finite on every rank
and otherwise take no step. This hook reads their ``skipped_last_step`` and decides. With
another optim wrapper, ``'raise'`` still stops training at the bad iteration (saying that
the step was applied) and ``'skip'`` is refused in ``before_train``.
"""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from byov.engine.optim_wrappers import NonFiniteLossGuard
from byov.registry import HOOKS

ACTIONS = ('raise', 'skip')


@HOOKS.register_module()
class NanLossGuardHook(Hook):
    """Keep non-finite losses from updating the weights; raise or skip.

    Args:
        action (str): ``'raise'`` or ``'skip'`` (see the module docstring).
        max_consecutive_skips (int): with ``'skip'``, raise after this many skipped
            steps in a row (a diverged model would otherwise skip forever).
    """

    # after LoggerHook (BELOW_NORMAL), so the bad iteration is logged; before
    # CheckpointHook (VERY_LOW), so nothing is saved after it.
    priority = 'LOW'

    def __init__(self, action: str = 'raise', max_consecutive_skips: int = 10):
        if action not in ACTIONS:
            raise ValueError(f'NanLossGuardHook: action must be one of {ACTIONS}, '
                             f'got {action!r}.')
        if max_consecutive_skips < 1:
            raise ValueError('NanLossGuardHook: max_consecutive_skips must be >= 1, got '
                             f'{max_consecutive_skips}.')
        self.action = action
        self.max_consecutive_skips = max_consecutive_skips
        self.num_skipped = 0
        self._consecutive = 0
        self._guarded = False

    # ------------------------------------------------------------------ the guard
    def before_train(self, runner) -> None:
        self._guarded = isinstance(runner.optim_wrapper, NonFiniteLossGuard)
        if not self._guarded and self.action == 'skip':
            raise ValueError(
                "NanLossGuardHook(action='skip') needs an optim wrapper that can skip a "
                f"step, not {type(runner.optim_wrapper).__name__}: set "
                "optim_wrapper.type='NanGuardOptimWrapper' (or 'NanGuardAmpOptimWrapper'), "
                "or use action='raise'.")

    def after_train(self, runner) -> None:
        self._guarded = False

    # ------------------------------------------------------------------ reporting
    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        bad = {name: float(value.detach()) for name, value in (outputs or {}).items()
               if isinstance(value, torch.Tensor) and not torch.isfinite(value).all()}
        skipped = self._guarded and runner.optim_wrapper.skipped_last_step
        if not bad and not skipped:
            self._consecutive = 0
            return
        where = (f'epoch {runner.epoch + 1}, iteration {runner.iter + 1} '
                 f'(batch {batch_idx + 1} of the epoch)')
        terms = ', '.join(f'{name}={value}' for name, value in bad.items()) or \
            'every loss term is finite here; another rank\'s loss was not'
        if self.action == 'raise':
            state = ('The step was not applied; the weights are those of the previous '
                     'iteration.' if self._guarded else 'The step was applied (the optim '
                     f'wrapper, {type(runner.optim_wrapper).__name__}, does not guard '
                     "against it: use optim_wrapper.type='NanGuardOptimWrapper'); do not "
                     'use these weights.')
            raise FloatingPointError(
                f'Non-finite loss at {where}: {terms}. {state} Lower the learning rate, '
                'check the inputs of this batch, or set NanLossGuardHook(action=\'skip\') '
                'to drop such steps.')
        self.num_skipped += 1
        self._consecutive += 1
        runner.message_hub.update_info('train/nonfinite_steps_skipped', self.num_skipped)
        print_log(f'NanLossGuardHook: skipped the step at {where}: {terms} '
                  f'({self.num_skipped} step(s) skipped so far, {self._consecutive} in a row).',
                  logger='current', level=30)
        if self._consecutive >= self.max_consecutive_skips:
            raise FloatingPointError(
                f'Non-finite loss in {self._consecutive} consecutive steps (the last at '
                f'{where}: {terms}); training has diverged. Lower the learning rate or '
                'resume from an earlier checkpoint.')
