"""Contiguous block masking: hide one run of consecutive frames."""
import torch

from byov.registry import MASKING
from .base import BaseFrameMasking, order_from_masked


@MASKING.register_module()
class BlockFrameMasking(BaseFrameMasking):
    """Masks one block of ``T - int(T * (1 - ratio))`` consecutive frames whose start is
    drawn uniformly per sample (the block may touch either end)."""

    def order(self, batch_size, num_frames, num_keep, device=None, generator=None):
        start = torch.randint(0, num_keep + 1, (batch_size, 1), device=device,
                              generator=generator)
        t = torch.arange(num_frames, device=device)[None]
        return order_from_masked((t >= start) & (t < start + num_frames - num_keep))
