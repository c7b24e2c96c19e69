"""Figure (a): a 2-D projection of eval-split frame embeddings, one panel per model.

Colour is the phase, marker the view (circle ego, triangle exo). A view-invariant,
phase-aware embedding shows clusters by colour with both markers mixed inside each; an
embedding that only separates the views shows two clouds by marker.
"""
from typing import Mapping, Optional, Sequence

import numpy as np
from matplotlib.lines import Line2D

from byov.evaluation.embedding_set import EmbeddingSet
from .style import (VIEW_MARKERS, VIEW_NAMES, new_figure, phase_colours, phase_names)

METHODS = ('pca', 'tsne')


def project_2d(embeds: np.ndarray, method: str = 'pca', seed: int = 0):
    """Project ``[F, E]`` embeddings to ``[F, 2]``.

    Returns:
        (points [F, 2], note): note describes the projection ('PCA, 34% of variance').
    """
    if method not in METHODS:
        raise ValueError(f"projection must be one of {METHODS}, got {method!r}")
    x = np.asarray(embeds, dtype=np.float64)
    if x.shape[1] == 1:  # a scalar embedding (the time-only baseline): plot it against 0
        return np.concatenate([x, np.zeros_like(x)], axis=1), '1-D embedding'
    if method == 'pca':
        from sklearn.decomposition import PCA
        pca = PCA(n_components=2, random_state=seed)
        points = pca.fit_transform(x)
        return points, f'PCA, {100 * pca.explained_variance_ratio_.sum():.0f}% of variance'
    from sklearn.manifold import TSNE
    perplexity = float(min(30, max(2, (x.shape[0] - 1) // 3)))
    points = TSNE(n_components=2, init='pca', perplexity=perplexity,
                  random_state=seed).fit_transform(x)
    return points, f't-SNE, perplexity {perplexity:.0f}'


def sample_frames(num_frames: int, max_points: Optional[int], seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``max_points`` frames, drawn without replacement."""
    if max_points is None or num_frames <= max_points:
        return np.arange(num_frames)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(num_frames, size=max_points, replace=False))


def plot_embedding_projection(sets: Mapping[str, EmbeddingSet], method: str = 'pca',
                              names: Optional[Sequence[str]] = None,
                              max_points: Optional[int] = 2000, seed: int = 0,
                              title: Optional[str] = None):
    """One scatter panel per embedding set (e.g. 'untrained' and 'trained').

    Each panel is projected on its own (the models' spaces differ). The same frames are
    drawn in every panel when the sets hold the same frames.

    Args:
        sets: panel title -> EmbeddingSet of the eval split, in panel order.
        method: 'pca' (default) or 'tsne' (scikit-learn; slower).
        names: phase names (index = label).
        max_points: frames drawn per panel at most (a random subset), None for all.
        seed: the subset and t-SNE's seed.
        title: figure title.

    Returns:
        matplotlib Figure.
    """
    if not sets:
        raise ValueError('plot_embedding_projection needs at least one EmbeddingSet')
    num_classes = int(max(s.labels.max() for s in sets.values())) + 1
    colours = phase_colours(num_classes)
    fig = new_figure(4.6 * len(sets) + 1.6, 4.6)
    axes = fig.subplots(1, len(sets), squeeze=False)[0]
    for ax, (panel, emb) in zip(axes, sets.items()):
        keep = sample_frames(emb.num_frames, max_points, seed)
        points, note = project_2d(emb.embeds[keep], method, seed)
        labels, is_ego = emb.labels[keep], emb.is_ego[keep]
        # exo first, then ego, each phase in turn: neither view hides the other entirely
        for ego in (False, True):
            for c in range(num_classes):
                sel = (labels == c) & (is_ego == ego)
                if sel.any():
                    ax.scatter(points[sel, 0], points[sel, 1], s=12, c=[colours[c]],
                               marker=VIEW_MARKERS[ego], alpha=0.65, linewidths=0)
        ax.set_title(f'{panel}\n({note}; {keep.size} of {emb.num_frames} frames)',
                     fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [Line2D([], [], marker='s', ls='', color=colours[c], markersize=8,
                      label=label) for c, label in enumerate(phase_names(num_classes, names))]
    handles += [Line2D([], [], marker=VIEW_MARKERS[ego], ls='', color='0.35', markersize=7,
                       label=VIEW_NAMES[ego]) for ego in (True, False)]
    fig.legend(handles=handles, loc='center right', fontsize=9, frameon=False,
               title='phase / view', title_fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1 - 1.5 / fig.get_figwidth(), 1))
    return fig
