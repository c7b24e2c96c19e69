"""Figure (b): how one ego video aligns with one exo video.

Per model, the Euclidean distance matrix between the ego video's frames (rows) and the
exo video's frames (columns), each row's nearest exo frame (the nearest-neighbour path,
which Kendall's tau scores), and both videos' phase bars along the axes. Dashed lines
mark phase changes, so the blocks where both frames share a phase are visible: a good
embedding keeps the path inside the diagonal blocks and monotone.
"""
from typing import Mapping, Optional, Sequence

import numpy as np
from matplotlib.lines import Line2D

from byov.evaluation.embedding_set import EmbeddingSet
from .style import draw_phase_bar, new_figure, phase_colours, phase_names

_PATH = '#00e5ff'  # the nearest-neighbour path, readable on magma's dark valleys


def pick_video(emb: EmbeddingSet, ego: bool, name: Optional[str] = None) -> int:
    """Index of the video called ``name``, or the first video of the wanted view."""
    if name is not None:
        if name not in emb.video_names:
            raise ValueError(f'{emb.split or "eval"} split has no video {name!r} '
                             f'(videos: {emb.video_names[:6]}...)')
        return emb.video_names.index(name)
    candidates = np.flatnonzero(emb.video_is_ego == ego)
    if candidates.size == 0:
        raise ValueError(f'{emb.split or "eval"} split has no {"ego" if ego else "exo"} video')
    return int(candidates[0])


def alignment_summary(emb: EmbeddingSet, ego_video: int, exo_video: int) -> dict:
    """Distances ``[L_ego, L_exo]``, each ego frame's nearest exo frame, the share of ego
    frames whose nearest exo frame has the same phase, and Kendall's tau of the path."""
    from scipy.stats import kendalltau
    a, b = emb.video_slice(ego_video), emb.video_slice(exo_video)
    x, y = emb.embeds[a].astype(np.float64), emb.embeds[b].astype(np.float64)
    sq = (x * x).sum(1)[:, None] - 2 * x @ y.T + (y * y).sum(1)[None, :]
    dist = np.sqrt(np.maximum(sq, 0))
    nearest = dist.argmin(axis=1)
    match = float(np.mean(emb.labels[a] == emb.labels[b][nearest]))
    tau = kendalltau(np.arange(nearest.size), nearest)[0] if np.ptp(nearest) else np.nan
    return dict(distances=dist, nearest=nearest, phase_match=match, tau=float(tau))


def _ticks(length: int) -> np.ndarray:
    return np.linspace(0, length - 1, 5).round().astype(int)


def _phase_changes(labels: np.ndarray) -> np.ndarray:
    return np.flatnonzero(labels[1:] != labels[:-1]) + 0.5


def plot_alignment(sets: Mapping[str, EmbeddingSet], ego_video: Optional[str] = None,
                   exo_video: Optional[str] = None, names: Optional[Sequence[str]] = None,
                   title: Optional[str] = None):
    """Distance matrix, nearest-neighbour path and phase bars, one panel per model.

    Args:
        sets: panel title -> EmbeddingSet of the same eval split, in panel order.
        ego_video, exo_video: video names; default the first ego and first exo video.
        names: phase names (index = label).
        title: figure title (default names the two videos).

    Returns:
        matplotlib Figure.
    """
    if not sets:
        raise ValueError('plot_alignment needs at least one EmbeddingSet')
    first = next(iter(sets.values()))
    ego_name = first.video_names[pick_video(first, True, ego_video)]
    exo_name = first.video_names[pick_video(first, False, exo_video)]
    num_classes = int(max(s.labels.max() for s in sets.values())) + 1
    colours = phase_colours(num_classes)

    panels = len(sets)
    fig = new_figure(4.4 * panels + 1.2, 5.0)
    ratios = []
    for _ in range(panels):
        ratios += [0.05, 1.0, 0.12]
    grid = fig.add_gridspec(2, 3 * panels + 1, width_ratios=ratios + [0.06],
                            height_ratios=[0.05, 1.0], hspace=0.03, wspace=0.03,
                            left=0.07, right=0.92, bottom=0.19, top=0.84)
    image = None
    for p, (panel, emb) in enumerate(sets.items()):
        i = pick_video(emb, True, ego_name)
        j = pick_video(emb, False, exo_name)
        summary = alignment_summary(emb, i, j)
        dist = summary['distances']
        dist = (dist - dist.min()) / max(np.ptp(dist), 1e-12)  # per panel: models differ
        ego_labels = emb.labels[emb.video_slice(i)]
        exo_labels = emb.labels[emb.video_slice(j)]

        ax = fig.add_subplot(grid[1, 3 * p + 1])
        image = ax.imshow(dist, aspect='auto', cmap='magma', vmin=0, vmax=1,
                          interpolation='nearest')
        for y in _phase_changes(ego_labels):
            ax.axhline(y, color='white', lw=0.8, ls='--', alpha=0.5)
        for x in _phase_changes(exo_labels):
            ax.axvline(x, color='white', lw=0.8, ls='--', alpha=0.5)
        rows = np.arange(summary['nearest'].size)
        ax.plot(summary['nearest'], rows, ls='', color=_PATH, marker='o', markersize=2.5)
        ax.set_yticks([])
        ax.set_xlabel(f'exo frame ({exo_name})', fontsize=9)
        ax.tick_params(labelsize=8)
        tau = 'n/a' if np.isnan(summary['tau']) else f'{summary["tau"]:.2f}'
        ax.set_title(f'{panel}\nsame phase at nearest frame: {summary["phase_match"]:.0%}, '
                     f'path tau {tau}', fontsize=9.5, pad=22)

        ego_bar = fig.add_subplot(grid[1, 3 * p])
        draw_phase_bar(ego_bar, ego_labels, num_classes, vertical=True,
                       label=f'ego frame ({ego_name})')
        ego_bar.set_yticks(_ticks(ego_labels.size))
        ego_bar.tick_params(labelsize=8)
        exo_bar = fig.add_subplot(grid[0, 3 * p + 1])
        draw_phase_bar(exo_bar, exo_labels, num_classes)

    cax = fig.add_subplot(grid[1, -1])
    cbar = fig.colorbar(image, cax=cax)
    cbar.set_label('distance, scaled to [0, 1] per panel\n(dark = close)', fontsize=8)
    cbar.ax.tick_params(labelsize=7)
    handles = [Line2D([], [], marker='s', ls='', color=colours[c], markersize=8, label=n)
               for c, n in enumerate(phase_names(num_classes, names))]
    handles.append(Line2D([], [], ls='', color=_PATH, marker='o', markersize=4,
                          label="each ego frame's nearest exo frame"))
    fig.legend(handles=handles, loc='lower center', ncol=min(len(handles), 7), fontsize=8.5,
               frameon=False)
    fig.suptitle(title or f'Alignment of {ego_name} (ego, rows) and {exo_name} (exo, columns)',
                 fontsize=11)
    return fig
