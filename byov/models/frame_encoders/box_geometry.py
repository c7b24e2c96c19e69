"""A weight-free frame encoder of hand-object box geometry."""
import hashlib
import itertools
from typing import Optional

import torch

from byov.box_inputs import box_table
from byov.registry import MODELS
from .base import BaseFrameEncoder

SLOT_FEATURES = 7  # cx, cy, w, h, log aspect, confidence, presence
PAIR_FEATURES = 4  # dx, dy, IoU, intersection / smaller area


def box_geometry_features(boxes: torch.Tensor) -> torch.Tensor:
    """``boxes [..., S, 10]`` (coordinates as fractions of the frame, slot id -1 for an
    empty slot) -> ``[..., 7 S + 2 S (S - 1)]``.

    Per slot: centre x, y, width, height, ``log(w / h)`` (clamped to +-3), confidence and
    presence (1 if the slot holds a box). Per pair of slots ``i < j`` (hand-object and
    object-object relations): the offset of j's centre from i's (dx, dy), their IoU and
    their intersection over the smaller box's area (1 when one box lies inside the
    other: contact or holding). Empty slots and pairs with an empty slot are all zeros.
    """
    present = (boxes[..., 9] >= 0).to(boxes.dtype)  # [..., S]
    x1, y1, x2, y2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    w, h = (x2 - x1).clamp(min=0), (y2 - y1).clamp(min=0)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    aspect = torch.log((w + 1e-4) / (h + 1e-4)).clamp(-3, 3)
    slot = torch.stack([cx, cy, w, h, aspect, boxes[..., 4], torch.ones_like(cx)], dim=-1)
    slot = slot * present[..., None]
    area = w * h
    pairs = []
    for i, j in itertools.combinations(range(boxes.shape[-2]), 2):
        iw = (torch.minimum(x2[..., i], x2[..., j]) - torch.maximum(x1[..., i], x1[..., j]))
        ih = (torch.minimum(y2[..., i], y2[..., j]) - torch.maximum(y1[..., i], y1[..., j]))
        inter = iw.clamp(min=0) * ih.clamp(min=0)
        union = area[..., i] + area[..., j] - inter
        both = present[..., i] * present[..., j]
        pairs.append(torch.stack([
            cx[..., j] - cx[..., i], cy[..., j] - cy[..., i],
            inter / union.clamp(min=1e-6),
            inter / torch.minimum(area[..., i], area[..., j]).clamp(min=1e-6)], dim=-1)
            * both[..., None])
    return torch.cat([slot.flatten(-2), *pairs], dim=-1)


@MODELS.register_module()
class BoxGeometryEncoder(BaseFrameEncoder):
    """Hand-object box geometry as one token per frame, no weights.

    Reads the per-frame boxes (:mod:`byov.box_inputs`; ``reads_boxes = True``, so the
    stem passes them with the frames, whose pixels it ignores: empty ``[..., 3, 0, 0]``
    frames of a box-only pipeline are fine): ``frames [B, T, 3, H, W]`` and
    ``boxes [B, T, S, 10]`` -> ``[B, T, 1, D]`` with ``D = 7 S + 2 S (S - 1)`` (52 for
    AE2's 4 slots) from :func:`box_geometry_features`. Deterministic and view-dependent:
    a camera that sees the scene from elsewhere sees other coordinates, which is what
    cross-view training has to bridge. Use it with any token selector (one token: STM and
    mean pooling return it as is).

    Args:
        num_slots (int): S, rows of the box table (AE2: 4).
    """

    reads_boxes = True

    def __init__(self, num_slots: int = 4):
        super().__init__(chunk_size=None)
        if num_slots < 1:
            raise ValueError(f'BoxGeometryEncoder: num_slots must be >= 1, got {num_slots}.')
        self.num_slots = num_slots
        self.out_channels = SLOT_FEATURES * num_slots + PAIR_FEATURES * (
            num_slots * (num_slots - 1) // 2)
        self.num_tokens = 1
        self.input_size = 0  # any frame size

    def fingerprint(self) -> str:
        """No weights: the type and slot count identify the outputs."""
        return hashlib.sha1(f'{type(self).__name__}|{self.num_slots}'.encode()).hexdigest()

    @torch.no_grad()
    def forward(self, frames: torch.Tensor,
                boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``frames [B, T, 3, H, W]`` (unused), ``boxes [B, T, S, 10]`` -> ``[B, T, 1, D]``."""
        boxes = box_table(boxes, self.num_slots, frames.shape[:-3], 'BoxGeometryEncoder')
        return box_geometry_features(boxes.float())[..., None, :]
