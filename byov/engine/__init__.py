from .hooks import EgoExoVisualizationHook, IterationSeedHook, NanLossGuardHook
from .loops import EgoExoTestLoop, EgoExoValLoop

__all__ = [
    'EgoExoValLoop', 'EgoExoTestLoop', 'EgoExoVisualizationHook', 'IterationSeedHook',
    'NanLossGuardHook'
]
