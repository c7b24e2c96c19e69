"""A weight-free frame encoder for the CPU demo and the tests."""
from typing import Optional

import torch
import torch.nn.functional as F

from byov.registry import MODELS
from .base import BaseFrameEncoder


@MODELS.register_module()
class TinyPatchEncoder(BaseFrameEncoder):
    """A fixed random patch embedding: each ``p x p`` patch is projected to D channels by
    a Gaussian matrix drawn from ``seed`` (a random projection, so distances between
    patches are roughly kept). Nothing to download, train or store: the projection is a
    non-persistent buffer rebuilt identically from the seed on every machine. Each token
    sees only its own patch, so STM's "patches that change" stays meaningful. It stands
    in for CLIP where only shapes and the training mechanics matter (tests, CPU demo).

    Args:
        embed_dims (int): D.
        patch_size (int): p.
        input_size (int): H = W, a multiple of ``patch_size``; N = (H / p) ** 2.
        seed (int): seed of the projection.
        chunk_size (int | None): frames per call.
    """

    def __init__(self, embed_dims: int = 128, patch_size: int = 8, input_size: int = 64,
                 seed: int = 0, chunk_size: Optional[int] = None):
        super().__init__(chunk_size=chunk_size)
        if input_size % patch_size:
            raise ValueError(f'TinyPatchEncoder: input_size={input_size} is not a multiple of '
                             f'patch_size={patch_size}.')
        generator = torch.Generator().manual_seed(seed)
        fan_in = 3 * patch_size * patch_size
        weight = torch.randn(embed_dims, 3, patch_size, patch_size, generator=generator)
        self.register_buffer('weight', weight / fan_in ** 0.5, persistent=False)
        self.patch_size = patch_size
        self.out_channels = embed_dims
        self.num_tokens = (input_size // patch_size) ** 2
        self.input_size = input_size

    @classmethod
    def width_from_config(cls, cfg: dict) -> Optional[int]:
        return cfg.get('embed_dims', 128)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(images, self.weight.to(images.dtype), stride=self.patch_size)
        return x.flatten(2).transpose(1, 2)  # [M, N, D]
