"""Figure (c): cross-view retrieval examples.

Each row is one query frame followed by its k nearest frames of the *other* view
(Euclidean distance on the eval split, as in the ego2exo / exo2ego retrieval task). A
green frame shares the query's phase, a red one does not.
"""
from typing import Callable, Optional, Sequence

import numpy as np

from byov.evaluation.embedding_set import EmbeddingSet
from .style import VIEW_NAMES, new_figure, phase_names

_MATCH, _MISS = '#1a9850', '#d73027'


def pick_queries(emb: EmbeddingSet, num_queries: int = 4, seed: int = 0) -> np.ndarray:
    """Frame indices of ``num_queries`` queries: views alternate (ego first) and phases
    cycle (query q asks for phase q), each frame drawn at random (``seed``) among the
    frames of that view and phase."""
    rng = np.random.default_rng(seed)
    classes = np.unique(emb.labels)
    queries = []
    for q in range(num_queries):
        ego = q % 2 == 0
        if not (emb.is_ego == ego).any() or not (emb.is_ego != ego).any():
            raise ValueError(f'{emb.split or "eval"} split needs ego and exo frames for '
                             'cross-view retrieval')
        for shift in range(classes.size):  # first phase of the cycle this view has
            phase = classes[(q + shift) % classes.size]
            pool = np.flatnonzero((emb.is_ego == ego) & (emb.labels == phase))
            pool = np.setdiff1d(pool, queries)
            if pool.size:
                break
        queries.append(int(rng.choice(pool)))
    return np.asarray(queries, dtype=np.int64)


def cross_view_neighbours(emb: EmbeddingSet, queries: Sequence[int], k: int = 5):
    """The k nearest other-view frames of each query frame, nearest first.

    Returns:
        (indices [Q, k], distances [Q, k]): frame indices into ``emb``.
    """
    x = emb.embeds.astype(np.float64)
    indices, distances = [], []
    for q in queries:
        candidates = np.flatnonzero(emb.is_ego != emb.is_ego[q])
        if candidates.size < k:
            raise ValueError(f'only {candidates.size} frames of the other view, need k={k}')
        d = np.sqrt(np.maximum(((x[candidates] - x[q]) ** 2).sum(1), 0))
        order = np.argsort(d, kind='stable')[:k]
        indices.append(candidates[order])
        distances.append(d[order])
    return np.asarray(indices), np.asarray(distances)


def _frame_cell(ax, image, colour, text, width=3.0):
    ax.imshow(image, interpolation='nearest')
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(width)
    ax.set_title(text, fontsize=7.5, pad=3)


def plot_retrieval_examples(emb: EmbeddingSet, frames: Callable[[str, int], np.ndarray],
                            num_queries: int = 4, k: int = 5,
                            queries: Optional[Sequence[int]] = None,
                            names: Optional[Sequence[str]] = None, seed: int = 0,
                            title: Optional[str] = None):
    """A grid: each row a query frame and its k nearest frames of the other view.

    Args:
        emb: EmbeddingSet of the eval split.
        frames: ``frames(video_name, frame_index)`` -> uint8 ``[H, W, 3]``, e.g. a
            :class:`~byov.visualization.VideoFrames`.
        num_queries: rows (ignored when ``queries`` is given).
        k: neighbours per query.
        queries: frame indices into ``emb`` of the queries; default :func:`pick_queries`.
        names: phase names (index = label).
        seed: seed of the query choice.
        title: figure title.

    Returns:
        matplotlib Figure.
    """
    queries = pick_queries(emb, num_queries, seed) if queries is None else np.asarray(queries)
    neighbours, distances = cross_view_neighbours(emb, queries, k)
    num_classes = int(emb.labels.max()) + 1
    labels = phase_names(num_classes, names)
    video_of = emb.video_ids
    frame_of = emb.frame_index

    def where(i):
        return emb.video_names[video_of[i]], int(frame_of[i])

    def shown(video, t):  # the video's own frame number (differs under a temporal crop)
        return frames.frame_number(video, t) if hasattr(frames, 'frame_number') else t

    fig = new_figure(1.3 * (k + 1) + 0.4, 1.62 * len(queries) + 0.6)
    grid = fig.add_gridspec(len(queries), k + 2, width_ratios=[1, 0.12] + [1] * k,
                            hspace=0.55, wspace=0.08, left=0.02, right=0.98, bottom=0.02,
                            top=1 - 1.0 / fig.get_figheight())
    for row, (q, found, dist) in enumerate(zip(queries, neighbours, distances)):
        video, t = where(q)
        ax = fig.add_subplot(grid[row, 0])
        _frame_cell(ax, frames(video, t), 'black',
                    f'QUERY ({VIEW_NAMES[bool(emb.is_ego[q])]})\n{video} #{shown(video, t)}\n'
                    f'{labels[emb.labels[q]]}', width=4.0)
        hits = int(np.sum(emb.labels[found] == emb.labels[q]))
        ax.set_ylabel(f'{hits}/{k} same phase', fontsize=8)
        for col, (n, d) in enumerate(zip(found, dist)):
            video, t = where(n)
            same = emb.labels[n] == emb.labels[q]
            ax = fig.add_subplot(grid[row, col + 2])
            _frame_cell(ax, frames(video, t), _MATCH if same else _MISS,
                        f'{col + 1}. {video} #{shown(video, t)}\n'
                        f'{labels[emb.labels[n]]}  d={d:.2f}')
    fig.suptitle(title or f'Cross-view retrieval: query and its {k} nearest frames of the '
                 'other view (green border: same phase, red: other phase)', fontsize=10)
    return fig
