"""A sampler whose indices tell the dataset the epoch."""
from typing import Iterator

from mmengine.dataset import DefaultSampler

from byov.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class EpochAwareSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same shuffling, rank sharding, ``set_epoch``),
    yielding ``epoch * len(dataset) + i`` instead of ``i``.

    A dataset that seeds each item from its index (:class:`EgoExoPairDataset`) then
    draws new random items every epoch, reproducibly, with persistent workers too (the
    epoch travels with the index, not with worker state). Use it for the training
    dataloader; ``DistSamplerSeedHook`` sets the epoch, also after a resume.
    """

    def __iter__(self) -> Iterator[int]:
        offset = self.epoch * len(self.dataset)
        return (offset + i for i in super().__iter__())
