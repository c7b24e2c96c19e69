"""Keystep recognition (Ego-Exo4D): a linear probe on time-pooled frame embeddings.

The Ego-Exo4D fine-grained keystep recognition benchmark classifies trimmed keystep
segments (start and end time in seconds within a take) into the keystep classes of its
label mapping and reports top-1 accuracy. byov applies it to frozen frame embeddings:

1. :func:`pool_segments`: a segment's embedding is the mean of its stream's frame
   embeddings whose time lies in ``[start, end)``; when no frame time does (a segment
   shorter than the frames' spacing), the frame nearest to the segment's middle (the
   first on ties) stands for it, as ``byov.datasets.egoexo4d.timing.steps_in`` picks
   feature steps.
2. :func:`keystep_recognition`: a multinomial logistic regression (scikit-learn's
   ``LogisticRegression``, lbfgs, L2 with strength ``1 / C``) on standardised inputs
   (mean and scale of the fit samples) is fit on the fit split's segments and scores
   top-1 accuracy on the eval split's. lbfgs has no randomness, so the numbers depend
   only on the inputs.

The functions take plain arrays; :class:`~byov.evaluation.metrics.KeystepRecognitionMetric`
reads the benchmark's segment files and finds each segment's stream.
"""
import warnings
from typing import Optional, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from ._checks import check_embeds, check_two_classes, check_video_ids

#: The probe's fixed options (recorded in the metric's protocol()).
DEFAULT_C = 1.0
DEFAULT_MAX_ITER = 1000


def segment_frames(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Positions in ``times`` (one video's frame times, non-decreasing) of the frames in
    ``[start, end)``, or of the one frame nearest to ``(start + end) / 2`` if none is."""
    lo, hi = np.searchsorted(times, [start, end], side='left')
    if hi > lo:
        return np.arange(lo, hi)
    return np.array([int(np.argmin(np.abs(times - (start + end) / 2)))])


def pool_segments(embeds, frame_times, video_ids, segment_videos, starts, ends, *,
                  window_sec: Optional[float] = None,
                  segment_names: Optional[Sequence[str]] = None) -> np.ndarray:
    """Mean frame embedding of each segment.

    Args:
        embeds: float [F, E] frame embeddings, videos contiguous, frames in time order.
        frame_times: float [F] time of each frame in seconds from its video's start.
        video_ids: int [F] video of each frame (contiguous runs).
        segment_videos: int [S] the video (a value of ``video_ids``) of each segment.
        starts, ends: float [S] each segment's start and end time (``start <= end``).
        window_sec: the time one frame covers (``[t - w/2, t + w/2)`` around its time
            t); given, a segment that overlaps none of its video's frames is an error
            (a time outside the stream: the segment belongs to another video or the
            times are in other units). None: no check.
        segment_names: names of the segments, for messages.

    Returns:
        float64 [S, E] pooled embeddings.
    """
    embeds = check_embeds('embeds', embeds)
    runs = check_video_ids('video_ids', video_ids, embeds.shape[0])
    frame_times = np.asarray(frame_times, dtype=np.float64)
    if frame_times.shape != (embeds.shape[0],):
        raise ValueError(f'frame_times must have one time per frame ({embeds.shape[0]}), '
                         f'got shape {frame_times.shape}')
    segment_videos = np.asarray(segment_videos).reshape(-1)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1)
    ends = np.asarray(ends, dtype=np.float64).reshape(-1)
    if not segment_videos.shape == starts.shape == ends.shape:
        raise ValueError(f'segment_videos, starts and ends must have one entry per segment, '
                         f'got {segment_videos.shape}, {starts.shape}, {ends.shape}')
    run_of_id = {int(i): r for r, i in enumerate(runs.ids)}

    def name(s):
        return repr(segment_names[s]) if segment_names is not None else str(s)

    pooled = np.empty((starts.size, embeds.shape[1]), dtype=np.float64)
    for s in range(starts.size):
        run = run_of_id.get(int(segment_videos[s]))
        if run is None:
            raise ValueError(f'segment {name(s)}: video {segment_videos[s]} is not among '
                             'video_ids')
        if not (np.isfinite(starts[s]) and np.isfinite(ends[s])) or starts[s] > ends[s]:
            raise ValueError(f'segment {name(s)}: start {starts[s]} and end {ends[s]} are '
                             'not a time interval (finite, start <= end)')
        first = int(runs.starts[run])
        times = frame_times[first:first + int(runs.lengths[run])]
        if window_sec is not None and (ends[s] <= times[0] - window_sec / 2
                                       or starts[s] >= times[-1] + window_sec / 2):
            raise ValueError(
                f'segment {name(s)}: [{starts[s]:.3f}, {ends[s]:.3f}) s lies outside its '
                f'stream, whose {times.size} frames cover [{times[0] - window_sec / 2:.3f}, '
                f'{times[-1] + window_sec / 2:.3f}) s (frame times {times[0]:.3f} to '
                f'{times[-1]:.3f} s, {window_sec:.4g} s each): the segment belongs to '
                'another take, or the stream was cut short.')
        rows = first + segment_frames(times, starts[s], ends[s])
        pooled[s] = embeds[rows].mean(axis=0, dtype=np.float64)
    return pooled


def keystep_recognition(fit_embeds, fit_labels, eval_embeds, eval_labels, *,
                        C: float = DEFAULT_C, max_iter: int = DEFAULT_MAX_ITER,
                        standardize: bool = True,
                        return_predictions: bool = False):
    """Top-1 accuracy of a multinomial logistic-regression probe.

    Args:
        fit_embeds: float [N1, E] one embedding per fit segment (sample).
        fit_labels: int [N1] keystep class of each.
        eval_embeds, eval_labels: [N2, E], [N2], the same for the eval segments.
        C: inverse L2 strength of ``LogisticRegression``.
        max_iter: lbfgs iterations; a fit that stops before converging is reported in
            ``converged`` (and scikit-learn's warning is not raised).
        standardize: scale every dimension to zero mean and unit variance (statistics of
            the fit samples) before the probe.
        return_predictions: also return the predicted class of each eval sample.

    Returns:
        dict(top1, top1_per_class_mean, num_classes_fit, converged): top-1 accuracy in
        percent over the eval samples; the mean over the eval samples' classes of each
        class's top-1 (percent); how many classes the fit samples hold (a class absent
        from them is never predicted); whether lbfgs converged. With
        ``return_predictions``, (that dict, int64 [N2]).
    """
    fit_embeds = check_embeds('fit_embeds', fit_embeds)
    eval_embeds = check_embeds('eval_embeds', eval_embeds)
    if fit_embeds.shape[1] != eval_embeds.shape[1]:
        raise ValueError(f'fit_embeds has {fit_embeds.shape[1]} dims but eval_embeds has '
                         f'{eval_embeds.shape[1]}')
    fit_labels = _segment_labels('fit_labels', fit_labels, fit_embeds.shape[0])
    eval_labels = _segment_labels('eval_labels', eval_labels, eval_embeds.shape[0])
    check_two_classes('fit_labels', fit_labels)
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) \
            or max_iter < 1:
        raise ValueError(f'max_iter must be a positive integer, got {max_iter!r}')
    if not C > 0:
        raise ValueError(f'C must be positive, got {C!r}')

    fit_x = fit_embeds.astype(np.float64)
    eval_x = eval_embeds.astype(np.float64)
    if standardize:
        scaler = StandardScaler().fit(fit_x)
        fit_x, eval_x = scaler.transform(fit_x), scaler.transform(eval_x)
    probe = LogisticRegression(C=C, max_iter=int(max_iter))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConvergenceWarning)
        probe.fit(fit_x, fit_labels)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    predicted = probe.predict(eval_x).astype(np.int64)
    correct = predicted == eval_labels
    classes = np.unique(eval_labels)
    per_class = [correct[eval_labels == c].mean() for c in classes]
    out = dict(top1=100.0 * float(correct.mean()),
               top1_per_class_mean=100.0 * float(np.mean(per_class)),
               num_classes_fit=int(np.unique(fit_labels).size), converged=converged)
    return (out, predicted) if return_predictions else out


def _segment_labels(name: str, labels, num: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (num,):
        raise ValueError(f'{name} must have one label per segment ({num}), got shape '
                         f'{labels.shape}')
    if num == 0:
        raise ValueError(f'{name}: no segments')
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0:
        raise ValueError(f'{name} must hold non-negative integer class ids')
    return labels.astype(np.int64)
