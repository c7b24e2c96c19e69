"""Reference rows for every results table: models that embed without learning.

- :class:`TimeOnlyBaseline`: a frame's embedding is its normalised position ``t / L``
  in its video (optionally a sin-cos code of it); no pixels at all. Because the
  benchmark's phases come in a fixed order, this already scores well on every task; a
  method must beat it to show it learned something from the pixels (PROTOCOL.md,
  "Time leakage").
- :class:`FrameFeatureBaseline`: the frozen frame encoder and token selector alone (the
  paper's "CLIP features" row): per-frame vectors ``[L, D]`` with no temporal model.

Both follow the prediction contract of docs/architecture.md, so the evaluation loop
treats them like any trained model.
"""
import math
from typing import List, Optional

import numpy as np
import torch
from mmengine.model import BaseModel

from byov.registry import MODELS
from .data_preprocessor import INPUT_TYPES


def _attach(samples, embeds_per_video) -> List:
    outputs = []
    for sample, embeds in zip(samples, embeds_per_video):
        out = sample.clone()
        out.embeds = np.ascontiguousarray(embeds, dtype=np.float32)
        outputs.append(out)
    return outputs


def time_code(num_frames: int, encoding: str = 'scalar', dims: int = 16) -> np.ndarray:
    """Normalised time ``t / L`` for ``t = 0..L-1``: ``[L, 1]`` (``'scalar'``) or a sin-cos
    code of it with ``dims`` channels (``'sincos'``)."""
    t = np.arange(num_frames, dtype=np.float64) / max(num_frames, 1)
    if encoding == 'scalar':
        return t[:, None]
    freqs = np.pi * (2.0 ** np.arange(dims // 2))
    angles = t[:, None] * freqs[None]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


@MODELS.register_module()
class TimeOnlyBaseline(BaseModel):
    """Embeds each frame by its normalised position in its video, ignoring pixels.

    Args:
        encoding (str): ``'scalar'`` (the embedding is ``t / L``, one dimension) or
            ``'sincos'`` (``dims`` sin/cos channels of ``t / L`` at octave frequencies).
        dims (int): channels of the sin-cos code.
    """

    def __init__(self, encoding: str = 'scalar', dims: int = 16,
                 data_preprocessor: Optional[dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if encoding not in ('scalar', 'sincos'):
            raise ValueError(f"TimeOnlyBaseline: encoding must be 'scalar' or 'sincos', "
                             f'got {encoding!r}.')
        if encoding == 'sincos' and (dims < 2 or dims % 2):
            raise ValueError(f'TimeOnlyBaseline: dims must be an even number >= 2, got {dims}.')
        self.encoding = encoding
        self.dims = dims
        # mmengine's optimiser and DDP want at least one parameter; this one is unused
        # by predict() and the baseline is never trained.
        self.register_buffer('_unused', torch.zeros(1), persistent=False)

    def forward(self, inputs=None, data_samples=None, mode: str = 'predict'):
        if mode != 'predict':
            raise RuntimeError('TimeOnlyBaseline has nothing to train; use it with '
                               'tools/test.py CONFIG none.')
        return _attach(data_samples, [
            time_code(int(s.metainfo['num_frames']), self.encoding, self.dims)
            for s in data_samples])


@MODELS.register_module()
class FrameFeatureBaseline(BaseModel):
    """Frozen frame features: frame encoder + token selector, no temporal encoder.

    Args:
        frame_encoder (dict): a frozen frame encoder config (returns ``[B, T, N, D]``).
        token_selector (dict): a token selector config (``[B, T, N, D] -> [B, T, D]``).
        input_type (str): ``'frames'`` (default), or features from the feature cache:
            ``'patch_tokens'`` (only the selector runs) or ``'frame_vectors'`` (the
            cached vectors are the embeddings); as :class:`~byov.models.BYOV`.
        data_preprocessor (dict): normalisation of the uint8 frames (its ``input_type``
            must match).
    """

    def __init__(self, frame_encoder: Optional[dict], token_selector: dict,
                 input_type: str = 'frames', data_preprocessor: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if input_type not in INPUT_TYPES:
            raise ValueError(f'FrameFeatureBaseline: input_type must be one of '
                             f'{INPUT_TYPES}, got {input_type!r}.')
        self.input_type = input_type
        self.frame_encoder = MODELS.build(frame_encoder) if input_type == 'frames' else None
        self.token_selector = MODELS.build(token_selector)

    def ignorable_checkpoint_prefixes(self):
        """As :meth:`BYOV.ignorable_checkpoint_prefixes`: no frame encoder with features."""
        return () if self.input_type == 'frames' else ('frame_encoder.',)

    @torch.no_grad()
    def forward(self, inputs=None, data_samples=None, mode: str = 'predict'):
        if mode != 'predict':
            raise RuntimeError('FrameFeatureBaseline has nothing to train; use it with '
                               'tools/test.py CONFIG none.')
        # inputs: one video per item, [B, L, 3, H, W] normalised frames, [B, L, N, D]
        # patch tokens or [B, L, D] frame vectors (input_type)
        if self.input_type == 'frames':
            inputs = self.frame_encoder(inputs)
        vectors = inputs if self.input_type == 'frame_vectors' else self.token_selector(inputs)
        return _attach(data_samples, [v.float().cpu().numpy() for v in vectors])
