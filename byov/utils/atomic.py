"""Write a file so that readers see all of it or none of it."""
import contextlib
import os
import os.path as osp
import uuid


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'wb', encoding=None):
    """Open a uniquely named temporary file beside ``path`` for writing; when the block
    ends without an error, sync it and move it onto ``path`` with ``os.replace``.

    A process killed inside the block leaves at most ``<path>.<pid>-<random>.tmp``, a
    name nothing reads; ``path`` keeps its previous contents, or stays absent. The file
    gets the usual permissions (``0o666`` less the umask), as a plain ``open`` would.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"atomic_write opens files for writing ('w' or 'wb'), not {mode!r}")
    path = os.fspath(path)
    tmp_path = f'{path}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp'
    try:
        with open(tmp_path, 'x' + mode[1:], encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
