"""BYOV's masked-frame decoder (docs/method.md section 5), used for training only.

Two uses of the same weights:

- masked self-view modelling (MSM): ``decoder(latent, ids_restore)``: the encoded kept
  frames of one view, mask tokens put back where frames were dropped, causal attention
  (``causal=True``); predicts that view's frame vectors ``[B, T, D]``.
- masked cross-view modelling (MCM): ``decoder(latent, ids_restore, context=other)``:
  the same masked sequence concatenated with the *full* encoded other view, full
  attention; predicts the masked view's frame vectors.
"""
from typing import Optional

import torch
from torch import nn

from byov.registry import MODELS
from .blocks import (TransformerBlock, causal_mask, init_mae_weights, resize_pos_embed,
                     sincos_pos_embed_1d)


@MODELS.register_module()
class MaskedFrameDecoder(nn.Module):
    """LayerNorm(E) + Linear(E -> C), a learnable mask token, fixed sin-cos positions,
    ``num_layers`` pre-norm blocks of width C, head LayerNorm(C) + Linear(C -> D).

    With ``in_channels=256, embed_dims=256, out_channels=768``: 3,423,488 trainable
    parameters with 4 blocks (the reference scripts), 2,633,728 with 3 (the paper's 2.6M).

    Args:
        in_channels (int): E, the encoder's width.
        embed_dims (int): C, the decoder's width.
        out_channels (int): D, the width of the frame vectors it predicts.
        num_frames (int): positions of its positional table.
        num_layers (int): transformer blocks.
        num_heads (int): attention heads.
        mlp_ratio (float): MLP hidden width / C.
        qkv_bias (bool): bias in the qkv projection.
        causal (bool): causal (lower-triangular) attention in masked self-view
            modelling; cross-view modelling always attends fully.
        interpolate_pos (bool): as for :class:`TemporalTransformerEncoder`.
    """

    def __init__(self, in_channels: int = 256, embed_dims: int = 256, out_channels: int = 768,
                 num_frames: int = 32, num_layers: int = 4, num_heads: int = 16,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, causal: bool = True,
                 interpolate_pos: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.out_channels = out_channels
        self.num_frames = num_frames
        self.causal = causal
        self.interpolate_pos = interpolate_pos
        self.embed_norm = nn.LayerNorm(in_channels)
        self.embed_proj = nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.register_buffer('pos_embed', sincos_pos_embed_1d(embed_dims, num_frames)[None],
                             persistent=False)
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, mlp_ratio, qkv_bias)
            for _ in range(num_layers)])
        self.head_norm = nn.LayerNorm(embed_dims)
        self.head_proj = nn.Linear(embed_dims, out_channels)
        self.init_weights()

    def init_weights(self):
        nn.init.normal_(self.mask_token, std=0.02)
        self.apply(init_mae_weights)

    def restore(self, latent: torch.Tensor,
                ids_restore: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The decoder's input sequence.

        Args:
            latent: ``[B, K, E]`` encoded kept frames (in kept order), or a full sequence.
            ids_restore: ``[B, T]``: position ``t`` of the output takes row
                ``ids_restore[:, t]`` of ``[latent ; mask tokens]``. None: ``latent`` is
                already a full sequence in temporal order.

        Returns:
            ``[B, T, C]``: embedded, mask tokens at the masked frames, plus positions.
        """
        x = self.embed_proj(self.embed_norm(latent))
        if ids_restore is not None:
            B, T = ids_restore.shape
            x = torch.cat([x, self.mask_token.expand(B, T - x.shape[1], -1)], dim=1)
            x = torch.gather(x, 1, ids_restore[..., None].expand(-1, -1, x.shape[-1]))
        return x + resize_pos_embed(self.pos_embed, x.shape[1], self.interpolate_pos,
                                    owner=type(self).__name__)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, C] -> [B, T, D]`` predicted frame vectors."""
        return self.head_proj(self.head_norm(x))

    def forward(self, latent: torch.Tensor, ids_restore: torch.Tensor,
                context: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Predict the frame vectors of a masked view.

        Args:
            latent: ``[B, K, E]`` encoded kept frames of the target view.
            ids_restore: ``[B, T]`` restore indices of its masking.
            context: None for self-view modelling; for cross-view modelling ``[B, T', E]``,
                the full (unmasked) encoded other view.

        Returns:
            ``[B, T, D]`` predictions for every frame of the target view (the loss reads
            only its masked frames).
        """
        x = self.restore(latent, ids_restore)
        num_target = x.shape[1]
        attn_mask = None
        if context is None:
            if self.causal:
                attn_mask = causal_mask(num_target, x.device)
        else:  # [target with mask tokens ; other view], attending over both
            x = torch.cat([x, self.restore(context)], dim=1)
        for block in self.blocks:
            x = block(x, attn_mask)
        return self.head(x[:, :num_target])
