"""AE2's ego-exo alignment baselines: alignment objectives on pairs of embedded clips and
the model that trains a temporal encoder with them, and the papers' other baselines on
the same stem and backbone (``TCNLoss``, ``ActorObserverLoss``, CARL's
``SequenceContrastiveLoss``, ``LAVLoss``, ``GTALoss``).

Every objective is a :class:`~byov.models.alignment.base.BaseAlignmentLoss` (the written
contract): it takes two clips ``embeds_a [B, N, E]`` and ``embeds_b [B, M, E]`` (the two
views of B training pairs) and returns a scalar. ``PhaseClassificationLoss`` is no
alignment method but a supervised reference (the ceiling row of the synthetic
comparison): per-frame phase cross-entropy through a linear head, with the sampled
frames' labels. AE2's own trainable frame embedder, ``AE2ResNetEncoder``, is a frame
encoder (:mod:`byov.models.frame_encoders`).
"""
from .actor_observer import ActorObserverLoss
from .base import BaseAlignmentLoss
from ._checks import AlignmentOptionError
from .carl import SequenceContrastiveLoss
from .dtw_contrastive import DTWContrastiveLoss
from .gta import GTALoss, soft_dtw_table
from .lav import LAVLoss
from .model import AlignmentModel, UnsynchronisedPairsError
from .soft_dtw import SoftDTWLoss, dtw_cost, soft_dtw, soft_dtw_reference
from .supervised import LabelRangeError, PhaseClassificationLoss
from .tcc import TCCLoss
from .tcn import TCNClipLengthError, TCNLoss, npairs_loss
from .vava import VAVALoss, sinkhorn

__all__ = [
    'ActorObserverLoss', 'AlignmentModel', 'AlignmentOptionError', 'BaseAlignmentLoss',
    'DTWContrastiveLoss', 'GTALoss', 'LAVLoss', 'LabelRangeError', 'PhaseClassificationLoss',
    'SequenceContrastiveLoss', 'SoftDTWLoss', 'TCCLoss', 'TCNClipLengthError', 'TCNLoss',
    'UnsynchronisedPairsError', 'VAVALoss', 'dtw_cost', 'npairs_loss', 'sinkhorn',
    'soft_dtw', 'soft_dtw_reference', 'soft_dtw_table'
]
