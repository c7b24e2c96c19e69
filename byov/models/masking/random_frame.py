"""MAE-style random frame masking (BYOV's default, docs/method.md section 4)."""
import torch

from byov.registry import MASKING
from .base import BaseFrameMasking


@MASKING.register_module()
class RandomFrameMasking(BaseFrameMasking):
    """Keeps ``int(T * (1 - ratio))`` frames chosen by sorting uniform noise per sample:
    small noise is kept, large noise is masked."""

    def order(self, batch_size, num_frames, num_keep, device=None, generator=None):
        noise = torch.rand(batch_size, num_frames, device=device, generator=generator)
        return torch.argsort(noise, dim=1)
