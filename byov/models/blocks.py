"""Pre-norm transformer blocks and fixed 1-D sin-cos positional embeddings.

Written locally (timm and torchvision do not install beside the CPU torch; see
docs/faq.md). Parameter names follow timm's ``Block`` (``norm1``, ``attn.qkv``,
``attn.proj``, ``norm2``, ``mlp.fc1``, ``mlp.fc2``), which the BYOV reference code uses,
so its checkpoints map one to one (``tools/model_converters/byov_reference_to_byov.py``).
"""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def sincos_pos_embed_1d(embed_dims: int, num_positions: int) -> torch.Tensor:
    """MAE's fixed 1-D sin-cos table: ``[num_positions, embed_dims]``, float32.

    Channel ``i < D/2`` is ``sin(pos * w_i)``, channel ``D/2 + i`` is ``cos(pos * w_i)``,
    with ``w_i = 10000 ** (-2i / D)``; computed in float64 as the reference does.
    """
    if embed_dims % 2:
        raise ValueError(f'sin-cos positional embedding needs an even width, got {embed_dims}.')
    omega = 1.0 / 10000 ** (np.arange(embed_dims // 2, dtype=np.float64) / (embed_dims / 2.0))
    out = np.einsum('m,d->md', np.arange(num_positions, dtype=np.float64), omega)
    table = np.concatenate([np.sin(out), np.cos(out)], axis=1)
    return torch.from_numpy(table).float()


def resize_pos_embed(pos_embed: torch.Tensor, length: int, interpolate: bool = True,
                     owner: str = 'encoder') -> torch.Tensor:
    """Positional embedding ``[1, P, C]`` for a sequence of ``length`` positions.

    ``length == P``: the table itself. Otherwise, with ``interpolate`` the table is
    linearly interpolated to ``length`` positions (``F.interpolate(mode='linear')``, as the
    reference does for whole videos); without it, shorter sequences take the first
    ``length`` positions and longer ones raise.
    """
    num_positions = pos_embed.shape[1]
    if length == num_positions:
        return pos_embed
    if interpolate:
        return F.interpolate(pos_embed.transpose(1, 2), size=length,
                             mode='linear').transpose(1, 2)
    if length < num_positions:
        return pos_embed[:, :length]
    raise ValueError(
        f'{owner}: a sequence of {length} frames is longer than its {num_positions} '
        f'positions (num_frames={num_positions}) and interpolate_pos=False; set '
        f'interpolate_pos=True to interpolate the positional embedding, or raise num_frames.')


def causal_mask(length: int, device=None) -> torch.Tensor:
    """Boolean ``[length, length]`` mask, True where query ``i`` may attend key ``j <= i``."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


class Attention(nn.Module):
    """Multi-head self-attention. ``x: [B, L, C] -> [B, L, C]``.

    ``attn_mask``: None (full attention), a boolean ``[L, L]`` / ``[B, 1, L, L]`` mask
    (True = may attend), or an additive float mask of the same shapes.
    """

    def __init__(self, dim: int, num_heads: int = 8, qkv_bias: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'width {dim} is not divisible by num_heads={num_heads}.')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        B, L, C = x.shape
        qkv = self.qkv(x).reshape(B, L, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each [B, heads, L, C/heads]
        x = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.proj(x.transpose(1, 2).reshape(B, L, C))


class Mlp(nn.Module):
    """``fc1 -> GELU -> fc2``."""

    def __init__(self, dim: int, hidden_dim: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class TransformerBlock(nn.Module):
    """Pre-norm ViT block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, qkv_bias: bool = True):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), attn_mask)
        return x + self.mlp(self.norm2(x))


def init_mae_weights(module: nn.Module) -> None:
    """MAE / reference initialisation: xavier-uniform Linear weights, zero biases,
    unit LayerNorms. Apply with ``module.apply(init_mae_weights)``."""
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
