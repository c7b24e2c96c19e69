"""Safe checkpoint loading.

``torch.load(weights_only=True)`` refuses to construct anything but tensors, containers
and allow-listed classes, so loading a file never runs code from it. byov allow-lists the
plain data classes that mmengine writes into its checkpoints (the message hub's history
buffers, numpy arrays and scalars). A checkpoint that needs anything else (for example a
PyTorch Lightning checkpoint of the reference code, which pickles its hyper-parameters)
loads only after an explicit opt-in: ``trust_code=True`` or the environment variable
``BYOV_TRUST_CHECKPOINT_CODE=1``.
"""
import os
import pickle

import numpy as np
import torch

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


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs code execution to load and the user has not opted in."""


def load_checkpoint_file(filename, map_location=None, trust_code=None):
    """Load a checkpoint file without running code from it unless trusted.

    Args:
        filename (str): path of the file.
        map_location: as for :func:`torch.load`.
        trust_code (bool | None): allow arbitrary pickles. ``None`` reads
            ``BYOV_TRUST_CHECKPOINT_CODE`` from the environment.
    """
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename} does not exist.')
    if trust_code is None:
        trust_code = os.environ.get(TRUST_ENV, '') == '1'
    if trust_code:
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = [line for line in str(err).splitlines() if line.strip()]
        # torch words it "Unsupported global: GLOBAL x" or "unsupported GLOBAL x whose
        # module x is blocked" by version; ours is "refused getattr(...)"
        reason = next((line for line in reason if 'unsupported global' in line.lower()
                       or 'refused' in line), reason[0] if reason else '')
        raise UnsafeCheckpointError(
            f'{filename} contains Python objects that would run code when loaded, so byov '
            f'refused to load it ({reason.strip()}). Load it only if you trust '
            f'its source: set {TRUST_ENV}=1 in the environment, or pass trust_code=True '
            f'(tools/model_converters/*: --trust-code).') from err
