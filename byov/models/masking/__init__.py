"""Masking strategies: which frames of a clip the encoder sees (registry ``MASKING``).

A strategy is a small callable built from a config such as
``dict(type='RandomFrameMasking', ratio=0.4)``::

    ids_keep, ids_restore, mask = strategy(batch_size, num_frames, device, generator)

- ``ids_keep``   ``[B, K]``: the frames the encoder sees, ``K = int(T * (1 - ratio))``;
- ``ids_restore`` ``[B, T]``: undoes the ordering (``[kept ; masked]`` -> temporal);
- ``mask``        ``[B, T]``: 0 = kept, 1 = masked (the loss reads the 1s).

To add one: subclass :class:`BaseFrameMasking` in a new file of this package, implement
``order()``, decorate it with ``@MASKING.register_module()`` and import it below (or keep
the file in your own project and list it in the config's ``custom_imports``).
"""
from .base import BaseFrameMasking
from .block_frame import BlockFrameMasking
from .random_frame import RandomFrameMasking
from .tail_frame import TailFrameMasking

__all__ = ['BaseFrameMasking', 'RandomFrameMasking', 'TailFrameMasking', 'BlockFrameMasking']
