"""Losses."""
from .masked_mse import MaskedReconstructionLoss

__all__ = ['MaskedReconstructionLoss']
