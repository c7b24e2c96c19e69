"""Training items: an unpaired pair of clips (docs/data.md, "Pairs")."""
from typing import Optional

import numpy as np
from mmengine.dist import sync_random_seed

from byov.registry import DATASETS
from .base import EgoExoBaseDataset

PAIRINGS = ('pooled', 'cross_view')


@DATASETS.register_module()
class EgoExoPairDataset(EgoExoBaseDataset):
    """One item = two clips of two videos drawn at random, packed as
    ``inputs`` uint8 ``[2, T, 3, H, W]`` and a data sample with metainfo
    ``video_names``, ``is_ego`` and ``frame_inds`` (see :mod:`byov.structures`).

    Pairing: ``'pooled'`` (the reference's merge_all) draws both videos independently
    from the pooled ego+exo list of the split, so ego-ego, exo-exo and even the same
    video twice can occur; ``'cross_view'`` draws one ego video (first) and one exo
    video (second).

    Randomness: item ``idx`` draws its videos and frames from
    ``np.random.default_rng([seed, idx])`` and nothing else, so an item is the same in
    any worker, on any rank and in any run with the same seed. The index carries the
    epoch: ``idx`` in ``[0, len)`` is epoch 0, and :class:`EpochAwareSampler` hands out
    ``epoch * len + i``, so every epoch draws new pairs. (Under mmengine's
    ``DefaultSampler`` every epoch would replay the epoch-0 pairs in a new order.)

    Args:
        data_root, cache_dir, frame_size, layout, label_length_mismatch, pipeline:
            see :class:`~byov.datasets.base.EgoExoBaseDataset`.
        split: default 'train'.
        pairing: 'pooled' (reference) or 'cross_view'.
        epoch_length: items per epoch; default (None) the number of videos in the split,
            as the reference.
        seed: base seed of the item RNGs; None draws one with mmengine's
            ``sync_random_seed`` (same on every rank; follows the runner's seed).
        pipeline: default: ``SampleClipFrames`` (32 frames), ``LoadClipFromCache``
            (``LoadClipFeatures`` with a ``feature_cache``), ``PackEgoExoInputs``.
    """

    def __init__(self, data_root: str, cache_dir: str, split: str = 'train',
                 pairing: str = 'pooled', epoch_length: Optional[int] = None,
                 seed: Optional[int] = None, pipeline=None, **kwargs):
        if pairing not in PAIRINGS:
            raise ValueError(f'pairing must be one of {PAIRINGS}, got {pairing!r}.')
        if epoch_length is not None and epoch_length < 1:
            raise ValueError(f'epoch_length must be >= 1 or None, got {epoch_length}.')
        self.pairing = pairing
        self.epoch_length = epoch_length
        self.seed = sync_random_seed() if seed is None else int(seed)
        if pipeline is None:
            load = 'LoadClipFeatures' if kwargs.get('feature_cache') else 'LoadClipFromCache'
            pipeline = [dict(type='SampleClipFrames'), dict(type=load),
                        dict(type='PackEgoExoInputs')]
        super().__init__(data_root=data_root, split=split, cache_dir=cache_dir,
                         pipeline=pipeline, **kwargs)

    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        is_ego = np.array([self.get_data_info(i)['is_ego'] for i in range(self.num_videos)])
        self._ego_ids, self._exo_ids = np.flatnonzero(is_ego), np.flatnonzero(~is_ego)

    def __len__(self) -> int:
        return self.epoch_length or self.num_videos

    def draw_pair(self, rng: np.random.Generator):
        """Indices (a, b) of the two videos of an item."""
        self.full_init()
        if self.pairing == 'cross_view':
            return int(rng.choice(self._ego_ids)), int(rng.choice(self._exo_ids))
        a, b = rng.integers(self.num_videos, size=2)
        return int(a), int(b)

    def prepare_data(self, idx: int) -> dict:
        if idx < 0:
            idx += len(self)
        rng = np.random.default_rng([self.seed, idx])
        a, b = self.draw_pair(rng)
        results = dict(clips=[self.get_data_info(a), self.get_data_info(b)], rng=rng,
                       frame_cache=self.frame_cache, feature_cache=self.feature_cache,
                       data_root=self.data_root, sample_idx=idx, pairing=self.pairing)
        return self.pipeline(results)
