"""Which frames of a video a training clip takes (docs/data.md, "Clips")."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS


def sample_clip_indices(length: int, num_frames: int, random_offset: int,
                        rng: np.random.Generator) -> np.ndarray:
    """The reference rule: ``num_frames`` distinct indices drawn at random from
    ``[random_offset, length)`` and sorted; when the video has no more than
    ``num_frames + random_offset`` frames, ``0 .. num_frames-1`` clamped to the last
    frame (so a short video repeats its last frame).

    Returns:
        np.ndarray: int64 ``[num_frames]``, non-decreasing, all in ``[0, length)``.
    """
    if num_frames < length - random_offset:
        inds = rng.choice(length - random_offset, size=num_frames, replace=False)
        return np.sort(inds).astype(np.int64) + random_offset
    return np.minimum(np.arange(num_frames, dtype=np.int64), length - 1)


def synchronised_indices(frame_inds: np.ndarray, length: int, other_length: int
                         ) -> np.ndarray:
    """The frames of a synchronised video of ``other_length`` frames taken at the same
    moments as ``frame_inds`` of a video of ``length`` frames, both covering the same
    stretch of time: ``round(i * (other_length - 1) / (length - 1))``.

    Returns:
        np.ndarray: int64, the shape of ``frame_inds``, in ``[0, other_length)``.
    """
    scale = (other_length - 1) / (length - 1) if length > 1 else 0.0
    inds = np.rint(np.asarray(frame_inds, dtype=np.float64) * scale).astype(np.int64)
    return np.clip(inds, 0, other_length - 1)


def nearest_time_indices(frame_times: np.ndarray, other_times: np.ndarray) -> np.ndarray:
    """For each time of ``frame_times``, the index of the nearest of ``other_times``
    (sorted, seconds): the frames of a synchronised stream on its own time grid."""
    other_times = np.asarray(other_times, dtype=np.float64)
    times = np.asarray(frame_times, dtype=np.float64)
    right = np.clip(np.searchsorted(other_times, times), 1, max(len(other_times) - 1, 1))
    left = right - 1
    if len(other_times) == 1:
        return np.zeros(times.shape, dtype=np.int64)
    nearer_left = np.abs(times - other_times[left]) <= np.abs(other_times[right] - times)
    return np.where(nearer_left, left, right).astype(np.int64)


def context_frame_indices(frame_inds: np.ndarray, length: int, num_context_steps: int,
                          context_stride: int) -> np.ndarray:
    """Each frame with the frames ``context_stride`` apart before it (AE2's context).

    For every index t: ``t - (C-1) * stride, ..., t - stride, t`` (C =
    ``num_context_steps``), clamped to ``[0, length)``, so early frames repeat frame 0.

    Returns:
        np.ndarray: int64 ``[len(frame_inds) * C]``, grouped by frame, oldest first.
    """
    offsets = context_stride * np.arange(1 - num_context_steps, 1, dtype=np.int64)
    inds = np.asarray(frame_inds, dtype=np.int64)[:, None] + offsets[None]
    return np.clip(inds, 0, length - 1).reshape(-1)


@TRANSFORMS.register_module()
class SampleClipFrames(BaseTransform):
    """Set ``frame_inds`` of every clip in ``results['clips']``.

    When the item is a synchronised pair (``results['pairing'] == 'synchronised'``, set by
    :class:`~byov.datasets.SynchronisedEgoExoPairDataset`), only the first clip is drawn
    and the second takes the frames of the same moments: those nearest in time when both
    clips carry ``frame_times`` (Ego-Exo4D streams, whose step counts may differ by a
    step or two and whose background steps may be dropped), else by relative position
    (:func:`synchronised_indices`).

    Draws from ``results['rng']`` (a :class:`numpy.random.Generator` that
    :class:`~byov.datasets.EgoExoPairDataset` derives from its seed and the item index),
    never from global random state, so items are reproducible in any worker.

    Args:
        num_frames: frames per clip T (32 in the reference; 20 for tennis_forehand).
        random_offset: first frame index that random sampling may pick (reference: 1).
    """

    def __init__(self, num_frames: Optional[int] = 32, random_offset: int = 1):
        if num_frames is None:
            raise ValueError('SampleClipFrames: num_frames not set; the dataset configs '
                             'write their clip_len here (configs/_base_/datasets/'
                             'synthetic_egoexo.py).')
        if num_frames < 1 or random_offset < 0:
            raise ValueError(f'SampleClipFrames needs num_frames >= 1 and random_offset '
                             f'>= 0, got {num_frames} and {random_offset}.')
        self.num_frames = num_frames
        self.random_offset = random_offset

    def transform(self, results: dict) -> dict:
        if 'rng' not in results:
            raise KeyError('SampleClipFrames needs results["rng"], a numpy Generator; '
                           'EgoExoPairDataset provides one per item.')
        clips = results['clips']
        synchronised = results.get('pairing') == 'synchronised'
        for i, clip in enumerate(clips):
            if synchronised and i > 0 and all(
                    c.get('frame_times') is not None for c in (clips[0], clip)):
                # streams with per-frame times (Ego-Exo4D): the nearest moments
                first = clips[0]
                clip['frame_inds'] = nearest_time_indices(
                    np.asarray(first['frame_times'])[first['frame_inds']],
                    clip['frame_times'])
            elif synchronised and i > 0:  # the same moments as the first clip's frames
                clip['frame_inds'] = synchronised_indices(
                    clips[0]['frame_inds'], clips[0]['num_frames'], clip['num_frames'])
            else:
                clip['frame_inds'] = sample_clip_indices(
                    clip['num_frames'], self.num_frames, self.random_offset, results['rng'])
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'random_offset={self.random_offset})')
