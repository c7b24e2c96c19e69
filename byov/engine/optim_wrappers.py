"""Optim wrappers that leave the weights alone when the loss is not finite.

``NanGuardOptimWrapper`` (and ``NanGuardAmpOptimWrapper`` for mixed precision) are
mmengine's ``OptimWrapper`` / ``AmpOptimWrapper`` whose ``update_params`` first checks
that the summed loss is finite on every rank (one all-reduce in distributed runs, so all
ranks decide alike and DDP stays in step). If it is not, it returns without backward or
optimizer step (the iteration still counts: iteration-based schedules move on) and sets
``skipped_last_step``. :class:`~byov.engine.hooks.NanLossGuardHook` then raises or
counts the skip, naming the iteration and the loss terms. Select them in the config:
``optim_wrapper = dict(type='NanGuardOptimWrapper', optimizer=...)`` (byov's schedules
do; ``tools/train.py --amp`` switches to the AMP variant).
"""
import torch
import torch.distributed as torch_dist
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from byov.registry import OPTIM_WRAPPERS


def finite_on_all_ranks(loss: torch.Tensor) -> bool:
    """Whether ``loss`` is finite here and on every other rank."""
    finite = torch.isfinite(loss.detach()).all().to(torch.float32).reshape(1)
    if torch_dist.is_available() and torch_dist.is_initialized() \
            and torch_dist.get_world_size() > 1:
        backend = torch_dist.get_backend()
        finite = finite.cuda() if backend == 'nccl' else finite.cpu()
        torch_dist.all_reduce(finite, op=torch_dist.ReduceOp.MIN)
    return bool(finite.item() > 0)


class NonFiniteLossGuard:
    """Mixin for an ``OptimWrapper``: no step for a loss that is not finite."""

    skipped_last_step = False

    def update_params(self, loss, *args, **kwargs):
        self.skipped_last_step = not finite_on_all_ranks(loss)
        if self.skipped_last_step:
            return None
        return super().update_params(loss, *args, **kwargs)


@OPTIM_WRAPPERS.register_module()
class NanGuardOptimWrapper(NonFiniteLossGuard, OptimWrapper):
    """``OptimWrapper`` that skips steps whose loss is not finite (module docstring)."""


@OPTIM_WRAPPERS.register_module()
class NanGuardAmpOptimWrapper(NonFiniteLossGuard, AmpOptimWrapper):
    """``AmpOptimWrapper`` that skips steps whose loss is not finite."""
