"""Token selectors: patch tokens ``[B, T, N, D]`` -> one vector per frame ``[B, T, D]``.

Their output is both the temporal encoder's input and the reconstruction target.
Parameter-free.
"""
from typing import Optional

import torch
from torch import nn

from byov.registry import MODELS


@MODELS.register_module()
class SelectiveTokenMerging(nn.Module):
    """Selective token merging (STM, docs/method.md section 2): average the patches that move.

    For frame t, patch n scores ``mean_c |x[t, n, c] - x[t+1, n, c]|``; the last frame
    reuses the score of the pair (T-2, T-1). The ``round(N_ref * ratio)`` best-scoring
    tokens of each frame are averaged.

    Args:
        ratio (float): fraction of ``N_ref`` tokens to keep, in (0, 1].
        num_ref_tokens (int | None): ``N_ref``. None: the frame's own token count N. The
            reference fixes it to 196 even for ViT-L/14 (N=256), keeping 59 tokens.
    """

    def __init__(self, ratio: float = 0.3, num_ref_tokens: Optional[int] = None):
        super().__init__()
        if not 0 < ratio <= 1:
            raise ValueError(f'SelectiveTokenMerging: ratio must lie in (0, 1], got {ratio}.')
        if num_ref_tokens is not None and round(num_ref_tokens * ratio) < 1:
            raise ValueError(
                f'SelectiveTokenMerging: round(num_ref_tokens * ratio) = '
                f'round({num_ref_tokens} * {ratio}) keeps no token.')
        self.ratio = ratio
        self.num_ref_tokens = num_ref_tokens

    def num_selected(self, num_tokens: int) -> int:
        """Tokens averaged per frame for frames of ``num_tokens`` tokens."""
        return max(1, round((self.num_ref_tokens or num_tokens) * self.ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: [B, T, N, D]`` (T >= 2) -> ``[B, T, D]``."""
        B, T, N, D = x.shape
        if T < 2:
            raise ValueError('SelectiveTokenMerging scores tokens by their change to the next '
                             f'frame and needs at least 2 frames; got {T}.')
        k = self.num_selected(N)
        if k > N:
            raise ValueError(f'SelectiveTokenMerging keeps {k} tokens '
                             f'(num_ref_tokens={self.num_ref_tokens}, ratio={self.ratio}) '
                             f'but frames have only {N}.')
        score = (x[:, 1:] - x[:, :-1]).abs().mean(dim=-1)  # [B, T-1, N]
        score = torch.cat([score, score[:, -1:]], dim=1)  # last frame reuses (T-2, T-1)
        idx = score.topk(k, dim=-1).indices  # [B, T, k]
        selected = torch.gather(x, 2, idx[..., None].expand(-1, -1, -1, D))
        return selected.mean(dim=2)


@MODELS.register_module()
class MeanTokenPooling(nn.Module):
    """Average of all patch tokens: ``[B, T, N, D] -> [B, T, D]`` (the "without STM"
    ablation)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=2)
