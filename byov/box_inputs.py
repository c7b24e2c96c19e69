"""How per-frame boxes travel to a box-reading frame encoder inside ``inputs``.

byov's models hand the frame encoder one tensor per batch, ``[..., C, H, W]`` per frame,
and reshape it freely on the way (pairs, views, clips). So that boxes survive every such
reshape next to the frames they belong to, a box input packs them *into each frame*, as
one extra plane:

- with pixels: float32 ``[..., 4, H, W]``: channels 0-2 the RGB frame (0-255 before the
  data preprocessor, normalised after), channel 3 the box table ``[S, 10]`` in its top
  left corner (rows = slots, AE2's 10 columns), zeros elsewhere (needs ``H >= S`` and
  ``W >= 10``);
- boxes only: float32 ``[..., 1, S, 10]``: the plane is the table itself.

Box coordinates are fractions of the frame width and height
(:class:`~byov.datasets.boxes.HandObjectBoxes`), so resizing the frames never changes the
table. :func:`pack_boxes` builds the tensor, :func:`unpack_boxes` reads it back.
"""
from typing import Optional, Tuple

import numpy as np
import torch

BOX_COLUMNS = 10


def pack_boxes(boxes: np.ndarray, imgs: Optional[np.ndarray] = None) -> np.ndarray:
    """``boxes [..., S, 10]`` (and ``imgs [..., 3, H, W]`` with the same leading shape)
    -> float32 ``[..., 1, S, 10]`` or ``[..., 4, H, W]``."""
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.shape[-1] != BOX_COLUMNS:
        raise ValueError(f'pack_boxes: boxes must be [..., slots, {BOX_COLUMNS}], got '
                         f'{boxes.shape}.')
    if imgs is None:
        return boxes[..., None, :, :].copy()
    lead, (slots, _) = boxes.shape[:-2], boxes.shape[-2:]
    if imgs.shape[:-3] != lead or imgs.shape[-3] != 3:
        raise ValueError(f'pack_boxes: frames {imgs.shape} do not match boxes {boxes.shape} '
                         '(expected [..., 3, H, W] with the same leading shape).')
    h, w = imgs.shape[-2:]
    if h < slots or w < BOX_COLUMNS:
        raise ValueError(f'pack_boxes: {h}x{w} frames cannot hold a [{slots}, {BOX_COLUMNS}] '
                         'box table; frames must be at least that large.')
    out = np.zeros((*lead, 4, h, w), np.float32)
    out[..., :3, :, :] = imgs
    out[..., 3, :slots, :BOX_COLUMNS] = boxes
    return out


def unpack_boxes(inputs: torch.Tensor, num_slots: int) -> Tuple[Optional[torch.Tensor],
                                                                 torch.Tensor]:
    """``[..., 1, S, 10]`` or ``[..., 4, H, W]`` -> (frames ``[..., 3, H, W]`` or None,
    boxes ``[..., num_slots, 10]``)."""
    channels = inputs.shape[-3]
    if channels not in (1, 4) or inputs.shape[-2] < num_slots or inputs.shape[-1] < BOX_COLUMNS:
        raise ValueError(
            f'Box input must be [..., 1, S, {BOX_COLUMNS}] (boxes only) or [..., 4, H, W] '
            f'(frames + box plane) with S >= {num_slots} slots, got {list(inputs.shape)}. '
            'Load the boxes with LoadClipBoxes / LoadVideoBoxes and pack them with '
            'PackEgoExoBoxInputs (docs/box_input.md).')
    boxes = inputs[..., -1, :num_slots, :BOX_COLUMNS]
    frames = inputs[..., :3, :, :] if channels == 4 else None
    return frames, boxes
