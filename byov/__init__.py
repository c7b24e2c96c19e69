"""byov: BYOV and the AE2 ego-exo benchmark as an OpenMMLab plugin toolkit.

Importing ``byov`` is cheap; components live in :mod:`byov.models`,
:mod:`byov.datasets`, :mod:`byov.evaluation` and :mod:`byov.engine`, and the registries
in :mod:`byov.registry` import them on demand when a config is built.
"""
from .version import __version__

__all__ = ['__version__']
