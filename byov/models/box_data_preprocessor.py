"""Batches box inputs (boxes packed into the frames, :mod:`byov.box_inputs`)."""
import torch

from byov.box_inputs import unpack_boxes
from byov.registry import MODELS
from .data_preprocessor import EgoExoDataPreprocessor


@MODELS.register_module()
class EgoExoBoxDataPreprocessor(EgoExoDataPreprocessor):
    """Box inputs from ``PackEgoExoBoxInputs`` -> a float batch for a box-reading frame
    encoder.

    Items are float32 ``[2, T, 1, S, 10]`` / ``[L, 1, S, 10]`` (boxes only: passed on as
    they are) or ``[2, T, 4, H, W]`` / ``[L, 4, H, W]`` (frames + box plane): channels
    0-2 are resized to ``size`` (bicubic, as the parent) and normalised with
    ``mean`` / ``std``, and the box table is carried over unchanged (its coordinates are
    fractions of the frame, so they hold at any size). The stem's ``input_type`` stays
    ``'frames'``: the frame encoder runs in the model.

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
        data, inputs = self.batch_inputs(data)
        if inputs.dtype == torch.uint8:
            raise ValueError('EgoExoBoxDataPreprocessor got uint8 frames without boxes; end '
                             'the pipeline with PackEgoExoBoxInputs (after LoadClipBoxes / '
                             'LoadVideoBoxes), or use EgoExoDataPreprocessor.')
        frames, boxes = unpack_boxes(inputs.float(), self.num_slots)
        if frames is None:
            return dict(inputs=inputs.float(), data_samples=data.get('data_samples'))
        lead = frames.shape[:-3]
        frames = self.normalise(frames.reshape(-1, *frames.shape[-3:]))
        h, w = frames.shape[-2:]
        plane = frames.new_zeros(frames.shape[0], 1, h, w)
        plane[:, 0, :boxes.shape[-2], :boxes.shape[-1]] = boxes.reshape(-1, *boxes.shape[-2:])
        packed = torch.cat([frames, plane], dim=1)
        return dict(inputs=packed.reshape(*lead, *packed.shape[1:]),
                    data_samples=data.get('data_samples'))
