"""Frozen frame encoders: normalised frames ``[B, T, 3, H, W]`` -> patch tokens
``[B, T, N, D]``."""
from .base import BaseFrameEncoder
from .box_geometry import BoxGeometryEncoder
from .hf_clip import CLIPVisionEncoder
from .tiny import TinyPatchEncoder

__all__ = ['BaseFrameEncoder', 'BoxGeometryEncoder', 'CLIPVisionEncoder', 'TinyPatchEncoder']
