"""BYOV's temporal encoder (``model.backbone``): per-frame vectors ``[B, T, D]`` in,
per-frame embeddings ``[B, T, E]`` out. Its output is the representation every
downstream task evaluates. The contract it fulfils:
:class:`~byov.models.base.BaseTemporalEncoder`."""
from typing import Optional

import torch
from torch import nn

from byov.registry import MODELS
from .base import BaseTemporalEncoder
from .blocks import TransformerBlock, init_mae_weights, resize_pos_embed, sincos_pos_embed_1d


@MODELS.register_module()
class TemporalTransformerEncoder(BaseTemporalEncoder):
    """Fixed sin-cos positions (width D; see ``positions``) -> LayerNorm(D) +
    Linear(D -> E) -> LayerNorm(E) -> ``num_layers`` pre-norm ViT blocks of width E. No
    final norm.

    With ``in_channels=768`` and the defaults it has 9,676,032 trainable parameters.

    Args:
        in_channels (int): D, width of the frame vectors (the frame encoder's width).
        embed_dims (int): E, width of the embeddings.
        num_frames (int): positions of the positional table (the training clip length);
            the model passes its ``num_frames``, configs leave it out.
        num_layers (int): transformer blocks.
        num_heads (int): attention heads.
        mlp_ratio (float): MLP hidden width / E.
        qkv_bias (bool): bias in the qkv projection.
        interpolate_pos (bool): a sequence of another length (a whole video) gets the
            table linearly interpolated to its length, as in the reference. False: shorter
            sequences use the first positions and longer ones raise.
        positions (str): what tells a frame where it sits (docs/time_leakage.md):
            ``'sincos'`` (default, the reference): each frame gets its row of the table,
            interpolated over a whole video, so every embedding can carry the clock t/L;
            ``'held'``: every frame gets the same row (the middle of the training clip),
            whatever its place: the positions held fixed, e.g. to evaluate a model trained
            with ``'sincos'`` without the clock
            (``--cfg-options model.backbone.positions=held``);
            ``'none'``: no positional embedding at all, the clock-free encoder (to train).
            With ``'held'`` or ``'none'`` the encoder is permutation-equivariant: shuffling
            the frames shuffles the embeddings alike. The table is not saved in
            checkpoints, so a checkpoint loads under any of the three.
    """

    POSITIONS = ('sincos', 'held', 'none')

    def __init__(self, in_channels: int = 768, embed_dims: int = 256, num_frames: int = 32,
                 num_layers: int = 12, num_heads: int = 16, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, interpolate_pos: bool = True,
                 positions: str = 'sincos'):
        super().__init__(in_channels, embed_dims, num_frames, interpolate_pos)
        if positions not in self.POSITIONS:
            raise ValueError(
                f'{type(self).__name__}: positions must be one of {self.POSITIONS} '
                f"('sincos': each frame its position; 'held': one position for every frame; "
                f"'none': no positional embedding), got {positions!r}.")
        self.positions = positions
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
            dropped, so a kept frame knows where it sits in the full sequence (unless
            ``positions`` is ``'held'`` or ``'none'``).
        """
        if self.positions == 'sincos':
            x = x + resize_pos_embed(self.pos_embed, x.shape[1], self.interpolate_pos,
                                     owner=type(self).__name__)
        elif self.positions == 'held':  # the middle row of the table for every frame
            middle = (self.pos_embed.shape[1] - 1) // 2
            x = x + self.pos_embed[:, middle:middle + 1]
        if ids_keep is not None:
            x = torch.gather(x, 1, ids_keep[..., None].expand(-1, -1, x.shape[-1]))
        x = self.pre_norm(self.embed_proj(self.embed_norm(x)))
        for block in self.blocks:
            x = block(x)
        return x
