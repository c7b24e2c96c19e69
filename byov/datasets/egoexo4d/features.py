"""Read the released Omnivore feature files lazily: a header (shape, dtype) without the
data, and a few rows of one file.

A feature file is a ``torch.save``d float tensor ``[N, D]`` (one row per feature step,
see :mod:`~byov.datasets.egoexo4d.timing`). ``torch.load(path, mmap=True,
weights_only=True)`` maps the file's storage instead of reading it: the shape and dtype
come from the archive's small pickle, and only the rows that are indexed are read from
disk. Nothing here keeps a file open or cached, so the memory a loader needs is bounded
by the rows of one batch, not by the dataset.
"""
import os
import os.path as osp
import zipfile
from typing import NamedTuple, Sequence

import numpy as np
import torch


class FeatureFileError(ValueError):
    """A feature file that cannot be used; ``kind`` is an
    :data:`byov.datasets.integrity.KINDS` key and ``detail`` says what is wrong."""

    def __init__(self, path: str, kind: str, detail: str):
        self.path, self.kind, self.detail = path, kind, detail
        super().__init__(f'{path}: {detail}')


class FeatureHeader(NamedTuple):
    """What a feature file holds, read without its data."""
    num_steps: int  # N, rows
    width: int  # D
    dtype: str  # torch dtype name, e.g. 'float32'


def _open(path: str) -> torch.Tensor:
    """The tensor of ``path``, memory-mapped (nothing read yet), or
    :class:`FeatureFileError` (``missing-features`` / ``unreadable-features``)."""
    if not osp.isfile(path):
        raise FeatureFileError(path, 'missing-features', 'the feature file does not exist')
    if os.path.getsize(path) == 0:
        raise FeatureFileError(path, 'unreadable-features', 'the file has 0 bytes')
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive
        raise FeatureFileError(path, 'unreadable-features',
                               'it is not a torch.save archive (truncated or corrupt)')
    try:
        value = torch.load(path, mmap=True, weights_only=True, map_location='cpu')
    except Exception as err:  # a truncated zip, a pickle of other objects, ...
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise FeatureFileError(path, 'unreadable-features',
                               f'torch.load cannot read it ({type(err).__name__}: '
                               f'{first_line[:200]})') from err
    if not isinstance(value, torch.Tensor):
        raise FeatureFileError(path, 'feature-shape',
                               f'it holds a {type(value).__name__}, not a tensor')
    return value


def read_feature_header(path: str) -> FeatureHeader:
    """Shape and dtype of the tensor in ``path`` without reading its data.

    Raises:
        FeatureFileError: the file is missing, empty, unreadable, not a tensor, not
            2-D or not floating point.
    """
    value = _open(path)
    if value.ndim != 2 or not value.is_floating_point():
        raise FeatureFileError(path, 'feature-shape',
                               f'holds a {str(value.dtype).replace("torch.", "")} tensor '
                               f'of shape {list(value.shape)}, not a float tensor '
                               '[steps, width]')
    return FeatureHeader(int(value.shape[0]), int(value.shape[1]),
                         str(value.dtype).replace('torch.', ''))


def read_feature_rows(path: str, rows: Sequence[int]) -> np.ndarray:
    """Rows ``rows`` of the feature file ``path``, float32 ``[len(rows), D]``; only
    those rows are read from disk.

    Raises:
        FeatureFileError: the file cannot be read (it changed after the dataset was
            built), or a row is out of range.
    """
    value = _open(path)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if value.ndim != 2:
        raise FeatureFileError(path, 'feature-shape',
                               f'has shape {list(value.shape)}, not [steps, width]')
    if rows.size and (rows.min() < 0 or rows.max() >= value.shape[0]):
        raise FeatureFileError(path, 'feature-steps',
                               f'has {value.shape[0]} rows; row {int(rows.max())} was asked '
                               'for (the file changed after the dataset index was built: '
                               'rebuild it by starting the run again)')
    out = value.index_select(0, torch.from_numpy(rows))
    return out.to(torch.float32).numpy()
