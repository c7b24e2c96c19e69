"""The common part of every frame-masking strategy."""
from typing import Optional, Tuple

import torch


class BaseFrameMasking:
    """Masks a fraction ``ratio`` of the frames of each sample independently.

    A subclass only decides the order of the frames, kept ones first (:meth:`order`);
    the index bookkeeping is shared, as in MAE's ``random_masking``.

    Args:
        ratio (float): fraction of frames to mask, in ``[0, 1)``. ``int(T * (1 - ratio))``
            frames are kept (the reference's formula: with float rounding 20 frames at
            ratio 0.8 keep 3, not 4).
    """

    def __init__(self, ratio: float):
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) \
                or not 0 <= ratio < 1:
            raise ValueError(
                f'{type(self).__name__}: ratio is the fraction of frames to mask and must '
                f'lie in [0, 1); got {ratio!r}.')
        self.ratio = float(ratio)

    def num_keep(self, num_frames: int) -> int:
        """Frames kept out of ``num_frames``."""
        return int(num_frames * (1 - self.ratio))

    def order(self, batch_size: int, num_frames: int, num_keep: int, device=None,
              generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """``[B, T]`` long: a permutation of ``0..T-1`` per sample, the ``num_keep`` kept
        frames first."""
        raise NotImplementedError

    def __call__(self, batch_size: int, num_frames: int, device=None,
                 generator: Optional[torch.Generator] = None
                 ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns ``ids_keep [B, K]``, ``ids_restore [B, T]``, ``mask [B, T]`` (float,
        0 = kept, 1 = masked)."""
        num_keep = self.num_keep(num_frames)
        if num_keep < 1:
            raise ValueError(
                f'{type(self).__name__}(ratio={self.ratio}) keeps no frame of a '
                f'{num_frames}-frame clip; lower the ratio or use longer clips.')
        ids_shuffle = self.order(batch_size, num_frames, num_keep, device, generator)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :num_keep]
        # binary mask in shuffled order (kept first), then unshuffled: 0 is keep, 1 is masked
        mask = torch.ones(batch_size, num_frames, device=ids_shuffle.device)
        mask[:, :num_keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return ids_keep, ids_restore, mask

    def __repr__(self):
        return f'{type(self).__name__}(ratio={self.ratio})'


def order_from_masked(is_masked: torch.Tensor) -> torch.Tensor:
    """``[B, T]`` bool (True = masked) -> kept frames then masked ones, each in temporal
    order."""
    return torch.argsort(is_masked.int(), dim=1, stable=True)
