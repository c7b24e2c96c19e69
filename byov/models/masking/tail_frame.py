"""Future masking: hide the tail of the clip (the reference's unused ``future_masking``)."""
import torch

from byov.registry import MASKING
from .base import BaseFrameMasking


@MASKING.register_module()
class TailFrameMasking(BaseFrameMasking):
    """Keeps the first ``int(T * (1 - ratio))`` frames and masks the rest, for every
    sample alike (deterministic)."""

    def order(self, batch_size, num_frames, num_keep, device=None, generator=None):
        return torch.arange(num_frames, device=device).expand(batch_size, -1).clone()
