"""Input checks shared by the evaluation functions.

Every check raises a ``ValueError`` that names the offending argument and says what was
expected, so a wrong call fails at the door rather than deep inside scikit-learn.
"""
from typing import NamedTuple

import numpy as np

from byov.structures import EVAL_VIEWS


class VideoRuns(NamedTuple):
    """The videos of a frame-level ``video_ids`` array, in order of appearance.

    ``starts[v]``, ``lengths[v]``: the frames ``starts[v]:starts[v] + lengths[v]`` belong
    to video number ``v`` (its id is ``ids[v]``); ``frame_index`` is each frame's position
    within its video; ``run_of_frame`` maps each frame to ``v``.
    """
    ids: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    frame_index: np.ndarray
    run_of_frame: np.ndarray


def check_embeds(name: str, embeds, num_frames: int = None) -> np.ndarray:
    """A finite, floating ``[F, E]`` array (its dtype is kept: the reference evaluates
    float32 embeddings as float32)."""
    embeds = np.asarray(embeds)
    if embeds.ndim != 2:
        raise ValueError(f'{name} must be a 2-D array [frames, dims], got shape {embeds.shape}')
    if not np.issubdtype(embeds.dtype, np.floating):
        if not np.issubdtype(embeds.dtype, np.number) or np.issubdtype(embeds.dtype,
                                                                     np.complexfloating):
            raise ValueError(f'{name} must hold real numbers, got dtype {embeds.dtype}')
        embeds = embeds.astype(np.float64)
    if num_frames is not None and embeds.shape[0] != num_frames:
        raise ValueError(f'{name} has {embeds.shape[0]} frames, expected {num_frames} '
                         '(one row per frame)')
    if embeds.shape[0] == 0 or embeds.shape[1] == 0:
        raise ValueError(f'{name} is empty (shape {embeds.shape})')
    finite = np.isfinite(embeds).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(f'{name} has NaN or inf values in {bad.size} of {embeds.shape[0]} '
                         f'frames (first: frame {bad[0]})')
    return embeds


def _per_frame(name: str, values, num_frames: int, what: str) -> np.ndarray:
    """``values`` as a 1-D array of ``num_frames`` entries (``what`` names one entry)."""
    values = np.asarray(values)
    if values.ndim != 1 or values.shape[0] != num_frames:
        raise ValueError(f'{name} must be 1-D with one {what} per frame ({num_frames}), '
                         f'got shape {values.shape}')
    return values


def check_labels(name: str, labels, num_frames: int) -> np.ndarray:
    """Non-negative integer labels, one per frame, as int64."""
    labels = _per_frame(name, labels, num_frames, 'label')
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or not np.all(
                np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f'{name} must hold integer phase labels, got dtype {labels.dtype}')
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f'{name} has negative labels (min {labels.min()}); phase labels '
                         'are 0, 1, ...')
    return labels


def check_fit_and_eval(fit_embeds, fit_labels, eval_embeds, eval_labels) -> tuple:
    """The fit and eval splits' embeddings (``[F1, E]``, ``[F2, E]``: the same ``E``) and
    labels (``[F1]``, ``[F2]``), checked; returned in that order."""
    fit_embeds = check_embeds('fit_embeds', fit_embeds)
    eval_embeds = check_embeds('eval_embeds', eval_embeds)
    if fit_embeds.shape[1] != eval_embeds.shape[1]:
        raise ValueError(f'fit_embeds has {fit_embeds.shape[1]} dims but eval_embeds has '
                         f'{eval_embeds.shape[1]}')
    fit_labels = check_labels('fit_labels', fit_labels, fit_embeds.shape[0])
    eval_labels = check_labels('eval_labels', eval_labels, eval_embeds.shape[0])
    return fit_embeds, fit_labels, eval_embeds, eval_labels


def check_is_ego(name: str, is_ego, num_frames: int) -> np.ndarray:
    """One view flag per frame (bool, or 0/1), as bool."""
    is_ego = _per_frame(name, is_ego, num_frames, 'view flag')
    if is_ego.dtype != bool:
        if not np.issubdtype(is_ego.dtype, np.number) or not np.isin(is_ego, (0, 1)).all():
            raise ValueError(f'{name} must be bool (True = ego frame) or 0/1, got values '
                             f'of dtype {is_ego.dtype}')
        is_ego = is_ego.astype(bool)
    return is_ego


def check_video_ids(name: str, video_ids, num_frames: int) -> VideoRuns:
    """Integer video ids, one per frame, each video's frames contiguous."""
    video_ids = np.asarray(video_ids)
    if video_ids.ndim != 1 or video_ids.shape[0] != num_frames:
        raise ValueError(f'{name} must be 1-D with one video id per frame ({num_frames}), '
                         f'got shape {video_ids.shape}')
    if video_ids.dtype == bool or not np.issubdtype(video_ids.dtype, np.integer):
        raise ValueError(f'{name} must hold integer video ids, got dtype {video_ids.dtype}')
    video_ids = video_ids.astype(np.int64)
    starts = np.flatnonzero(np.r_[True, video_ids[1:] != video_ids[:-1]])
    ids = video_ids[starts]
    if np.unique(ids).size != ids.size:
        values, counts = np.unique(ids, return_counts=True)
        raise ValueError(f'{name}: the frames of video {values[counts > 1][0]} are not '
                         "contiguous; each video's frames must form one block, in temporal "
                         'order')
    lengths = np.diff(np.r_[starts, num_frames])
    run_of_frame = np.repeat(np.arange(ids.size), lengths)
    frame_index = np.arange(num_frames) - starts[run_of_frame]
    return VideoRuns(ids, starts, lengths, frame_index, run_of_frame)


def check_same_view_per_video(name: str, is_ego: np.ndarray, runs: VideoRuns) -> np.ndarray:
    """The view of each video (``is_ego`` must be constant within a video)."""
    video_is_ego = is_ego[runs.starts]
    mixed = is_ego != video_is_ego[runs.run_of_frame]
    if mixed.any():
        bad = runs.ids[runs.run_of_frame[np.flatnonzero(mixed)[0]]]
        raise ValueError(f'{name} changes within video {bad}; a video has one view')
    return video_is_ego


def check_two_classes(name: str, labels: np.ndarray) -> None:
    """A classifier needs at least two classes to fit."""
    classes = np.unique(labels)
    if classes.size < 2:
        what = f'only class {classes[0]}' if classes.size else 'no frames'
        raise ValueError(f'{name} has {what}; fitting a classifier needs at least two')


def check_views(name: str, views) -> tuple:
    """A non-empty subset of ('regular', 'ego2exo', 'exo2ego'), in that order."""
    if isinstance(views, str):
        views = (views,)
    views = tuple(views)
    unknown = [v for v in views if v not in EVAL_VIEWS]
    if unknown or not views:
        raise ValueError(f'{name} must be a non-empty subset of {EVAL_VIEWS}, got {views}')
    return tuple(v for v in EVAL_VIEWS if v in views)


def view_masks(is_ego: np.ndarray, view: str, side: str) -> np.ndarray:
    """Frames used by ``view`` on the ``side`` 'fit'/'query' (source view) or
    'eval'/'target' (the other view). 'regular' uses every frame."""
    if view == 'regular':
        return np.ones(is_ego.shape[0], dtype=bool)
    source_is_ego = view == 'ego2exo'
    want_ego = source_is_ego if side in ('fit', 'query') else not source_is_ego
    return is_ego if want_ego else ~is_ego
