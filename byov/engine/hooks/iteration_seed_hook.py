"""Reseed the global random generators before every training iteration.

Why: BYOV draws its frame masks (and any dropout) from torch's global generator. A run
resumed with ``--resume`` restarts from the last epoch checkpoint in a fresh process,
whose generator state is not the one the interrupted run had reached at that point
(mmengine saves no generator state, and building data loaders or validating draws from
it too). Without this hook a resumed run trains on other masks than an uninterrupted run
with the same seed and ends with other weights.

With it, the global state at each training iteration is a function of (the run's seed,
the iteration) only, so a resumed run repeats an uninterrupted one exactly, whether or
not it validated, how many data-loader workers it used, or where it was killed. The data
side needs no help: :class:`~byov.datasets.EgoExoPairDataset` draws each item from its
own ``(seed, index)`` generator and :class:`~byov.datasets.EpochAwareSampler` shuffles
by ``(seed, epoch)``.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from byov.registry import HOOKS


def iteration_seed(seed: int, iteration: int) -> int:
    """A well-mixed 32-bit seed for ``iteration`` of a run seeded with ``seed``."""
    return int(np.random.SeedSequence([int(seed) % 2**32, int(iteration)]).generate_state(1)[0])


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed ``torch``, ``numpy`` and ``random`` from ``(runner.seed, runner.iter)`` before
    each training iteration (after its batch is loaded, before the model runs).

    ``runner.seed`` is the run's seed (mmengine adds the rank when
    ``randomness.diff_rank_seed`` is set, so ranks then draw differently, as without the
    hook). It is stored in every checkpoint and restored by ``--resume``.
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        seed = iteration_seed(runner.seed, runner.iter)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
