"""Models: BYOV and its swappable parts (each registered in ``byov.registry.MODELS``,
masking strategies in ``MASKING``), plus the non-learning baselines.

Layout by role: ``base.py`` (the written contracts: temporal encoder, masked decoder,
model), ``stems.py`` (the stem every model starts with), ``frame_encoders/`` (the
per-frame image models: the frozen ones and AE2's trainable ones), ``token_selectors.py``,
``masking/``, ``temporal_encoder.py``, ``decoder.py`` (with ``blocks.py``), ``losses/``,
``data_preprocessor.py``, ``byov.py`` which puts them together, ``alignment/`` (the
alignment objectives and their model) and ``baselines.py``.
"""
from . import alignment, frame_encoders, losses, masking  # noqa: F401
from .alignment import AlignmentModel, DTWContrastiveLoss, SoftDTWLoss, TCCLoss, VAVALoss
from .base import BaseEgoExoModel, BaseMaskedDecoder, BaseTemporalEncoder
from .box_data_preprocessor import EgoExoBoxDataPreprocessor
from .baselines import FrameFeatureBaseline, TimeOnlyBaseline
from .byov import BYOV
from .data_preprocessor import EgoExoDataPreprocessor
from .decoder import MaskedFrameDecoder
from .frame_encoders import AE2ResNetEncoder, CLIPVisionEncoder, TinyPatchEncoder
from .stems import FrameStem
from .losses import MaskedReconstructionLoss
from .masking import BlockFrameMasking, RandomFrameMasking, TailFrameMasking
from .temporal_encoder import TemporalTransformerEncoder
from .token_selectors import MeanTokenPooling, SelectiveTokenMerging

__all__ = [
    'BYOV', 'EgoExoDataPreprocessor', 'CLIPVisionEncoder', 'TinyPatchEncoder',
    'SelectiveTokenMerging', 'MeanTokenPooling', 'TemporalTransformerEncoder',
    'MaskedFrameDecoder', 'MaskedReconstructionLoss', 'RandomFrameMasking',
    'TailFrameMasking', 'BlockFrameMasking', 'TimeOnlyBaseline', 'FrameFeatureBaseline',
    'AlignmentModel', 'AE2ResNetEncoder', 'TCCLoss', 'SoftDTWLoss', 'DTWContrastiveLoss',
    'VAVALoss', 'FrameStem', 'BaseEgoExoModel', 'BaseTemporalEncoder', 'BaseMaskedDecoder',
]
