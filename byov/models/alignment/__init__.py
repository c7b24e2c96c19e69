"""AE2's ego-exo alignment baselines: alignment objectives on pairs of embedded clips and
the model that trains a temporal encoder with them, and the papers' other baselines on
the same stem and backbone (CARL's ``SequenceContrastiveLoss``, ``LAVLoss``, ``GTALoss``).

Every objective is a :class:`~byov.models.alignment.base.BaseAlignmentLoss` (the written
contract): it takes two clips ``embeds_a [B, N, E]`` and ``embeds_b [B, M, E]`` (the two
views of B training pairs) and returns a scalar. ``PhaseClassificationLoss`` is no
alignment method but a supervised reference (the ceiling row of the synthetic
comparison): per-frame phase cross-entropy through a linear head, with the sampled
frames' labels. AE2's own trainable frame embedder, ``AE2ResNetEncoder``, is a frame
encoder (:mod:`byov.models.frame_encoders`).
"""
from .base import BaseAlignmentLoss
from .carl import AlignmentOptionError, SequenceContrastiveLoss
from .dtw_contrastive import DTWContrastiveLoss
from .gta import GTALoss, soft_dtw_table
from .lav import LAVLoss
from .model import AlignmentModel
from .soft_dtw import SoftDTWLoss, dtw_cost, soft_dtw, soft_dtw_reference
from .supervised import LabelRangeError, PhaseClassificationLoss
from .tcc import TCCLoss
from .vava import VAVALoss, sinkhorn

__all__ = [
    'AlignmentModel', 'AlignmentOptionError', 'BaseAlignmentLoss', 'DTWContrastiveLoss',
    'GTALoss', 'LAVLoss', 'LabelRangeError', 'PhaseClassificationLoss',
    'SequenceContrastiveLoss', 'SoftDTWLoss', 'TCCLoss', 'VAVALoss', 'dtw_cost',
    'sinkhorn', 'soft_dtw', 'soft_dtw_reference', 'soft_dtw_table'
]
