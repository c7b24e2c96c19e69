"""Safe checkpoint loading, from any place mmengine can load from.

``torch.load(weights_only=True)`` refuses to construct anything but tensors, containers
and allow-listed classes, so loading a file never runs code from it. byov allow-lists the
plain data classes that mmengine writes into its checkpoints (the message hub's history
buffers, numpy arrays and scalars). A checkpoint that needs anything else (for example a
PyTorch Lightning checkpoint of the reference code, which pickles its hyper-parameters)
loads only after an explicit opt-in: ``trust_code=True`` or the environment variable
``BYOV_TRUST_CHECKPOINT_CODE=1``.

:func:`load_checkpoint` applies this to every scheme of mmengine's ``CheckpointLoader``
(a local path, ``http(s)://``, ``torchvision://`` / ``modelzoo://``, ``open-mmlab://``,
``mmcls://``, ``pavi://``, ``s3://`` / ``petrel://``): remote files are fetched first
and then loaded like a local one. :class:`byov.engine.ByovRunner` loads ``load_from`` and
``--resume`` through it; :func:`byov.utils.compat.use_weights_only_checkpoint_loaders`
puts the same loaders into mmengine's ``CheckpointLoader`` in byov's tool processes.

A file that is not a whole checkpoint (empty, cut short, something else) fails with
:class:`CheckpointFormatError`, naming the file.
"""
import io
import os
import os.path as osp
import pickle
import zipfile
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch

from .errors import CheckpointNotFoundError, UserInputError

TRUST_ENV = 'BYOV_TRUST_CHECKPOINT_CODE'


def _history_buffer_getattr(obj, name):
    """Stand-in for ``getattr`` while unpickling: mmengine pickles a HistoryBuffer's
    statistics as ``getattr(HistoryBuffer, 'mean')`` etc. Only those lookups pass; any
    other ``getattr`` in a file (a classic code-execution gadget) is refused."""
    from mmengine.logging.history_buffer import HistoryBuffer
    builtin = ('min', 'max', 'current', 'mean')
    if obj is HistoryBuffer and (name in builtin or name in HistoryBuffer._statistics_methods):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refused getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r})')


def _safe_globals():
    """The classes mmengine writes into a checkpoint, and nothing that runs code."""
    from mmengine.logging.history_buffer import HistoryBuffer
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    allowed = [HistoryBuffer, np.ndarray, np.dtype, _reconstruct, scalar,
               (_history_buffer_getattr, '__builtin__.getattr'),
               (_history_buffer_getattr, 'builtins.getattr')]
    # numpy dtype classes (np.dtypes.Float64DType, ...) appear in pickled dtypes.
    allowed += [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]
    import codecs
    allowed.append(codecs.encode)  # numpy scalars pickle their bytes through it
    return allowed


class UnsafeCheckpointError(UserInputError, pickle.UnpicklingError):
    """A checkpoint needs code execution to load and the user has not opted in."""


class CheckpointFormatError(UserInputError, ValueError):
    """A file is not a whole checkpoint (empty, truncated, or something else)."""


# torch.save writes a zip archive (torch >= 1.6) or, in the legacy format, a pickle.
_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTO = b'\x80'
_REDO = 're-download / re-save it'


def _broken(name: str, detail: str) -> CheckpointFormatError:
    return CheckpointFormatError(f'{name} is truncated or not a checkpoint ({detail}): '
                                 f'{_REDO}.')


def _check_format(data, name: str) -> None:
    """Refuse what cannot be a whole torch.save file, before unpickling anything.
    ``data``: a path or a bytes buffer; ``name``: how the error names it."""
    if isinstance(data, (bytes, bytearray)):
        head, size = bytes(data[:4]), len(data)
        is_zip = zipfile.is_zipfile(io.BytesIO(data))
    else:
        size = os.path.getsize(data)
        with open(data, 'rb') as f:
            head = f.read(4)
        is_zip = zipfile.is_zipfile(data)
    if size == 0:
        raise _broken(name, 'the file is empty, 0 bytes')
    if head == _ZIP_MAGIC and not is_zip:
        raise _broken(name, f'a zip archive without its end, {size} bytes: cut short')
    if not is_zip and not head.startswith(_PICKLE_PROTO):
        raise _broken(name, f'neither a zip archive nor a pickle; it starts with '
                      f'{head!r}')


def _unsafe_reason(err: pickle.UnpicklingError) -> Optional[str]:
    """The refused global, if ``err`` says that loading would run code; else None."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    # torch words it "Unsupported global: GLOBAL x" or "unsupported GLOBAL x whose
    # module x is blocked" by version; ours is "refused getattr(...)"
    return next((line for line in lines if 'unsupported global' in line.lower()
                 or line.startswith('refused')), None)


def _pickle_detail(err: pickle.UnpicklingError) -> str:
    """The unpickler's own reason (e.g. "Unsupported operand 207"), not torch's advice
    around it."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    skip = ('Weights only load failed', 'Please file an issue', 'Check the documentation')
    kept = [line for line in lines if not line.startswith(skip)]
    return kept[0] if kept else (lines[0] if lines else type(err).__name__)


def _torch_load(data, map_location, name: str, trust_code: bool):
    """``torch.load`` of a path or bytes, weights only unless trusted; errors name
    ``name`` (the file or URL the user gave)."""
    _check_format(data, name)
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        if trust_code:
            return torch.load(source, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(_safe_globals()):
            return torch.load(source, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = _unsafe_reason(err)
        if reason is None:
            raise _broken(name, f'unpickling failed: {_pickle_detail(err)}') from None
        raise UnsafeCheckpointError(
            f'{name} contains Python objects that would run code when loaded, so byov '
            f'refused to load it ({reason}). Load it only if you trust its source: set '
            f'{TRUST_ENV}=1 in the environment, or pass trust_code=True '
            f'(tools/model_converters/*: --trust-code).') from None  # (torch's advice
        # in the cause, "re-run with weights_only=False", is what not to do blindly)
    except (EOFError, RuntimeError) as err:
        text = str(err)
        if isinstance(err, EOFError) or any(sign in text for sign in (
                'zip archive', 'truncated', 'central directory', 'invalid header', 'EOF',
                'corrupt', 'Invalid magic number')):
            detail = text.splitlines()[0] if text else 'end of file'
            raise _broken(name, f'{type(err).__name__}: {detail}') from None
        raise


def _trusted(trust_code: Optional[bool]) -> bool:
    return os.environ.get(TRUST_ENV, '') == '1' if trust_code is None else trust_code


def load_checkpoint_file(filename, map_location=None, trust_code=None, name=None):
    """Load a local checkpoint file without running code from it unless trusted.

    Args:
        filename (str): path of the file.
        map_location: as for :func:`torch.load`.
        trust_code (bool | None): allow arbitrary pickles. ``None`` reads
            ``BYOV_TRUST_CHECKPOINT_CODE`` from the environment.
        name (str | None): how errors name the file (e.g. the URL it came from).
    """
    filename = osp.expanduser(filename)
    name = name or filename
    if not osp.isfile(filename):
        raise CheckpointNotFoundError(f'Checkpoint file {name} does not exist.')
    return _torch_load(filename, map_location, name, _trusted(trust_code))


# ------------------------------------------------------------------ the schemes
# Each loader has mmengine's signature (filename, map_location) and name, so mmengine's
# log line ("Loads checkpoint by {name[10:]} backend") reads as for its own.

def load_from_local(filename, map_location=None, trust_code=None):
    """A local path (``~`` expanded)."""
    return load_checkpoint_file(filename, map_location, trust_code)


def _download(url: str) -> str:
    """Fetch ``url`` into torch hub's checkpoint folder (``$TORCH_HOME/hub/checkpoints``)
    as torch and mmengine do, once; rank 0 first in distributed runs. Returns the path."""
    from urllib.parse import urlparse

    from mmengine.dist import barrier, get_dist_info
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    cached = osp.join(folder, osp.basename(urlparse(url).path) or 'checkpoint.pth')
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        torch.hub.download_url_to_file(url, cached, progress=False)
    if world_size > 1:
        barrier()
        if not osp.isfile(cached):  # another machine than rank 0's
            torch.hub.download_url_to_file(url, cached, progress=False)
    return cached


def load_from_http(filename, map_location=None, trust_code=None):
    """``http://`` / ``https://``: downloaded to the hub cache, then loaded weights-only
    (mmengine's own loader unpickles whatever the server sends)."""
    cached = _download(filename)
    return load_checkpoint_file(cached, map_location, trust_code,
                                name=f'{filename} (downloaded to {cached})')


def load_from_torchvision(filename, map_location=None, trust_code=None):
    """``torchvision://NAME`` (``modelzoo://NAME``, deprecated): torchvision's URL."""
    from mmengine.runner.checkpoint import get_torchvision_models
    name = filename.split('://', 1)[1]
    return load_from_http(get_torchvision_models()[name], map_location, trust_code)


def load_from_openmmlab(filename, map_location=None, trust_code=None):
    """``open-mmlab://NAME`` / ``openmmlab://NAME``: mmengine's model-zoo table."""
    from mmengine.runner.checkpoint import (_get_mmengine_home, get_deprecated_model_names,
                                            get_external_models)
    name = filename.split('://', 1)[1]
    name = get_deprecated_model_names().get(name, name)
    url = get_external_models()[name]
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location, trust_code)
    return load_checkpoint_file(osp.join(_get_mmengine_home(), url), map_location,
                                trust_code, name=filename)


def load_from_mmcls(filename, map_location=None, trust_code=None):
    """``mmcls://NAME``: mmengine's mmcls table, keys converted as mmengine does."""
    from mmengine.runner.checkpoint import _process_mmcls_checkpoint, get_mmcls_models
    url = get_mmcls_models()[filename[len('mmcls://'):]]
    return _process_mmcls_checkpoint(load_from_http(url, map_location, trust_code))


def load_from_pavi(filename, map_location=None, trust_code=None):
    """``pavi://PATH``: downloaded with pavi's model cloud, then loaded weights-only."""
    import tempfile
    try:
        from pavi import modelcloud
    except ImportError as err:
        raise ImportError(f'{filename}: install pavi to load from its model cloud.') from err
    model = modelcloud.get(filename[len('pavi://'):])
    with tempfile.TemporaryDirectory() as folder:
        path = osp.join(folder, model.name)
        model.download(path)
        return load_checkpoint_file(path, map_location, trust_code, name=filename)


def load_from_ceph(filename, map_location=None, trust_code=None):
    """``s3://`` / ``petrel://`` (optionally ``cluster:s3://``): read through mmengine's
    petrel file backend, then loaded weights-only."""
    from mmengine.fileio import get_file_backend
    backend = get_file_backend(filename, backend_args={'backend': 'petrel'})
    return _torch_load(backend.get(filename), map_location, filename, _trusted(trust_code))


# (prefixes, loader): mmengine 0.10.7's CheckpointLoader prefixes, one loader each.
SCHEME_LOADERS: List[Tuple[Tuple[str, ...], Callable]] = [
    (('',), load_from_local),
    (('http://', 'https://'), load_from_http),
    (('modelzoo://', 'torchvision://'), load_from_torchvision),
    (('open-mmlab://', 'openmmlab://'), load_from_openmmlab),
    (('mmcls://',), load_from_mmcls),
    (('pavi://',), load_from_pavi),
    ((r'(\S+\:)?s3://', r'(\S+\:)?petrel://'), load_from_ceph),
]


def scheme_loader(filename: str) -> Callable:
    """byov's loader for ``filename`` (longest matching prefix, as mmengine matches). A
    prefix that another plugin registered with mmengine's ``CheckpointLoader`` (and byov
    does not know) goes to that plugin's loader, with a warning: byov cannot make it
    weights-only."""
    import re

    from mmengine.runner.checkpoint import CheckpointLoader
    ours = {p for prefixes, _ in SCHEME_LOADERS for p in prefixes}
    table = [(p, loader) for prefixes, loader in SCHEME_LOADERS for p in prefixes]
    table += [(p, _foreign(p, loader)) for p, loader in CheckpointLoader._schemes.items()
              if p not in ours]
    table.sort(key=lambda item: item[0], reverse=True)
    return next(loader for prefix, loader in table if re.match(prefix, filename))


def _foreign(prefix, loader):
    def load(filename, map_location=None, trust_code=None):
        from mmengine.logging import print_log
        print_log(f'{filename}: loaded by {loader.__module__}.{loader.__name__}, registered '
                  f'for {prefix!r} by another package; byov cannot make it load weights '
                  'only.', logger='current', level=30)
        return loader(filename, map_location)
    return load


def load_checkpoint(filename, map_location=None, trust_code=None):
    """Load a checkpoint from anywhere mmengine can (see the module docstring), weights
    only unless ``trust_code`` (or ``BYOV_TRUST_CHECKPOINT_CODE=1``)."""
    return scheme_loader(filename)(filename, map_location, trust_code)
