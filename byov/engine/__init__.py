from .loops import EgoExoTestLoop, EgoExoValLoop

__all__ = ['EgoExoValLoop', 'EgoExoTestLoop']
