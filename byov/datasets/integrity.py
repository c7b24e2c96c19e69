"""Problems of a dataset on disk, collected rather than raised one at a time.

The loaders, ``tools/data/check_dataset.py`` and ``tools/analysis/dataset_stats.py`` use
these so that a split with several damaged videos is reported in one go, one line per
problem: the file, the kind of problem and what to do about it.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2

from byov.utils.errors import UserInputError

# kind -> what to do (the default advice of a Problem of that kind)
KINDS = {
    'missing-file': 'restore the file, or remove it from the split list',
    'zero-byte': 'the file is empty: re-download or re-copy it',
    'undecodable': 'the file is truncated or corrupt: re-download it or re-encode it '
                   '(e.g. with ffmpeg)',
    'header-count': 'nothing to do if the file is complete (the container header only '
                    'estimates the count); re-download it if it was cut short',
    'labels-too-long': 'fix the labels or the video, or pass '
                       'label_length_mismatch="truncate" to use the common frames',
    'labels-too-short': 'fix the labels or the video, or pass '
                        'label_length_mismatch="truncate" to use the common frames',
    'no-labels': 'add the video\'s labels to label.pickle, or remove the video from the '
                 'split',
    'empty-split': 'every split needs ego and exo videos: check data_root and layout',
    'unreadable-split': 'check data_root and layout (see docs/data.md)',
    # Ego-Exo4D (byov.datasets.egoexo4d): each problem names its take; the fix gives the
    # download command for that take
    'missing-features': 're-download the take\'s features',
    'unreadable-features': 're-download the take\'s features',
    'feature-shape': 'the file is not a 2-D float tensor [steps, width]: re-download it',
    'feature-width': 're-download the take\'s features, or set feature_dim',
    'feature-steps': 're-download the take\'s features (or raise step_tolerance)',
    'segment-times': 're-download the keystep annotations',
    'take-not-in-metadata': 're-download takes.json (egoexo --parts metadata)',
}
# kinds that do not stop a run: the data is used as the reference would use it
WARNING_KINDS = ('header-count',)


@dataclass
class Problem:
    """One problem of a dataset on disk.

    Attributes:
        path: the file (or folder) concerned.
        kind: a key of :data:`KINDS`.
        detail: what is wrong, in numbers where there are any.
        fix: what to do (default: the advice of ``kind``).
        error: whether it stops a run (default: all kinds but ``header-count``).
    """
    path: str
    kind: str
    detail: str
    fix: Optional[str] = None
    error: Optional[bool] = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f'unknown problem kind {self.kind!r}; one of {list(KINDS)}')
        if self.fix is None:
            self.fix = KINDS[self.kind]
        if self.error is None:
            self.error = self.kind not in WARNING_KINDS

    @property
    def is_error(self) -> bool:
        return bool(self.error)

    def __str__(self) -> str:
        note = '' if self.error else ' (note)'
        return f'{self.path}: {self.kind}{note}: {self.detail}; {self.fix}'


class DatasetProblemsError(UserInputError, ValueError):
    """Raised with every problem found, one line each (``problems`` keeps them)."""

    def __init__(self, what: str, problems: List[Problem], hint: str = ''):
        self.problems = list(problems)
        lines = '\n'.join(f'  {p}' for p in self.problems)
        n = len(self.problems)
        super().__init__(f'{what}: {n} problem{"s" * (n != 1)}:\n{lines}'
                         + (f'\n{hint}' if hint else ''))


CHECK_HINT = ('Run `python tools/data/check_dataset.py CONFIG` to list every problem of '
              'every split at once.')


def header_frame_count(path: str) -> int:
    """The frame count the container announces (OpenCV's ``CAP_PROP_FRAME_COUNT``,
    which the reference uses); an estimate for some containers. 0 if unreadable."""
    cap = cv2.VideoCapture(path)
    try:
        return max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0) if cap.isOpened() else 0
    finally:
        cap.release()


def probe_video(path: str) -> Tuple[Optional[int], int, List[Problem]]:
    """Decode every frame of ``path`` (without keeping them) and compare with its header.

    Returns:
        ``(decoded, announced, problems)``: ``decoded`` is None when the file cannot be
        used at all (missing, empty, undecodable).
    """
    if not osp.isfile(path):
        return None, 0, [Problem(path, 'missing-file', 'the file does not exist')]
    if os.path.getsize(path) == 0:
        return None, 0, [Problem(path, 'zero-byte', 'the file has 0 bytes')]
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        cap.release()
        return None, 0, [Problem(path, 'undecodable', 'OpenCV cannot open it as a video')]
    announced = max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
    decoded = 0
    while cap.grab():
        decoded += 1
    cap.release()
    if decoded == 0:
        return None, announced, [Problem(
            path, 'undecodable', f'decodes to 0 frames (header announces {announced})')]
    return decoded, announced, header_problems(path, decoded, announced)


def header_problems(path: str, decoded: int, announced: int) -> List[Problem]:
    """A ``header-count`` note when the decoded count differs from the header's."""
    if announced in (0, decoded):
        return []
    return [Problem(path, 'header-count',
                    f'decodes to {decoded} frames, the header announces {announced} '
                    f'({decoded - announced:+d}); byov uses the {decoded} decoded frames')]


class VideoDecodeError(ValueError):
    """A video that cannot be used at all; ``problem`` says which and why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(f'Video {problem.path}: {problem.detail}; {problem.fix}.')
