"""AE2's object-centric frame encoder (its ``align_bbox`` task): features pooled inside
hand and object boxes, one token per box slot plus a global token, a transformer.

Reference: AE2 (Xue and Grauman, NeurIPS 2023), ``RoIPosEmbedder`` in ``models/embedder.py``
of zihuixue/AlignEgoExo. Differences, all options or documented: one frame per step
(AE2 also max-pools a context frame), a fixed RoIAlign sampling ratio (AE2: torchvision's
adaptive one), empty slots masked out of the attention and the final mean (AE2's
``use_mask``; AE2 averages over every token), the box coordinates in fractions of the
frame (AE2: divided by the input size, the same numbers).
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from byov.box_inputs import box_table
from byov.registry import MODELS
from .roi_align import roi_align


@MODELS.register_module()
class ObjectCentricEncoder(BaseModule):
    """Trainable per-frame embedder reading frames and boxes: ``frames [B, T, 3, H, W]``
    and ``boxes [B, T, S, 10]`` (the data samples' boxes, :mod:`byov.box_inputs`;
    ``reads_boxes = True``, so the stem passes them) -> ``[B, T, E]``.

    1. mmaction2's 2-D ``ResNet`` (stages 1-3) on every frame: the stage-1 map
       (``[F1, H/4, W/4]``, mid-level) and the stage-3 map (``[F3, H/16, W/16]``);
    2. RoIAlign of the stage-1 map inside each of the S boxes (``roi_size`` x
       ``roi_size`` bins), flattened and projected to ``dims``: one token per slot;
    3. + a box positional embedding (a bias-free linear map of ``x1, y1, x2, y2,
       confidence``) and a learned token per slot; the global token: the stage-3 map
       max-pooled, projected, + its own learned token;
    4. LayerNorm, a ``num_layers``-layer transformer (empty slots masked), the mean over
       the tokens that are present, LayerNorm + Linear -> E.

    Use it as the (trainable) frame encoder of
    :class:`~byov.models.alignment.AlignmentModel`: ``stem=dict(type='FrameStem',
    frame_encoder=dict(type='ObjectCentricEncoder', ...), token_selector=None,
    frozen=False)`` and ``backbone=None``, as AE2 does.

    Args:
        depth (int): ResNet depth (AE2: 50; 18 for quick tests).
        pretrained (str | None): the ResNet's ImageNet weights (a torchvision ResNet
            state dict, file or URL); None: random initialisation.
        num_slots (int): S, box slots (AE2: 4, two hands then two objects).
        dims (int): token width (AE2's ``hidden_dim``).
        num_layers (int): transformer layers (AE2's ``n_layers``).
        num_heads (int): attention heads (AE2: 4).
        embed_dims (int): E, the output width (AE2: 128).
        roi_size (int): RoIAlign bins per side (AE2: 4).
        sampling_ratio (int): RoIAlign samples per bin and side.
        box_pos_embed (bool): add the box positional embedding (AE2's ``use_bbox_pe``).
        weigh_by_confidence (bool): scale each slot token by its box's confidence (AE2's
            ``weigh_token_by_bbox``).
        dropout (float): dropout in the transformer and on the stage-3 map (0.1).
        chunk_size (int | None): frames encoded at a time in eval mode (whole videos).
    """

    reads_boxes = True

    def __init__(self, depth: int = 50, pretrained: Optional[str] = None, num_slots: int = 4,
                 dims: int = 256, num_layers: int = 2, num_heads: int = 4,
                 embed_dims: int = 128, roi_size: int = 4, sampling_ratio: int = 2,
                 box_pos_embed: bool = True, weigh_by_confidence: bool = False,
                 dropout: float = 0.1, chunk_size: Optional[int] = 64,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f'ObjectCentricEncoder: chunk_size must be >= 1 or None, got '
                             f'{chunk_size}.')
        self.num_slots = num_slots
        self.roi_size = roi_size
        self.sampling_ratio = sampling_ratio
        self.box_pos_embed = box_pos_embed
        self.weigh_by_confidence = weigh_by_confidence
        self.chunk_size = chunk_size
        self.out_channels = embed_dims
        # imported here, not with the module: importing byov leaves mmaction2 alone
        from byov.utils.compat import import_mmaction_models
        resnet = import_mmaction_models().backbones.ResNet
        self.backbone = resnet(depth=depth, pretrained=pretrained, num_stages=3,
                               out_indices=(0, 2), strides=(1, 2, 2), dilations=(1, 1, 1))
        mid_channels = self.backbone.feat_dim // 4  # stage 1 is a quarter of stage 3
        self.proj_local = nn.Linear(mid_channels * roi_size * roi_size, dims)
        self.proj_global = nn.Linear(self.backbone.feat_dim, dims)
        self.pos_embed = nn.Linear(5, dims, bias=False)
        self.slot_tokens = nn.Parameter(torch.randn(num_slots + 1, dims) * 0.02)  # + global
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dims)
        self.transformer = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(dims, num_heads, dim_feedforward=4 * dims,
                                       dropout=dropout, batch_first=True),
            num_layers=num_layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(dims), nn.Linear(dims, embed_dims))

    def tokens(self, frames: torch.Tensor, boxes: torch.Tensor):
        """``frames [M, 3, H, W]``, ``boxes [M, S, 10]`` -> (tokens ``[M, S+1, dims]``,
        padding mask ``[M, S+1]``, True for an empty slot)."""
        mid, top = self.backbone(frames)
        h, w = mid.shape[-2:]
        coords = boxes[..., :4] * boxes.new_tensor([w, h, w, h])  # fractions -> map pixels
        pooled = roi_align(mid, coords, self.roi_size, self.sampling_ratio)  # [M, S, F1, P, P]
        local = self.proj_local(pooled.flatten(2))
        if self.box_pos_embed:
            local = local + self.pos_embed(boxes[..., :5])
        present = boxes[..., 9] >= 0
        local = local + self.slot_tokens[:self.num_slots]
        if self.weigh_by_confidence:
            local = local * boxes[..., 4:5]
        glob = self.proj_global(self.dropout(top).amax(dim=(2, 3))) + self.slot_tokens[-1]
        tokens = self.norm(torch.cat([local, glob[:, None]], dim=1))
        mask = torch.cat([~present, present.new_zeros(present.shape[0], 1)], dim=1)
        return tokens, mask

    def embed(self, frames: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """``[M, 3, H, W]``, ``[M, S, 10]`` -> ``[M, E]``."""
        tokens, mask = self.tokens(frames, boxes)
        out = self.transformer(tokens, src_key_padding_mask=mask)
        keep = (~mask).to(out.dtype)[..., None]
        return self.head((out * keep).sum(1) / keep.sum(1))

    def forward(self, frames: torch.Tensor,
                boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``frames [B, T, 3, H, W]`` (normalised), ``boxes [B, T, S, 10]`` -> ``[B, T, E]``."""
        boxes = box_table(boxes, self.num_slots, frames.shape[:-3], 'ObjectCentricEncoder')
        if frames.shape[-1] * frames.shape[-2] == 0:
            raise ValueError('ObjectCentricEncoder reads pixels inside the boxes, but the '
                             'input holds boxes only (empty frames); pack the frames too '
                             '(PackEgoExoBoxInputs(with_frames=True) after LoadClipFromCache '
                             '/ LoadVideoFromCache).')
        B, T = frames.shape[:2]
        frames, boxes = frames.flatten(0, 1), boxes.flatten(0, 1)
        step = frames.shape[0] if self.training or not self.chunk_size else self.chunk_size
        embeds = torch.cat([self.embed(frames[i:i + step], boxes[i:i + step])
                            for i in range(0, frames.shape[0], step)])
        return embeds.reshape(B, T, -1)
