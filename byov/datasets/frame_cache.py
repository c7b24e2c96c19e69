"""Decode each video once into a uint8 frame store in its own cache folder.

A cached video is one ``.npy`` file, uint8 ``[L, 3, H, W]`` (RGB, channel-first as the
model takes it, resized to the configured ``(H, W)``), read with
``np.load(mmap_mode='r')`` so a training clip copies only the frames it needs, once.
Files live in ``<cache_dir>/<H>x<W>/<view>/`` (the data folder may be read-only) and are
named ``<video>-<key>.npy``, where the key hashes the source file's real path, size and
modification time: a changed video gets a new file and is decoded again (the old file is
left behind; delete the cache folder to reclaim it).

Writing is safe when several ranks or workers start at once: a builder takes a lock file
(``fcntl.flock`` where available), decodes, writes to a uniquely named temporary file
and moves it into place with ``os.replace``. Only final names are ever read, so a
leftover temporary file from a killed builder is ignored, and a final file that does not
load (e.g. a disk error) is rebuilt.
"""
import contextlib
import hashlib
import os
import os.path as osp
import warnings
from typing import Sequence, Tuple, Union

import cv2
import numpy as np

from byov.utils.atomic import atomic_write
from .integrity import Problem, VideoDecodeError

try:
    import fcntl
except ImportError:  # Windows: no lock; the atomic rename alone keeps files whole
    fcntl = None


def to_hw(frame_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``224`` or ``(224, 224)`` -> ``(H, W)``."""
    if isinstance(frame_size, int):
        return frame_size, frame_size
    if len(frame_size) != 2:
        raise ValueError(f'frame_size must be an int or (H, W), got {frame_size!r}.')
    return int(frame_size[0]), int(frame_size[1])


def decode_video(path: str, frame_size: Union[int, Sequence[int]]) -> np.ndarray:
    """Decode every frame of ``path`` with OpenCV, as the reference does.

    What decodes is trusted: the count in the container header
    (``CAP_PROP_FRAME_COUNT``) is an estimate for some containers, so a video that
    decodes to fewer (or more) frames than announced is kept with its decoded frames
    (the datasets then fit the labels to them, see
    :func:`~byov.datasets.base.resolve_labels`).

    Returns:
        np.ndarray: uint8 ``[L, 3, H, W]``, RGB, each frame resized to ``(H, W)``
        with area interpolation (views of any resolution come out the same size).

    Raises:
        VideoDecodeError: the file is empty, cannot be opened or decodes to no frame.
    """
    h, w = to_hw(frame_size)
    if osp.isfile(path) and os.path.getsize(path) == 0:
        raise VideoDecodeError(Problem(path, 'zero-byte', 'the file has 0 bytes'))
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise VideoDecodeError(Problem(path, 'undecodable',
                                       'OpenCV cannot open it as a video'))
    announced = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB).transpose(2, 0, 1))
    cap.release()
    if not frames:
        raise VideoDecodeError(Problem(
            path, 'undecodable', f'decodes to 0 frames (header announces {announced})'))
    return np.stack(frames)


def video_file_name(video_path: str) -> str:
    """``<video>-<key>.npy``: the key hashes the source's real path, size and
    modification time, so a replaced or edited video gets a new name (shared by the
    frame cache and the feature cache)."""
    st = os.stat(video_path)
    key = f'{osp.realpath(video_path)}|{st.st_size}|{st.st_mtime_ns}'
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return f'{osp.splitext(osp.basename(video_path))[0]}-{digest}.npy'


def atomic_save_npy(path: str, array: np.ndarray) -> None:
    """``np.save`` through :func:`~byov.utils.atomic.atomic_write`: readers see the whole
    file or none (a leftover ``*.tmp`` of a killed writer is never read)."""
    with atomic_write(path) as f:
        np.save(f, array)


@contextlib.contextmanager
def _file_lock(lock_path: str):
    if fcntl is None:
        yield
        return
    with open(lock_path, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class FrameCache:
    """Decoded frames of videos, one ``.npy`` per video and resolution.

    Args:
        cache_dir: folder of the cache (created when needed).
        frame_size: ``H`` or ``(H, W)`` of the cached frames.
    """

    def __init__(self, cache_dir: str, frame_size: Union[int, Sequence[int]]):
        self.cache_dir = cache_dir
        self.frame_size = to_hw(frame_size)

    def path_for(self, video_path: str, view: str) -> str:
        """Cache file of ``video_path``; its name changes when the source changes."""
        h, w = self.frame_size
        return osp.join(self.cache_dir, f'{h}x{w}', view, video_file_name(video_path))

    def _open(self, cache_path: str):
        """The cached array (memory-mapped), or None if absent or not loadable."""
        if not osp.isfile(cache_path):
            return None
        try:
            frames = np.load(cache_path, mmap_mode='r')
        except (ValueError, OSError, EOFError) as err:
            warnings.warn(f'Frame cache file {cache_path} is unreadable ({err}); '
                          'rebuilding it.')
            return None
        if (frames.dtype != np.uint8 or frames.ndim != 4 or len(frames) == 0
                or frames.shape[1:] != (3, *self.frame_size)):
            h, w = self.frame_size
            warnings.warn(f'Frame cache file {cache_path} has shape {frames.shape} '
                          f'{frames.dtype}, not [L, 3, {h}, {w}] uint8; rebuilding it.')
            return None
        return frames

    def load(self, video_path: str, view: str) -> np.ndarray:
        """All frames of a video, uint8 ``[L, 3, H, W]`` memory-mapped (read-only);
        decodes and stores the video first if it is not cached yet."""
        cache_path = self.path_for(video_path, view)
        frames = self._open(cache_path)
        if frames is not None:
            return frames
        os.makedirs(osp.dirname(cache_path), exist_ok=True)
        with _file_lock(cache_path + '.lock'):
            frames = self._open(cache_path)  # another process may have built it
            if frames is not None:
                return frames
            atomic_save_npy(cache_path, decode_video(video_path, self.frame_size))
        return np.load(cache_path, mmap_mode='r')

    def num_frames(self, video_path: str, view: str) -> int:
        """Decoded frame count (reads the cache header; builds the cache if needed)."""
        return len(self.load(video_path, view))
