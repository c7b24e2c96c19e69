"""Figure (d): predicted vs true phase progression over time for a few eval videos.

The regressors are those of the progression task (:mod:`byov.evaluation.functional.
progression`): per phase c a ``LinearRegression`` fit on the fit split's frames whose
target ``(t - last frame of c) / L`` is defined, applied to the eval split. The target
rises linearly through the video and crosses 0 at the last frame of phase c; a solid line
is the truth, a dashed line the prediction, per phase.
"""
from typing import Optional, Sequence

import numpy as np
from matplotlib.lines import Line2D
from sklearn.linear_model import LinearRegression

from byov.evaluation.embedding_set import EmbeddingSet
from byov.evaluation.functional._checks import check_video_ids
from byov.evaluation.functional.progression import _features, progression_targets
from .style import draw_phase_bar, new_figure, phase_colours, phase_names


def predict_progression(fit_set: EmbeddingSet, eval_set: EmbeddingSet,
                        append_time: bool = False, num_classes: Optional[int] = None):
    """Targets and predictions of the per-phase progression regressors on the eval split.

    Args:
        fit_set, eval_set: the fit (train) and eval split embeddings.
        append_time: append frame index x 1e-3 (the reference protocol for pour_liquid).
        num_classes: phases; default max label + 1 over both splits.

    Returns:
        (targets [F, C], predictions [F, C]) on the eval split, NaN where the target is
        absent (the video has no frame of that phase) or the phase has no fit frames.
    """
    if num_classes is None:
        num_classes = int(max(fit_set.labels.max(), eval_set.labels.max())) + 1
    fit_runs = check_video_ids('fit video_ids', fit_set.video_ids, fit_set.num_frames)
    eval_runs = check_video_ids('eval video_ids', eval_set.video_ids, eval_set.num_frames)
    fit_x = _features(fit_set.embeds, fit_runs, append_time)
    eval_x = _features(eval_set.embeds, eval_runs, append_time)
    fit_y = progression_targets(fit_set.labels, fit_runs, num_classes)
    eval_y = progression_targets(eval_set.labels, eval_runs, num_classes)
    predictions = np.full(eval_y.shape, np.nan)
    for c in range(num_classes):
        rows = fit_y[:, c] != -1
        if rows.any():
            regressor = LinearRegression().fit(fit_x[rows], fit_y[rows, c])
            predictions[:, c] = regressor.predict(eval_x)
    targets = np.where(eval_y == -1, np.nan, eval_y)
    predictions[np.isnan(targets)] = np.nan
    return targets, predictions


def pick_videos(emb: EmbeddingSet, num_videos: int = 4) -> list:
    """Indices of ``num_videos`` videos, half ego and half exo where possible, spread
    evenly over each view's videos."""
    ego, exo = np.flatnonzero(emb.video_is_ego), np.flatnonzero(~emb.video_is_ego)
    num_exo = min(exo.size, num_videos // 2)
    num_ego = min(ego.size, num_videos - num_exo)
    num_exo = min(exo.size, num_videos - num_ego)

    def spread(ids, n):
        return ids[np.linspace(0, ids.size - 1, n).round().astype(int)] if n else ids[:0]

    return sorted(spread(ego, num_ego).tolist() + spread(exo, num_exo).tolist())


def _r2(y, p):
    ok = ~np.isnan(y)
    if ok.sum() < 2:
        return np.nan
    total = ((y[ok] - y[ok].mean()) ** 2).sum()
    return 1 - ((y[ok] - p[ok]) ** 2).sum() / total if total > 0 else np.nan


def plot_phase_progression(fit_set: EmbeddingSet, eval_set: EmbeddingSet,
                           videos: Optional[Sequence[str]] = None, num_videos: int = 4,
                           append_time: bool = False, names: Optional[Sequence[str]] = None,
                           title: Optional[str] = None):
    """Predicted (dashed) and true (solid) progression of each phase over a video's
    frames, for a few eval videos, with the video's phase bar underneath.

    Args:
        fit_set, eval_set: fit (train) and eval split embeddings.
        videos: eval video names; default :func:`pick_videos` (ego and exo alternating).
        num_videos: videos shown when ``videos`` is None.
        append_time: as the progression metric's option (reference, pour_liquid).
        names: phase names (index = label).
        title: figure title.

    Returns:
        matplotlib Figure.
    """
    targets, predictions = predict_progression(fit_set, eval_set, append_time)
    num_classes = targets.shape[1]
    colours = phase_colours(num_classes)
    if videos is None:
        ids = pick_videos(eval_set, num_videos)
    else:
        missing = [v for v in videos if v not in eval_set.video_names]
        if missing:
            raise ValueError(f'eval split has no video {missing[0]!r}')
        ids = [eval_set.video_names.index(v) for v in videos]

    cols = 2 if len(ids) > 1 else 1
    rows = int(np.ceil(len(ids) / cols))
    fig = new_figure(5.2 * cols, 2.8 * rows + 0.8)
    outer = fig.add_gridspec(rows, cols, hspace=0.45, wspace=0.18, left=0.07, right=0.98,
                             bottom=0.75 / fig.get_figheight(),
                             top=1 - 0.7 / fig.get_figheight())
    for n, v in enumerate(ids):
        cell = outer[n // cols, n % cols].subgridspec(2, 1, height_ratios=[1, 0.09],
                                                       hspace=0.06)
        ax = fig.add_subplot(cell[0])
        bar = fig.add_subplot(cell[1], sharex=ax)
        part = eval_set.video_slice(v)
        t = np.arange(part.stop - part.start)
        scores = []
        for c in range(num_classes):
            y, p = targets[part, c], predictions[part, c]
            if np.isnan(y).all():
                continue
            ax.plot(t, y, color=colours[c], lw=1.8)
            ax.plot(t, p, color=colours[c], lw=1.2, ls='--')
            scores.append(_r2(y, p))
        ax.axhline(0, color='0.6', lw=0.6)
        ax.set_ylim(-1.15, 1.05)  # targets lie in (-1, 1]; the same scale in every panel
        ax.tick_params(labelbottom=False, labelsize=8)
        ax.set_ylabel('progression', fontsize=8)
        view = 'ego' if eval_set.video_is_ego[v] else 'exo'
        r2 = np.nanmean(scores) if np.isfinite(scores).any() else np.nan
        ax.set_title(f'{eval_set.video_names[v]} ({view}): R$^2$ on this video {r2:.2f}',
                     fontsize=9)
        draw_phase_bar(bar, eval_set.labels[part], num_classes)
        bar.set_xticks(np.linspace(0, t[-1], 5).round().astype(int))
        bar.tick_params(labelsize=8)
        bar.set_xlabel('frame', fontsize=8)
    handles = [Line2D([], [], color=colours[c], lw=6, label=label)
               for c, label in enumerate(phase_names(num_classes, names))]
    handles += [Line2D([], [], color='0.3', lw=1.8, label='true'),
                Line2D([], [], color='0.3', lw=1.2, ls='--', label='predicted')]
    fig.legend(handles=handles, loc='lower center', ncol=min(len(handles), 8), fontsize=8.5,
               frameon=False)
    fig.suptitle(title or 'Phase progression on eval videos: true (solid) vs predicted '
                 '(dashed), one line per phase', fontsize=10.5)
    return fig
