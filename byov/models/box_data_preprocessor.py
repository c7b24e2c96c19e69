"""Batches box inputs: frames in ``inputs``, boxes in the data samples
(:mod:`byov.box_inputs`)."""
import torch

from byov.box_inputs import box_table
from byov.registry import MODELS
from .data_preprocessor import EgoExoDataPreprocessor


@MODELS.register_module()
class EgoExoBoxDataPreprocessor(EgoExoDataPreprocessor):
    """Items from ``PackEgoExoBoxInputs`` -> a float batch and its boxes, on the device,
    for a box-reading frame encoder.

    ``inputs``: uint8 frames ``[2, T, 3, H, W]`` / ``[L, 3, H, W]``, resized to ``size``
    (bicubic) and normalised with ``mean`` / ``std`` as by the parent, into
    ``[B, 2, T, 3, H, W]`` / ``[B, L, 3, H, W]``; empty frames (``H = W = 0``, boxes
    only) stay empty. Every data sample must carry ``boxes`` with one ``[S, 10]`` table
    per frame of its item (``[2, T, S, 10]`` / ``[L, S, 10]``, S >= ``num_slots``); they
    come back on the device as float32 with the first ``num_slots`` slots, unchanged
    otherwise (coordinates are fractions of the frame, so they hold at any size). The
    model stacks them (:func:`byov.box_inputs.stack_boxes`). The stem's ``input_type``
    stays ``'frames'``: the frame encoder runs in the model.

    Args:
        num_slots (int): rows of the box table (AE2: 4).
        mean, std, size, non_blocking: see :class:`EgoExoDataPreprocessor`.
    """

    def __init__(self, num_slots: int = 4, **kwargs):
        if kwargs.get('input_type', 'frames') != 'frames':
            raise ValueError('EgoExoBoxDataPreprocessor: input_type must be "frames" (the '
                             'box-reading frame encoder runs in the model).')
        super().__init__(**kwargs)
        self.num_slots = num_slots

    def forward(self, data: dict, training: bool = False) -> dict:
        data, inputs = self.batch_inputs(data)  # the samples (and their boxes) moved too
        if inputs.dtype != torch.uint8:
            raise ValueError(
                f'EgoExoBoxDataPreprocessor takes uint8 frames (empty ones for boxes only) '
                f'with the boxes in the data samples, got {inputs.dtype} inputs '
                f'{list(inputs.shape)}; end the pipeline with PackEgoExoBoxInputs (after '
                'LoadClipBoxes / LoadVideoBoxes).')
        samples = data.get('data_samples')
        if not samples or len(samples) != inputs.shape[0]:
            raise ValueError('EgoExoBoxDataPreprocessor: the boxes travel in the data '
                             'samples, one per item, but the batch has '
                             f'{len(samples or [])} for {inputs.shape[0]} items; end the '
                             'pipeline with PackEgoExoBoxInputs.')
        lead = inputs.shape[1:-3]
        for sample in samples:
            if 'boxes' not in sample:
                raise ValueError('EgoExoBoxDataPreprocessor: a data sample has no boxes; end '
                                 'the pipeline with PackEgoExoBoxInputs (after LoadClipBoxes '
                                 '/ LoadVideoBoxes), or use EgoExoDataPreprocessor.')
            boxes = torch.as_tensor(sample.boxes, dtype=torch.float32, device=self.device)
            sample.boxes = box_table(boxes, self.num_slots, lead, 'EgoExoBoxDataPreprocessor')
        if inputs.shape[-1] * inputs.shape[-2] == 0:  # empty frames: boxes only
            return dict(inputs=inputs.float(), data_samples=samples)
        frames = self.normalise(inputs.flatten(0, -4).float())
        return dict(inputs=frames.unflatten(0, inputs.shape[:-3]), data_samples=samples)
