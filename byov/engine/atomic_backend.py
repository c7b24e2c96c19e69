"""``AtomicLocalBackend``: local files written whole or not at all, for checkpoints.

mmengine 0.10.7 writes checkpoints in place: ``save_checkpoint`` serialises to memory and
``LocalBackend.put`` does ``open(path, 'wb').write(...)``, so a run killed while saving
leaves a truncated ``epoch_N.pth`` under its final name. This backend is mmengine's local
backend whose ``put`` / ``put_text`` write ``<name>.<pid>-<hex>.tmp``, fsync and rename
(:func:`byov.utils.atomic.atomic_write`). It is registered with mmengine's file backends
under the name ``ATOMIC_LOCAL_BACKEND`` (a new name; mmengine's own backends are
unchanged) and chosen per hook in the config:
``CheckpointHook(backend_args=dict(backend='byov_atomic_local'))``, as byov's
default runtime does.
"""
import os.path as osp

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio.backends import backends
from mmengine.utils import mkdir_or_exist

from byov.utils.atomic import atomic_write

ATOMIC_LOCAL_BACKEND = 'byov_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose writes are atomic (module docstring)."""

    def put(self, obj: bytes, filepath) -> None:
        """Write bytes to ``filepath`` atomically."""
        mkdir_or_exist(osp.dirname(filepath))
        with atomic_write(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        mkdir_or_exist(osp.dirname(filepath))
        with atomic_write(filepath, 'w', encoding=encoding) as f:
            f.write(obj)


if backends.get(ATOMIC_LOCAL_BACKEND) is not AtomicLocalBackend:
    register_backend(ATOMIC_LOCAL_BACKEND, AtomicLocalBackend)
