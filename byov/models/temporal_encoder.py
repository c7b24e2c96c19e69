"""The shared temporal encoder of BYOV: per-frame vectors ``[B, T, D]`` in, per-frame
embeddings ``[B, T, E]`` out (docs/method.md section 3). Its output is the representation
every downstream task evaluates."""
from typing import Optional

import torch
from torch import nn

from byov.registry import MODELS
from .blocks import TransformerBlock, init_mae_weights, resize_pos_embed, sincos_pos_embed_1d


@MODELS.register_module()
class TemporalTransformerEncoder(nn.Module):
    """Fixed sin-cos positions (width D) -> LayerNorm(D) + Linear(D -> E) -> LayerNorm(E)
    -> ``num_layers`` pre-norm ViT blocks of width E. No final norm.

    With ``in_channels=768`` and the defaults it has 9,676,032 trainable parameters.

    Args:
        in_channels (int): D, width of the frame vectors (the frame encoder's width).
        embed_dims (int): E, width of the embeddings.
        num_frames (int): positions of the positional table (the training clip length).
        num_layers (int): transformer blocks.
        num_heads (int): attention heads.
        mlp_ratio (float): MLP hidden width / E.
        qkv_bias (bool): bias in the qkv projection.
        interpolate_pos (bool): a sequence of another length (a whole video) gets the
            table linearly interpolated to its length, as in the reference. False: shorter
            sequences use the first positions and longer ones raise.
    """

    def __init__(self, in_channels: int = 768, embed_dims: int = 256, num_frames: int = 32,
                 num_layers: int = 12, num_heads: int = 16, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, interpolate_pos: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.num_frames = num_frames
        self.interpolate_pos = interpolate_pos
        # fixed, recomputed from the config: not a parameter and not saved in checkpoints
        self.register_buffer('pos_embed', sincos_pos_embed_1d(in_channels, num_frames)[None],
                             persistent=False)
        self.embed_norm = nn.LayerNorm(in_channels)
        self.embed_proj = nn.Linear(in_channels, embed_dims)
        self.pre_norm = nn.LayerNorm(embed_dims)
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, mlp_ratio, qkv_bias)
            for _ in range(num_layers)])
        self.init_weights()

    def init_weights(self):
        self.apply(init_mae_weights)

    def forward(self, x: torch.Tensor, ids_keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Embed a sequence, or only its kept frames.

        Args:
            x: ``[B, T, D]`` frame vectors in temporal order.
            ids_keep: ``[B, K]`` indices of the frames to keep (a masking strategy's
                output), or None to encode all ``T`` frames.

        Returns:
            ``[B, K, E]`` (or ``[B, T, E]``). Positions are added before the frames are
            dropped, so a kept frame knows where it sits in the full sequence.
        """
        x = x + resize_pos_embed(self.pos_embed, x.shape[1], self.interpolate_pos,
                                 owner=type(self).__name__)
        if ids_keep is not None:
            x = torch.gather(x, 1, ids_keep[..., None].expand(-1, -1, x.shape[-1]))
        x = self.pre_norm(self.embed_proj(self.embed_norm(x)))
        for block in self.blocks:
            x = block(x)
        return x
