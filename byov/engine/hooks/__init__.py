"""Hooks of byov, registered in ``byov.registry.HOOKS``."""
from .iteration_seed_hook import IterationSeedHook
from .nan_guard_hook import NanLossGuardHook
from .visualization_hook import EgoExoVisualizationHook

__all__ = ['EgoExoVisualizationHook', 'IterationSeedHook', 'NanLossGuardHook']
