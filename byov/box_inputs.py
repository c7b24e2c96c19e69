"""How per-frame boxes travel to a box-reading frame encoder: in the data sample.

A box pipeline (``LoadClipBoxes`` / ``LoadVideoBoxes``, then ``PackEgoExoBoxInputs``)
packs the frames into ``inputs`` as any other pipeline does, and the boxes into the data
field ``boxes`` of the item's :class:`~byov.structures.EgoExoDataSample`, one box table
``[S, 10]`` per frame (rows = slots, AE2's 10 columns):

- a training pair: ``inputs`` uint8 ``[2, T, 3, H, W]``, ``boxes`` float32 ``[2, T, S, 10]``;
- a whole video: ``inputs`` uint8 ``[L, 3, H, W]``, ``boxes`` float32 ``[L, S, 10]``.

Without pixels (an encoder that reads the boxes alone) the frames are empty,
``[..., 3, 0, 0]``, so that ``inputs`` keeps its layout and costs nothing. The data
preprocessor (``EgoExoBoxDataPreprocessor``) moves the boxes to the device with the
frames; the model stacks them with :func:`stack_boxes` when its stem's frame encoder
reads boxes (``reads_boxes = True``), reshapes them as it reshapes the frames and passes
both to the stem, which calls ``frame_encoder(frames, boxes)``.

Box coordinates are fractions of the frame width and height
(:class:`~byov.datasets.boxes.HandObjectBoxes`), so resizing the frames never changes the
table.
"""
from typing import Optional, Sequence

import torch

BOX_COLUMNS = 10

_FIX = ('Load the boxes with LoadClipBoxes / LoadVideoBoxes, pack them with '
        'PackEgoExoBoxInputs, use EgoExoBoxDataPreprocessor and pass the data samples to '
        'the model (docs/box_input.md).')


def stack_boxes(data_samples: Optional[Sequence], owner: str) -> torch.Tensor:
    """The ``boxes`` of a batch's data samples as one tensor ``[B, *lead, S, 10]``
    (``lead``: ``2, T`` for pairs, ``L`` for whole videos)."""
    if not data_samples or any('boxes' not in sample for sample in data_samples):
        raise ValueError(f'{owner}: the frame encoder reads per-frame boxes, but the data '
                         f'samples carry none (no data field "boxes"). {_FIX}')
    boxes = [sample.boxes for sample in data_samples]
    shapes = {tuple(b.shape) for b in boxes}
    if len(shapes) > 1:
        raise ValueError(f'{owner}: cannot batch boxes of different shapes {sorted(shapes)}; '
                         'whole videos differ in length, so evaluate them with batch_size=1.')
    return torch.stack([torch.as_tensor(b) for b in boxes])


def box_table(boxes: Optional[torch.Tensor], num_slots: int, lead: Sequence[int],
              owner: str) -> torch.Tensor:
    """Check ``boxes [*lead, S, 10]`` (S >= ``num_slots``) against the frames' leading
    dimensions ``lead`` and return the first ``num_slots`` slots, ``[*lead, num_slots, 10]``."""
    if boxes is None:
        raise ValueError(f'{owner} reads per-frame boxes, but none were passed with the '
                         f'frames. {_FIX}')
    lead = tuple(lead)
    if (boxes.dim() != len(lead) + 2 or tuple(boxes.shape[:-2]) != lead
            or boxes.shape[-1] != BOX_COLUMNS or boxes.shape[-2] < num_slots):
        raise ValueError(
            f'{owner}: boxes must be [{", ".join(map(str, lead))}, S, {BOX_COLUMNS}] (one '
            f'table per frame, S >= num_slots={num_slots} slots), got {list(boxes.shape)}. '
            f'{_FIX}')
    return boxes[..., :num_slots, :]
