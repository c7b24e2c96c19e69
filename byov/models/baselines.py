"""Reference rows for every results table: models that embed without learning.

- :class:`TimeOnlyBaseline`: a frame's embedding is its normalised position ``t / L``
  in its video (optionally a sin-cos code of it); no pixels at all. Because the
  benchmark's phases come in a fixed order, this already scores well on every task; a
  method must beat it to show it learned something from the pixels
  (docs/time_leakage.md).
- :class:`FrameFeatureBaseline`: the stem alone (frozen frame encoder and token selector,
  or cached features; the paper's "CLIP features" row): per-frame vectors ``[L, D]``
  with no temporal model.

Both follow the prediction contract of docs/architecture.md, so the evaluation loop
treats them like any trained model.
"""
from typing import Optional

import numpy as np
import torch
from mmengine.model import BaseModel

from byov.registry import MODELS
from .base import BaseEgoExoModel, attach_embeds


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

    def ignorable_checkpoint_prefixes(self):
        """No state: nothing a strict load may ignore (see ``BaseEgoExoModel``)."""
        return ()

    def forward(self, inputs=None, data_samples=None, mode: str = 'predict'):
        if mode != 'predict':
            raise RuntimeError('TimeOnlyBaseline has nothing to train; use it with '
                               'tools/test.py CONFIG none.')
        return attach_embeds(data_samples, [
            time_code(int(s.metainfo['num_frames']), self.encoding, self.dims)
            for s in data_samples])


@MODELS.register_module()
class FrameFeatureBaseline(BaseEgoExoModel):
    """The stem's frame vectors as the embeddings: no temporal model, nothing trained.

    Args:
        stem (dict): ``FrameStem`` config, as BYOV's (``input_type='patch_tokens'`` or
            ``'frame_vectors'`` reads the feature cache).
        data_preprocessor (dict): normalisation of the uint8 frames (its ``input_type``
            must equal ``stem.input_type``).
    """

    def __init__(self, stem: dict, data_preprocessor: Optional[dict] = None, init_cfg=None):
        super().__init__(stem, None, data_preprocessor, init_cfg)

    def forward(self, inputs, data_samples=None, mode: str = 'predict'):
        """As :class:`BaseEgoExoModel`, ``mode='predict'`` by default (nothing to train)."""
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs, data_samples=None):
        raise RuntimeError('FrameFeatureBaseline has nothing to train; use it with '
                           'tools/test.py CONFIG none.')
