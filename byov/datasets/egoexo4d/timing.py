"""Where each released feature step lies in its take, and its keystep label.

Ego-Exo4D's video features (Omnivore Swin-L, ``features/omnivore_video``) are computed on
windows of 32 frames (32/30 s at 30 fps) every 16 frames (16/30 s), as the ``ego4d``
package's feature extraction does (``frame_window: 32``, ``stride: 16``, uniform clip
sampling with ``backpad_last``): window i covers ``[i * stride, i * stride + window)``
seconds, and when the stride does not divide the remainder, one last window covers the
last ``window`` seconds of the take ``[duration - window, duration)``. A take shorter
than one window has one feature.

A feature step's time is its window's centre; its keystep is the annotated segment that
contains that time (``start_time <= t < end_time``; where segments overlap, the one that
starts last). A step in no segment is background.
"""
from typing import Sequence

import numpy as np

FPS = 30.0
WINDOW_SEC = 32 / FPS
STRIDE_SEC = 16 / FPS


def expected_num_steps(duration_sec: float, window_sec: float = WINDOW_SEC,
                       stride_sec: float = STRIDE_SEC, fps: float = FPS) -> int:
    """Feature steps of a take of ``duration_sec`` (frames = round(duration * fps)), by
    the extraction's rule."""
    frames = int(round(duration_sec * fps))
    window, stride = int(round(window_sec * fps)), int(round(stride_sec * fps))
    rest = frames - window
    if rest < 0:
        return 1
    return rest // stride + 1 + (1 if rest % stride else 0)


def step_centres(num_steps: int, duration_sec: float, window_sec: float = WINDOW_SEC,
                 stride_sec: float = STRIDE_SEC) -> np.ndarray:
    """Centre time in seconds of each of ``num_steps`` feature windows, float64
    ``[num_steps]``: ``i * stride + window / 2``, except that the last step of a take the
    stride does not divide is the back-padded window ending at ``duration_sec``. Steps
    past the take's end (a file with more steps than the duration gives) keep the
    regular grid; all centres are clipped to ``[0, duration_sec]``. A take shorter than
    one window has its one step at its middle."""
    starts = np.arange(num_steps, dtype=np.float64) * stride_sec
    if num_steps >= 2:
        last_regular = (num_steps - 2) * stride_sec + window_sec
        if last_regular < duration_sec - 1e-9:
            starts[-1] = max(duration_sec - window_sec, 0.0)
    centres = starts + window_sec / 2
    if num_steps == 1 and duration_sec < window_sec:  # one window longer than the take
        centres[0] = duration_sec / 2
    return np.clip(centres, 0.0, max(duration_sec, 0.0))


def step_labels(centres: np.ndarray, starts: Sequence[float], ends: Sequence[float],
                labels: Sequence[int], background: int) -> np.ndarray:
    """int64 label of each step: that of the segment containing its centre
    (``start <= t < end``; of overlapping ones, the one that starts last), else
    ``background``."""
    out = np.full(len(centres), background, dtype=np.int64)
    order = np.argsort(np.asarray(starts, dtype=np.float64), kind='stable')
    for k in order:  # later starts overwrite earlier ones
        inside = (centres >= starts[k]) & (centres < ends[k])
        out[inside] = labels[k]
    return out


def steps_in(centres: np.ndarray, start: float, end: float) -> np.ndarray:
    """Indices of the steps whose centre lies in ``[start, end)``; when none does (a
    segment shorter than the stride), the step nearest to the segment's middle."""
    inside = np.flatnonzero((centres >= start) & (centres < end))
    if inside.size:
        return inside
    return np.array([int(np.argmin(np.abs(centres - (start + end) / 2)))])
