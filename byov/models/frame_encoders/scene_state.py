"""A weight-free frame encoder of the synthetic benchmark's scene state: the CPU stand-in
for a partly view-invariant frozen image model."""
import hashlib
from typing import Optional

import numpy as np
import torch

from byov.box_inputs import box_table
from byov.registry import MODELS
from byov.scene_state import (NUM_STATE_COLUMNS, NUM_STATE_ROWS, STATE_UNITS, STATE_VERSION,
                              unpack_state_table)
from .base import BaseFrameEncoder

#: each column is divided by its unit's scale so that all are of order one
UNIT_SCALES = {'flag': 1.0, 'fraction': 1.0, 'rad': 1.0, 'm': 0.1}


@MODELS.register_module()
class SceneStateEncoder(BaseFrameEncoder):
    """The per-frame scene state (:mod:`byov.scene_state`) as one token per frame, with a
    view gap of tunable strength; no weights to train or store.

    Reads the state table that travels in the data samples' ``boxes`` field
    (``reads_boxes = True``; the loaders ``LoadClipSceneState`` / ``LoadVideoSceneState``
    pack each frame's K state values with its view, video code and frame index):
    ``frames [B, T, 3, H, W]`` (unused, empty frames are fine) and ``boxes [B, T, R, 10]``
    -> ``[B, T, 1, D]``.

    What it computes, per frame:

    1. ``s``: the K state values (contact, lifted, held, above the target, pouring,
       released, cup elevation and tilt, fills, hand-cup distance, hand and cup
       positions in the scene's own frame), each divided by its unit's scale
       (:data:`UNIT_SCALES`: metres by 0.1, flags, fractions and radians as they are).
    2. ``f = ((1 - g) A + g B_view) s / sqrt((1 - g)^2 + g^2)`` with ``g = view_gap``:
       ``A`` is a fixed random Gaussian ``[D, K]`` map shared by both views; ``B_ego``
       and ``B_exo`` are two more, one per view. At ``g = 0`` ego and exo frames of the
       same state give the same ``f``; at ``g = 1`` each view has its own unrelated
       projection of the state, so a probe fitted on one view reads noise on the other.
       The normalisation keeps the norm of ``f`` (and so the nuisance's relative
       strength) the same for every ``g``. All three maps come from ``seed``.
    3. With ``nuisance``: ``f * exp(a) + b + e``, where ``a ~ N(0, video_scale^2)`` and
       ``b ~ N(0, video_offset^2)`` are ``[D]`` vectors fixed per video and
       ``e ~ N(0, frame_noise^2)`` is drawn per frame, all from a random stream seeded by
       ``seed`` and the video's code, so the features of a frame never depend on the
       clip it was sampled in. They stand for what differs between two takes of the same
       state (appearance, lighting) and for an image model's frame-to-frame jitter.

    What it does not encode: motion (one frame's state; idle and paused frames of a
    phase look alike), handedness (positions are in the unmirrored frame), the camera's
    viewpoint within a view (at ``g = 1`` every ego video shares one projection, every
    exo video another; the box geometry also varies from camera to camera), occlusion
    and truncation (the state is never hidden), and anything time-stamped: the frame
    index serves only to seed the per-frame noise.

    Args:
        view_gap (float): g in [0, 1].
        embed_dims (int): D.
        nuisance (bool): add the per-video scale and offset and the per-frame noise.
        video_scale, video_offset, frame_noise (float): their standard deviations.
        seed (int): seed of the maps and of the nuisance streams.
    """

    reads_boxes = True
    rebuildable = True

    def __init__(self, view_gap: float = 0.5, embed_dims: int = 64, nuisance: bool = True,
                 video_scale: float = 0.2, video_offset: float = 0.5,
                 frame_noise: float = 0.2, seed: int = 0):
        super().__init__(chunk_size=None)
        if not 0.0 <= float(view_gap) <= 1.0:
            raise ValueError(f'SceneStateEncoder: view_gap must be in [0, 1], got {view_gap}.')
        if embed_dims < 1:
            raise ValueError(f'SceneStateEncoder: embed_dims must be >= 1, got {embed_dims}.')
        if min(video_scale, video_offset, frame_noise) < 0:
            raise ValueError('SceneStateEncoder: video_scale, video_offset and frame_noise '
                             f'must be >= 0, got {video_scale}, {video_offset}, {frame_noise}.')
        self.view_gap = float(view_gap)
        self.nuisance = bool(nuisance)
        self.video_scale, self.video_offset = float(video_scale), float(video_offset)
        self.frame_noise = float(frame_noise)
        self.seed = int(seed)
        self.out_channels = embed_dims
        self.num_tokens = 1
        self.input_size = 0  # any frame size
        generator = torch.Generator().manual_seed(self.seed)
        maps = torch.randn(3, embed_dims, NUM_STATE_COLUMNS, generator=generator)
        maps = maps / NUM_STATE_COLUMNS ** 0.5
        g = self.view_gap
        norm = ((1 - g) ** 2 + g ** 2) ** 0.5
        # [2, D, K]: the map of each view (0: exo, 1: ego, indexed by is_ego)
        view_maps = torch.stack([(1 - g) * maps[0] + g * maps[2],
                                 (1 - g) * maps[0] + g * maps[1]]) / norm
        self.register_buffer('view_maps', view_maps, persistent=False)
        scales = torch.tensor([UNIT_SCALES[u] for u in STATE_UNITS])
        self.register_buffer('column_scales', scales, persistent=False)

    @classmethod
    def width_from_config(cls, cfg: dict) -> Optional[int]:
        return cfg.get('embed_dims', 64)

    def fingerprint(self) -> str:
        """No weights: the type, the state version and the options identify the outputs."""
        options = (f'{type(self).__name__}|state v{STATE_VERSION}|{self.view_gap!r}|'
                   f'{self.out_channels}|{self.nuisance}|{self.video_scale!r}|'
                   f'{self.video_offset!r}|{self.frame_noise!r}|{self.seed}')
        return hashlib.sha1(options.encode()).hexdigest()

    def nuisance_terms(self, code: int, num_frames: int):
        """(scale ``[D]``, offset ``[D]``, noise ``[num_frames, D]``) of the video with
        ``code``; the noise of frame i is the same for every ``num_frames > i``."""
        rng = np.random.default_rng([self.seed, int(code)])
        dims = self.out_channels
        scale = np.exp(rng.normal(0.0, 1.0, dims) * self.video_scale)
        offset = rng.normal(0.0, 1.0, dims) * self.video_offset
        noise = rng.standard_normal((num_frames, dims)) * self.frame_noise
        return scale, offset, noise

    @torch.no_grad()
    def forward(self, frames: torch.Tensor,
                boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``frames [B, T, 3, H, W]`` (unused), ``boxes [B, T, R, 10]`` (state tables)
        -> ``[B, T, 1, D]``."""
        table = box_table(boxes, NUM_STATE_ROWS, frames.shape[:-3], 'SceneStateEncoder')
        states, is_ego, codes, index = unpack_state_table(table.float())
        s = states / self.column_scales
        maps = self.view_maps[is_ego.long()]                   # [B, T, D, K]
        feats = (maps @ s[..., None])[..., 0]                  # [B, T, D]
        if self.nuisance:
            flat_codes, flat_index = codes.reshape(-1).cpu(), index.reshape(-1).cpu()
            scale = np.empty((flat_codes.numel(), self.out_channels))
            offset, noise = np.empty_like(scale), np.empty_like(scale)
            for code in flat_codes.unique().tolist():
                rows = (flat_codes == code).nonzero()[:, 0].numpy()
                frames_of = flat_index[rows].numpy()
                sc, off, nz = self.nuisance_terms(code, int(frames_of.max()) + 1)
                scale[rows], offset[rows], noise[rows] = sc, off, nz[frames_of]
            as_tensor = lambda a: torch.as_tensor(a, dtype=feats.dtype,  # noqa: E731
                                                  device=feats.device).reshape(feats.shape)
            feats = feats * as_tensor(scale) + as_tensor(offset) + as_tensor(noise)
        return feats[..., None, :]
