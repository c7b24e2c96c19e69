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


def _safe_globals():
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = [HistoryBuffer, np.ndarray, np.dtype, np.core.multiarray.scalar
               if hasattr(np, 'core') else None]
    try:
        from numpy._core.multiarray import _reconstruct, scalar
        allowed += [_reconstruct, scalar]
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
        allowed += [_reconstruct, scalar]
    # numpy dtype classes (np.dtypes.Float64DType, ...) appear in pickled dtypes.
    allowed += [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]
    return [a for a in allowed if a is not None]


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
        raise UnsafeCheckpointError(
            f'{filename} contains Python objects that would run code when loaded, so byov '
            f'refused to load it ({str(err).splitlines()[0]}). Load it only if you trust '
            f'its source: set {TRUST_ENV}=1 in the environment, or pass trust_code=True '
            f'(tools/model_converters/*: --trust-code).') from err
