"""Parse an AE2 dataset folder into video records, without decoding any video.

AE2 ships two layouts (see docs/data.md):

- ``csv`` (break_eggs, tennis_forehand): videos in ``<root>/{ego,exo}/*.mp4`` and split
  lists ``<root>/{ego,exo}/{split}.csv``, one file name per line;
- ``folders`` (pour_milk, pour_liquid): ``<root>/{split}/{ego,exo}/*.mp4``.

Both have ``<root>/label.pickle``: video base name -> per-frame phase labels.

A video's view is the ego/exo folder it is listed under, never a substring of its path
(the reference code's ``'ego' in path`` test breaks on a data root containing "ego").
Videos are ordered ego first, then exo, each sorted by file name: this order defines
``video_index`` and matches the reference's sorted path order.
"""
import os
import os.path as osp
import pickle
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from byov.structures import CAMERA_VIEWS
from .integrity import CHECK_HINT, DatasetProblemsError, Problem

LAYOUTS = ('auto', 'csv', 'folders')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm')
LABEL_FILE = 'label.pickle'


@dataclass
class VideoRecord:
    """One video of a split.

    Attributes:
        name: base name without extension (the key in label.pickle).
        path: path of the video file.
        view: 'ego' or 'exo', from the layout.
        split: 'train', 'val' or 'test'.
        labels: per-frame phase labels, int64 [L].
    """
    name: str
    path: str
    view: str
    split: str
    labels: np.ndarray

    @property
    def is_ego(self) -> bool:
        return self.view == 'ego'

    @property
    def num_frames(self) -> int:
        return len(self.labels)


def detect_layout(data_root: str, split: str) -> str:
    """Return 'csv' or 'folders' for ``data_root``, or raise naming what is missing."""
    has_csv = all(osp.isfile(osp.join(data_root, v, f'{split}.csv')) for v in CAMERA_VIEWS)
    has_folders = all(osp.isdir(osp.join(data_root, split, v)) for v in CAMERA_VIEWS)
    if has_csv and has_folders:
        raise ValueError(
            f'{data_root} has both split lists ({{ego,exo}}/{split}.csv) and split '
            f'folders ({split}/{{ego,exo}}/); pass layout="csv" or layout="folders".')
    if has_csv:
        return 'csv'
    if has_folders:
        return 'folders'
    raise FileNotFoundError(
        f'Cannot find split "{split}" in {data_root}: expected split lists '
        f'{osp.join(data_root, "{ego,exo}", split + ".csv")} (break_eggs/tennis_forehand '
        f'layout) or split folders {osp.join(data_root, split, "{ego,exo}")}/ (pour_milk/'
        f'pour_liquid layout). Check data_root and split (see docs/data.md).')


def _list_from_csv(data_root: str, view: str, split: str,
                   problems: List[Problem]) -> List[str]:
    """Video paths named by ``<root>/<view>/<split>.csv``, one file name per line; a line
    naming a missing file becomes a problem."""
    csv_file = osp.join(data_root, view, f'{split}.csv')
    if not osp.isfile(csv_file):
        raise FileNotFoundError(
            f'Split list {csv_file} does not exist. The csv layout needs '
            f'{{ego,exo}}/{split}.csv with one video file name per line; check data_root '
            f'or pass layout="folders" for a <root>/{split}/{{ego,exo}}/ layout.')
    paths, seen = [], set()
    with open(csv_file) as f:
        for line_no, line in enumerate(f, 1):
            entry = line.strip()
            if not entry:
                continue
            if entry in seen:
                raise ValueError(f'{csv_file} line {line_no} lists {entry} twice; '
                                 'remove the duplicate.')
            seen.add(entry)
            path = osp.join(data_root, view, entry)
            if not osp.isfile(path):
                hint = (' (if this line is a header, remove it: split lists hold file '
                        'names only)' if line_no == 1 else '')
                problems.append(Problem(
                    path, 'missing-file',
                    f'{csv_file} line {line_no} names {entry}, but it does not exist{hint}'))
                continue
            paths.append(path)
    return paths


def _list_from_folder(data_root: str, view: str, split: str,
                      problems: List[Problem]) -> List[str]:
    folder = osp.join(data_root, split, view)
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'Split folder {folder} does not exist. The folders layout needs '
            f'<root>/{split}/{{ego,exo}}/*.mp4; check data_root or pass layout="csv".')
    return [osp.join(folder, f) for f in os.listdir(folder)
            if f.lower().endswith(VIDEO_EXTENSIONS)]  # (listed files exist: no problems)


class _LabelUnpickler(pickle.Unpickler):
    """Unpickles containers, numbers and numpy arrays only: loading never runs code."""

    _ALLOWED = {
        ('collections', 'OrderedDict'), ('numpy', 'ndarray'), ('numpy', 'dtype'),
        ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
        ('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer'),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED or (
                module == 'numpy.dtypes' and name.endswith('DType')):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f'refusing to unpickle {module}.{name}')


def load_labels(data_root: str) -> Dict[str, np.ndarray]:
    """Read ``<root>/label.pickle``: video base name -> int64 labels [L]."""
    label_file = osp.join(data_root, LABEL_FILE)
    if not osp.isfile(label_file):
        raise FileNotFoundError(
            f'{label_file} does not exist. AE2 datasets ship per-frame phase labels in '
            f'label.pickle beside the videos; check data_root.')
    try:
        with open(label_file, 'rb') as f:
            raw = _LabelUnpickler(f).load()
    except pickle.UnpicklingError as err:
        raise ValueError(
            f'{label_file} holds objects other than dicts, lists, numbers and numpy '
            f'arrays ({err}); byov does not unpickle them. Re-save it as a dict of '
            f'name -> list of ints.') from err
    if not isinstance(raw, dict):
        raise ValueError(f'{label_file} must hold a dict video name -> per-frame labels, '
                         f'got {type(raw).__name__}.')
    labels = {}
    for name, value in raw.items():
        arr = np.asarray(value)
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f'{label_file}: labels of {name} must be a 1-D sequence of '
                             f'integers, got shape {arr.shape} dtype {arr.dtype}.')
        labels[str(name)] = arr.astype(np.int64)
    return labels


def scan_split(data_root: str, split: str, layout: str = 'auto',
               labels: Optional[Dict[str, np.ndarray]] = None
               ) -> Tuple[List[VideoRecord], List[Problem]]:
    """The videos of one split and every problem of its listing, without decoding.

    Problems (one each): a split list naming a missing file, a video without labels in
    label.pickle, a view without videos. A missing data root, an undetectable layout
    or an unreadable label.pickle still raise at once (nothing else can be checked).

    Returns:
        ``(records, problems)``: records of the usable videos, ego first then exo, each
        sorted by file name.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}.')
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'Data root {data_root} does not exist; check data_root '
                                '(see docs/data.md for the AE2 download).')
    if layout == 'auto':
        layout = detect_layout(data_root, split)
    lister = _list_from_csv if layout == 'csv' else _list_from_folder
    labels = load_labels(data_root) if labels is None else labels
    records, problems = [], []
    for view in CAMERA_VIEWS:
        paths = sorted(lister(data_root, view, split, problems), key=osp.basename)
        if not paths:
            where = (osp.join(data_root, view, f'{split}.csv') if layout == 'csv'
                     else osp.join(data_root, split, view))
            problems.append(Problem(where, 'empty-split',
                                    f'No {view} videos in split "{split}"'))
        for path in paths:
            name = osp.splitext(osp.basename(path))[0]
            if name not in labels:
                problems.append(Problem(
                    path, 'no-labels',
                    f'{osp.join(data_root, LABEL_FILE)} has no labels for it (key '
                    f'"{name}")'))
                continue
            records.append(VideoRecord(name, path, view, split, labels[name]))
    return records, problems


def load_split(data_root: str, split: str, layout: str = 'auto',
               labels: Optional[Dict[str, np.ndarray]] = None) -> List[VideoRecord]:
    """The videos of one split, ego first then exo, each sorted by file name.

    Cheap: lists files and reads label.pickle, decodes nothing. ``num_frames`` of a
    record is its label count; the frame cache checks it against the decoded video.
    Raises :class:`~byov.datasets.integrity.DatasetProblemsError` listing every problem
    :func:`scan_split` finds.

    Args:
        data_root: the dataset folder (holds label.pickle).
        split: 'train', 'val' or 'test'.
        layout: 'auto', 'csv' or 'folders'.
        labels: labels already loaded with :func:`load_labels` (read if None).
    """
    records, problems = scan_split(data_root, split, layout, labels)
    if problems:
        raise DatasetProblemsError(f'Split "{split}" of {data_root}', problems, CHECK_HINT)
    return records
