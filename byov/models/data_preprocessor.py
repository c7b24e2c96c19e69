"""Batches uint8 frames and normalises them for the frame encoder."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor

from byov.registry import MODELS
from byov.structures import INPUT_TYPES

# CLIP's normalisation in 0-1 units: the one definition (configs leave mean/std out to
# get it; AE2's ResNet configs set their own)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@MODELS.register_module()
class EgoExoDataPreprocessor(BaseDataPreprocessor):
    """uint8 RGB frames -> normalised float batch (or cached features -> float batch).

    Input items are ``[2, T, 3, H, W]`` (a training pair: view a, view b) or
    ``[L, 3, H, W]`` (a whole video), values 0-255. Each frame is (optionally) resized,
    divided by 255 and normalised with ``mean`` / ``std``, which are given in 0-1 units
    (CLIP's by default). Items are stacked to ``[B, 2, T, 3, H, W]`` or ``[B, L, 3, H, W]``;
    they must share one shape (whole videos of different lengths: use ``batch_size=1``).

    Args:
        mean (sequence of 3 floats): per-channel mean in 0-1 units.
        std (sequence of 3 floats): per-channel std in 0-1 units.
        size (int | tuple | None): resize frames to ``size`` (int: square) with bicubic
            interpolation (clamped to 0-255, no antialiasing, like OpenCV's INTER_CUBIC
            used by the reference) before normalising; a no-op for frames already that
            size. None: never resize.
        input_type (str): ``'frames'`` (uint8 frames, as above), or pre-computed
            features from the feature cache (:mod:`byov.datasets.feature_cache`):
            ``'patch_tokens'`` (items ``[2, T, N, D]`` / ``[L, N, D]``) or
            ``'frame_vectors'`` (``[2, T, D]`` / ``[L, D]``). Features are stacked, moved
            to the device and cast to float32 there (they travel as float16); no
            resizing or normalisation. Must equal the model's ``stem.input_type``.
        non_blocking (bool): copy batches to the device asynchronously (pair it with
            the dataloaders' ``pin_memory=True``).
    """

    def __init__(self, mean: Sequence[float] = CLIP_MEAN, std: Sequence[float] = CLIP_STD,
                 size: Optional[Union[int, Sequence[int]]] = None,
                 input_type: str = 'frames', non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if input_type not in INPUT_TYPES:
            raise ValueError(f'EgoExoDataPreprocessor: input_type must be one of '
                             f'{INPUT_TYPES}, got {input_type!r}.')
        self.input_type = input_type
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(3, 1, 1) * 255,
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(3, 1, 1) * 255,
                             persistent=False)
        self.size = (size, size) if isinstance(size, int) else (tuple(size) if size else None)

    def batch_inputs(self, data: dict) -> Tuple[dict, torch.Tensor]:
        """``data`` on the device and its ``inputs`` stacked into one tensor."""
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) > 1:
                raise ValueError(
                    f'{type(self).__name__} cannot batch items of different shapes '
                    f'{sorted(shapes)}; whole videos differ in length, so evaluate them with '
                    f'batch_size=1.')
            inputs = torch.stack(list(inputs))
        return data, inputs

    def normalise(self, frames: torch.Tensor) -> torch.Tensor:
        """Float frames ``[M, 3, H, W]`` (0-255) resized to ``size`` and normalised."""
        if self.size is not None and tuple(frames.shape[-2:]) != self.size:
            frames = F.interpolate(frames, size=self.size, mode='bicubic',
                                   align_corners=False).clamp_(0, 255)
        return (frames - self.mean) / self.std

    def forward(self, data: dict, training: bool = False) -> dict:
        data, inputs = self.batch_inputs(data)
        is_frames = inputs.dtype == torch.uint8
        if is_frames != (self.input_type == 'frames'):
            raise ValueError(
                f'EgoExoDataPreprocessor(input_type={self.input_type!r}) got {inputs.dtype} '
                'inputs. uint8 frames need input_type="frames"; features from the feature '
                'cache (LoadClipFeatures / LoadVideoFeatures) need "patch_tokens" (exact '
                'mode) or "frame_vectors" (compact mode). Set model.stem.input_type and '
                'model.data_preprocessor.input_type to match the pipeline.')
        if not is_frames:  # features: no resizing, no normalisation
            return dict(inputs=inputs.float(), data_samples=data.get('data_samples'))
        lead = inputs.shape[:-3]
        frames = self.normalise(inputs.reshape(-1, *inputs.shape[-3:]).float())
        return dict(inputs=frames.reshape(*lead, *frames.shape[1:]),
                    data_samples=data.get('data_samples'))
