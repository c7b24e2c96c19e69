"""Task 3: phase progression (R^2 of a linear regressor on frame embeddings).

For a video of length L and a class c, the target of frame t is ``(t - last_c) / L``,
where ``last_c`` is the video's last frame labelled c, or -1 ("absent") when the video has
no frame of class c. One ``LinearRegression`` per class is fit on the fit-split frames
whose target is not -1 and scored (R^2, ``estimator.score``) on the eval-split frames whose
target is not -1; the result is the mean over classes.

Variants (see docs/evaluation_protocol.md):

- ``num_classes='per_split'`` (reference, AlignEgoExo ``evaluation/event_completion.py``):
  each split has ``max(label) + 1`` classes. The regressors are those of the fit split and
  are scored against the eval split's columns; if the eval split lacks the fit split's top
  class the reference crashes (IndexError) and this raises; if the eval split has more
  classes, the extra ones are ignored, as in the reference.
- ``num_classes='union'`` (corrected): the classes are those present in either split
  (``max + 1`` over both); a class is scored only when it has fit frames and at least two
  eval frames, so no split's label set decides the others'. An int gives the count.
- ``append_time=True`` (reference for pour_liquid only): each frame's index within its
  video times 1e-3 is appended to its embedding, which hands the regressor absolute time.
  The corrected protocol appends nothing.

The embeddings' dtype is kept (float32 embeddings are regressed in float32, as in the
reference; appending the float64 time column makes them float64, as in the reference).
"""
from typing import Union

import numpy as np
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from ._checks import check_fit_and_eval, check_video_ids

_NUM_CLASSES_MODES = ('per_split', 'union')


def progression_targets(labels: np.ndarray, runs, num_classes: int) -> np.ndarray:
    """Targets [F, C]: ``(t - last frame of class c in the video) / L``, -1 if absent."""
    num_frames = labels.shape[0]
    num_videos = runs.ids.size
    # last frame (within its video) of each class in each video; -1 when absent
    last = np.full((num_videos, num_classes), -1, dtype=np.int64)
    in_range = labels < num_classes
    np.maximum.at(last, (runs.run_of_frame[in_range], labels[in_range]),
                  runs.frame_index[in_range])
    last_of_frame = last[runs.run_of_frame]                      # [F, C]
    length = runs.lengths[runs.run_of_frame].astype(np.float64)  # [F]
    t = runs.frame_index.astype(np.float64)
    targets = (t[:, None] - last_of_frame) / length[:, None]
    targets[last_of_frame < 0] = -1.0
    assert targets.shape == (num_frames, num_classes)
    return targets


def _features(embeds: np.ndarray, runs, append_time: bool) -> np.ndarray:
    if not append_time:
        return embeds
    time = runs.frame_index.reshape(-1, 1) * 1e-3
    return np.concatenate([embeds, time], axis=1)


def phase_progression(fit_embeds, fit_labels, fit_video_ids, eval_embeds, eval_labels,
                      eval_video_ids, append_time: bool = False,
                      num_classes: Union[str, int] = 'per_split') -> float:
    """Mean over classes of the R^2 of per-class linear progression regressors.

    Args:
        fit_embeds: float [F1, E] fit-split (train) frame embeddings.
        fit_labels: int [F1] phase labels; fit_video_ids: int [F1] video of each frame
            (a video's frames contiguous and in temporal order).
        eval_embeds, eval_labels, eval_video_ids: the same for the eval split.
        append_time: append frame index (within its video) x 1e-3 as a feature, as the
            reference does for pour_liquid only.
        num_classes: 'per_split' (reference: max(label)+1 of each split), 'union'
            (corrected: classes of both splits, skipping those a split lacks) or an int.

    Returns:
        float, the mean R^2 over the scored classes.
    """
    fit_embeds, fit_labels, eval_embeds, eval_labels = check_fit_and_eval(
        fit_embeds, fit_labels, eval_embeds, eval_labels)
    fit_runs = check_video_ids('fit_video_ids', fit_video_ids, fit_embeds.shape[0])
    eval_runs = check_video_ids('eval_video_ids', eval_video_ids, eval_embeds.shape[0])

    if isinstance(num_classes, str):
        if num_classes not in _NUM_CLASSES_MODES:
            raise ValueError(f"num_classes must be 'per_split', 'union' or an int, got "
                             f'{num_classes!r}')
        reference = num_classes == 'per_split'
        if reference:
            fit_classes = int(fit_labels.max()) + 1
            eval_classes = int(eval_labels.max()) + 1
            if eval_classes < fit_classes:
                raise ValueError(
                    f'eval_labels: the eval split has no frame of class {fit_classes - 1} '
                    f'(its max label is {eval_classes - 1}, the fit split\'s '
                    f'{fit_classes - 1}); the reference protocol fails here (IndexError). '
                    "Use num_classes='union' (corrected protocol).")
        else:
            fit_classes = eval_classes = int(max(fit_labels.max(), eval_labels.max())) + 1
    else:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
                or num_classes < 1:
            raise ValueError(f'num_classes must be a positive int, got {num_classes!r}')
        for name, lab in (('fit_labels', fit_labels), ('eval_labels', eval_labels)):
            if lab.max() >= num_classes:
                raise ValueError(f'{name} has label {lab.max()} >= num_classes={num_classes}')
        reference = False
        fit_classes = eval_classes = int(num_classes)

    fit_x = _features(fit_embeds, fit_runs, append_time)
    eval_x = _features(eval_embeds, eval_runs, append_time)
    fit_y = progression_targets(fit_labels, fit_runs, fit_classes)
    eval_y = progression_targets(eval_labels, eval_runs, eval_classes)

    # One BLAS thread: a least-squares fit of this size takes ~0.2 s CPU on one thread,
    # while OpenBLAS's threads spin for seconds when the CPUs are shared (measured 0.16 s
    # vs 3-5 s CPU per class on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api='blas'):
        return _mean_r2(fit_x, fit_y, eval_x, eval_y, fit_classes, reference)


def _mean_r2(fit_x, fit_y, eval_x, eval_y, fit_classes, reference) -> float:
    scores = []
    for c in range(fit_classes):
        fit_rows = fit_y[:, c] != -1
        eval_rows = eval_y[:, c] != -1
        if reference:
            if not fit_rows.any():
                raise ValueError(f'fit_labels: no fit-split frame has class {c} (labels run '
                                 f'to {fit_classes - 1}); the reference protocol fails here. '
                                 "Use num_classes='union' (corrected protocol).")
            if not eval_rows.any():
                raise ValueError(f'eval_labels: no eval-split frame has class {c}; the '
                                 "reference protocol fails here. Use num_classes='union'.")
        elif not fit_rows.any() or eval_rows.sum() < 2:
            continue  # corrected: a class a split lacks is not scored
        regressor = LinearRegression().fit(fit_x[fit_rows], fit_y[fit_rows, c])
        scores.append(regressor.score(eval_x[eval_rows], eval_y[eval_rows, c]))
    if not scores:
        raise ValueError('fit_labels/eval_labels: no class has frames in both splits')
    return float(np.mean(scores))
