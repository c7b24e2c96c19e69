"""Task 2: frame retrieval (mean average precision at k) on the eval split.

For each query frame, candidates are the frames of other videos (regular) or of other
videos of the other view (cross-view); the k nearest by Euclidean distance are retrieved
and AP = sum_j P@j * rel_j / sum_j rel_j (0 when no retrieved frame shares the query's
label). ego2exo averages the cross-view AP over ego queries, exo2ego over exo queries.

The reference (AlignEgoExo ``evaluation/frame_retrieval.py``) sorts every frame for every
query in a Python loop. Here the queries go in blocks, and nothing is ``F x F``:

1. one float32 matrix product gives a block's ranking scores ``|y|^2 - 2 x.y`` against all
   frames (the query's own ``|x|^2`` does not change its ranking); excluded candidates
   are set to +inf;
2. a bound on each row's k-th smallest score (the k-th smallest minimum over groups of
   64 columns) plus a rigorous bound on float32 rounding error keeps every frame that can
   be among the k nearest, and on continuous data barely more;
3. those few are ranked exactly as scikit-learn's brute force ranks them, by the float64
   squared distance ``|x|^2 + (-2 x.y) + |y|^2``, ties broken by frame index.

Ranking and ties. Among exactly equal distances scikit-learn's order depends on its heap,
its sort and its thread count (it differs between 1 and 2 threads), so it is not
reproducible; here ties are broken by frame index (lower first), deterministically.
"""
from typing import Optional, Sequence

import numpy as np

from byov.structures import EVAL_VIEWS
from ._checks import (check_embeds, check_is_ego, check_labels,
                      check_same_view_per_video, check_video_ids, check_views)

# Elements of one block of float32 scores, 32 MB.
_BLOCK_ELEMENTS = 2 ** 23
# Columns per group when bounding the k-th smallest score (see _candidates).
_GROUP = 64
# Candidate pairs whose exact distance is computed at once.
_PAIR_CHUNK = 2 ** 15
_UNIT_ROUNDOFF = 2.0 ** -24  # float32


def _candidates(scores: np.ndarray, k: int, margin: np.ndarray):
    """(row, column) of every entry that may be among the k smallest of its row of
    ``scores``: those <= (a bound on the row's k-th smallest) + ``margin[row]``.

    The columns are cut into groups of ``_GROUP``; the k-th smallest group minimum is
    >= the row's k-th smallest value (the k smallest group minima are k distinct
    entries), so it bounds the k-th smallest without a partition of the whole row.
    Entries that are +inf (excluded candidates) are never returned.
    """
    rows, cols = scores.shape
    num_groups = cols // _GROUP
    if num_groups <= k:  # small problem: every candidate
        return np.nonzero(np.isfinite(scores))
    group_min = scores[:, :num_groups * _GROUP].reshape(rows, num_groups, _GROUP).min(axis=2)
    if cols > num_groups * _GROUP:
        tail_min = scores[:, num_groups * _GROUP:].min(axis=1, keepdims=True)
        group_min = np.concatenate([group_min, tail_min], axis=1)
    bound = np.partition(group_min, k - 1, axis=1)[:, k - 1].astype(np.float64)
    threshold = (bound + margin).astype(np.float32)
    threshold = np.nextafter(threshold, np.float32(np.inf))  # round up, never down
    threshold = np.minimum(threshold, np.finfo(np.float32).max)  # keep +inf out
    return np.nonzero(scores <= threshold[:, None])


def _top_k(row: np.ndarray, col: np.ndarray, dist: np.ndarray, key: np.ndarray,
           num_rows: int, k: int) -> np.ndarray:
    """Per row, the columns of the k smallest ``dist`` (ties: smaller ``key`` first)
    among candidate entries (row, col); [num_rows, k]. Every row has >= k candidates."""
    order = np.lexsort((key, dist, row))
    counts = np.bincount(row, minlength=num_rows)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    return col[order[first[:, None] + np.arange(k)]]


class _ExactDistance:
    """Float64 squared distances ``|x|^2 + (-2 x.y) + |y|^2`` (clipped at 0), the
    quantity scikit-learn's brute-force search ranks by, for chosen frame pairs."""

    def __init__(self, embeds: np.ndarray):
        self.embeds = embeds
        self.norms = np.empty(embeds.shape[0])
        for start in range(0, embeds.shape[0], _PAIR_CHUNK):
            part = embeds[start:start + _PAIR_CHUNK].astype(np.float64)
            self.norms[start:start + _PAIR_CHUNK] = np.einsum('ij,ij->i', part, part)

    def __call__(self, query: np.ndarray, candidate: np.ndarray) -> np.ndarray:
        out = np.empty(query.size)
        for start in range(0, query.size, _PAIR_CHUNK):
            q = query[start:start + _PAIR_CHUNK]
            c = candidate[start:start + _PAIR_CHUNK]
            dot = np.einsum('ij,ij->i', self.embeds[q].astype(np.float64),
                            self.embeds[c].astype(np.float64))
            out[start:start + _PAIR_CHUNK] = np.maximum(
                self.norms[q] + -2.0 * dot + self.norms[c], 0.0)
        return out


def _average_precision(retrieved: np.ndarray, query_labels: np.ndarray) -> np.ndarray:
    """AP of each row of retrieved labels [Q, k] against the query labels [Q]."""
    relevant = retrieved == query_labels[:, None]
    k = relevant.shape[1]
    precision = np.cumsum(relevant, axis=1) / np.arange(1, k + 1)
    num_relevant = relevant.sum(axis=1)
    total = (precision * relevant).sum(axis=1)
    return np.where(num_relevant > 0, total / np.maximum(num_relevant, 1), 0.0)


def frame_retrieval(embeds, labels, video_ids, is_ego, k: int = 10, *,
                    views: Sequence[str] = EVAL_VIEWS, block_size: Optional[int] = None) -> dict:
    """mAP@k of nearest-neighbour frame retrieval on one split.

    Args:
        embeds: float [F, E] frame embeddings of the eval split.
        labels: int [F] phase labels.
        video_ids: int [F] video of each frame; a video's frames contiguous, in order.
        is_ego: bool [F] True for frames of ego videos (constant within a video).
        k: frames retrieved per query (the protocol uses 10).
        views: which of 'regular', 'ego2exo', 'exo2ego' to compute.
        block_size: queries per block; None picks it so that a block of scores takes
            about 32 MB. The result does not depend on it.

    Returns:
        dict view -> mAP@k in [0, 1].
    """
    embeds = check_embeds('embeds', embeds)
    num_frames = embeds.shape[0]
    labels = check_labels('labels', labels, num_frames)
    runs = check_video_ids('video_ids', video_ids, num_frames)
    is_ego = check_is_ego('is_ego', is_ego, num_frames)
    check_same_view_per_video('is_ego', is_ego, runs)
    views = check_views('views', views)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f'k must be a positive integer, got {k!r}')
    if block_size is not None and block_size < 1:
        raise ValueError(f'block_size must be a positive integer, got {block_size!r}')

    num_ego = int(is_ego.sum())
    cross = [v for v in views if v != 'regular']
    if 'regular' in views and (num_frames - runs.lengths.max()) < k:
        raise ValueError(f'video_ids: a query in the longest video ({runs.lengths.max()} '
                         f'frames) has only {num_frames - runs.lengths.max()} candidate '
                         f'frames in other videos, fewer than k={k}')
    for view in cross:
        other = num_frames - num_ego if view == 'ego2exo' else num_ego
        if other < k:
            target = 'exo' if view == 'ego2exo' else 'ego'
            raise ValueError(f'is_ego: {view} needs at least k={k} {target} frames, the '
                             f'split has {other}')

    # Ego frames first (stable), so a view's frames form one block of columns and a
    # cross-view candidate set is a slice. Videos stay contiguous.
    perm = np.argsort(~is_ego, kind='stable')
    x = embeds[perm]
    x32 = x.astype(np.float32, copy=False)
    lab = labels[perm]
    vid = runs.run_of_frame[perm]
    ego = is_ego[perm]
    exact = _ExactDistance(x)
    if exact.norms.max() > 1e30:
        raise ValueError('embeds: squared norms up to {:.1e} overflow the float32 ranking '
                         'scores; rescale the embeddings'.format(exact.norms.max()))
    sq_norms32 = exact.norms.astype(np.float32)
    # Bound on |float32 score - exact score| per query (Cauchy-Schwarz on x.y, float32
    # inputs, accumulation over E terms and the final additions), doubled for safety; a
    # candidate within 2 bounds of the k-th float32 score may be among the exact k nearest.
    dims = x.shape[1]
    norm = np.sqrt(exact.norms)
    cross_max = norm * norm.max()
    rel = (dims + 4) * _UNIT_ROUNDOFF / (1 - (dims + 4) * _UNIT_ROUNDOFF)
    error = 2 * rel * cross_max + 2 * _UNIT_ROUNDOFF * (exact.norms.max() + 2 * cross_max)
    margin = 2 * 2 * error + 1e-30
    video_start = np.zeros(runs.ids.size, dtype=np.int64)
    video_end = np.zeros(runs.ids.size, dtype=np.int64)
    # position of each video's block in the permuted order
    first_pos = np.flatnonzero(np.r_[True, vid[1:] != vid[:-1]])
    video_start[vid[first_pos]] = first_pos
    video_end[vid[first_pos]] = np.r_[first_pos[1:], num_frames]

    def nearest(scores, query_rows, column_offset):
        """The k nearest columns (absolute, permuted order) of each query row."""
        row, col = _candidates(scores, k, margin[query_rows])
        col = col + column_offset
        dist = exact(query_rows[row], col)
        return _top_k(row, col, dist, perm[col], query_rows.size, k)

    if block_size is None:
        block_size = max(1, min(num_frames, _BLOCK_ELEMENTS // num_frames))
    ap = {view: np.zeros(num_frames) for view in views}
    for start in range(0, num_frames, block_size):
        stop = min(start + block_size, num_frames)
        scores = x32[start:stop] @ x32.T  # ranking scores |y|^2 - 2 x.y, float32
        scores *= -2.0
        scores += sq_norms32[None, :]
        block_rows = np.arange(start, stop)
        query_labels = lab[start:stop]
        for view in cross:
            query_ego = view == 'ego2exo'
            rows = np.flatnonzero(ego[start:stop] == query_ego)
            if rows.size == 0:
                continue
            columns = slice(num_ego, num_frames) if query_ego else slice(0, num_ego)
            found = nearest(scores[rows, columns], block_rows[rows], columns.start)
            ap[view][start + rows] = _average_precision(lab[found], query_labels[rows])
        if 'regular' in views:
            for v in np.unique(vid[start:stop]):
                rows = slice(max(video_start[v], start) - start, min(video_end[v], stop) - start)
                scores[rows, video_start[v]:video_end[v]] = np.inf
            found = nearest(scores, block_rows, 0)
            ap['regular'][start:stop] = _average_precision(lab[found], query_labels)

    result = {}
    for view in views:
        if view == 'regular':
            result[view] = float(ap[view].mean())
        else:
            result[view] = float(ap[view][ego == (view == 'ego2exo')].mean())
    return result
