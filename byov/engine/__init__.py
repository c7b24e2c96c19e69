from .atomic_backend import ATOMIC_LOCAL_BACKEND, AtomicLocalBackend
from .hooks import EgoExoVisualizationHook, IterationSeedHook, NanLossGuardHook
from .loops import EgoExoTestLoop, EgoExoValLoop
from .optim_wrappers import NanGuardAmpOptimWrapper, NanGuardOptimWrapper
from .runner import ByovRunner

__all__ = [
    'ATOMIC_LOCAL_BACKEND', 'AtomicLocalBackend', 'ByovRunner', 'EgoExoValLoop',
    'EgoExoTestLoop', 'EgoExoVisualizationHook', 'IterationSeedHook',
    'NanGuardAmpOptimWrapper', 'NanGuardOptimWrapper', 'NanLossGuardHook'
]
