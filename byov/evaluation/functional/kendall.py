"""Task 4: Kendall's tau of nearest-neighbour alignment between videos (eval split).

Every ``stride``-th frame of every video is sampled. For every ordered pair of distinct
videos (i, j), each sampled frame of i is matched to its nearest sampled frame of j
(squared Euclidean; the first one on ties), and tau_ij is Kendall's tau-b between the
frame order 0, 1, ... and the matched indices. NaN values (a constant match sequence,
or a video with fewer than two sampled frames) are dropped and the rest averaged, as the
reference does; :func:`kendalls_tau_summary` also says how many pairs were dropped, and
no pair left (full collapse) is an error rather than NaN.

``groups`` (one id per video) restricts the pairs to videos of the same group: on
Ego-Exo4D only streams of the same take show the same keysteps in the same order, so
tau compares a take's ego and exo streams and nothing else. Without it (AE2) every
ordered pair counts.

The reference (AlignEgoExo ``evaluation/kendalls_tau.py``) calls ``cdist`` and
``scipy.stats.kendalltau`` once per pair. Here one ``cdist`` per query video covers all
candidates (the same arithmetic, so the same nearest neighbours), and tau-b is computed
for all its pairs at once from the signs of index differences, with the formula scipy
uses: ``(concordant - discordant) / sqrt(n0 - n1) / sqrt(n0 - n2)`` (x has no ties, n1=0).
"""
import numpy as np
from scipy.spatial.distance import cdist

from ._checks import (check_embeds, check_is_ego, check_same_view_per_video,
                      check_video_ids)

BREAKDOWN = ('ego_ego', 'exo_exo', 'ego_exo', 'exo_ego')
# sign tensors of at most this many entries at a time
_SIGN_ELEMENTS = 2 ** 22


def _tau_b_against_order(matches: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of arange(n) against each row of ``matches`` [P, n]; NaN where a
    row is constant or n < 2 (as scipy)."""
    num_rows, n = matches.shape
    if n < 2:
        return np.full(num_rows, np.nan)
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    total = n * (n - 1) // 2
    con_minus_dis = np.empty(num_rows, dtype=np.int64)
    y_ties = np.empty(num_rows, dtype=np.int64)
    chunk = max(1, _SIGN_ELEMENTS // (n * n))
    for start in range(0, num_rows, chunk):
        y = matches[start:start + chunk]
        sign = np.sign(y[:, None, :] - y[:, :, None])  # [p, a, b] = sign(y_b - y_a)
        sign = sign[:, upper]                          # pairs a < b
        con_minus_dis[start:start + chunk] = sign.sum(axis=1)
        y_ties[start:start + chunk] = (sign == 0).sum(axis=1)
    with np.errstate(divide='ignore', invalid='ignore'):
        tau = con_minus_dis / np.sqrt(total) / np.sqrt(total - y_ties)
    tau = np.minimum(1.0, np.maximum(-1.0, tau))
    tau[y_ties == total] = np.nan
    return tau


def _video_groups(groups, num_videos: int) -> np.ndarray:
    """Per-video group ids (any hashable values) as int64 [V], numbered by first
    appearance."""
    groups = list(groups) if not isinstance(groups, np.ndarray) else groups.tolist()
    if len(groups) != num_videos:
        raise ValueError(f'groups must hold one group id per video ({num_videos} videos, in '
                         f'order of appearance), got {len(groups)}')
    number = {}
    return np.array([number.setdefault(g, len(number)) for g in groups], dtype=np.int64)


def kendalls_tau_matrix(embeds, video_ids, stride: int = 5, *, groups=None) -> np.ndarray:
    """tau[i, j] for every ordered pair of videos, in order of appearance; NaN on the
    diagonal and where tau is undefined. With ``groups`` (one id per video), only pairs
    within a group are computed (the others are NaN too)."""
    embeds = check_embeds('embeds', embeds)
    runs = check_video_ids('video_ids', video_ids, embeds.shape[0])
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f'stride must be a positive integer, got {stride!r}')
    if groups is not None:
        group_of_video = _video_groups(groups, runs.ids.size)
        taus = np.full((runs.ids.size, runs.ids.size), np.nan)
        for g in np.unique(group_of_video):
            members = np.flatnonzero(group_of_video == g)
            if members.size < 2:
                continue
            frames = np.isin(runs.run_of_frame, members)
            # nearest neighbours are searched within the target video only, so a group's
            # own matrix holds the same values as the full one
            taus[np.ix_(members, members)] = kendalls_tau_matrix(
                embeds[frames], runs.run_of_frame[frames], stride)
        return taus
    sampled = runs.frame_index % stride == 0
    feats = embeds[sampled]
    owner = runs.run_of_frame[sampled]
    counts = np.bincount(owner, minlength=runs.ids.size)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    num_videos = runs.ids.size
    # Gather index [V, max_count] into one row of distances, padded with a column of inf
    # (past the end), so that one argmin finds every video's nearest frame.
    width = int(counts.max())
    pad = feats.shape[0]
    gather = np.full((num_videos, width), pad, dtype=np.int64)
    within = np.arange(width)
    valid = within[None, :] < counts[:, None]
    gather[valid] = (starts[:, None] + within[None, :])[valid]

    taus = np.full((num_videos, num_videos), np.nan)
    rows_per_chunk = max(1, _SIGN_ELEMENTS // gather.size)
    for i in range(num_videos):
        matches = np.empty((num_videos, counts[i]), dtype=np.int64)  # nearest frame in j
        for start in range(0, counts[i], rows_per_chunk):
            query = feats[starts[i] + start:starts[i] + min(start + rows_per_chunk, counts[i])]
            dist = cdist(query, feats, 'sqeuclidean')
            dist = np.concatenate([dist, np.full((dist.shape[0], 1), np.inf)], axis=1)
            matches[:, start:start + query.shape[0]] = dist[:, gather].argmin(axis=2).T
        others = np.arange(num_videos) != i
        taus[i, others] = _tau_b_against_order(matches[others])
    return taus


def kendalls_tau_summary(embeds, video_ids, stride: int = 5, *, is_ego=None,
                         groups=None) -> dict:
    """Mean Kendall's tau over ordered pairs of distinct videos, with what was left out.

    Args:
        embeds: float [F, E] eval-split frame embeddings.
        video_ids: int [F] video of each frame (contiguous, in temporal order).
        stride: sample every ``stride``-th frame of each video, from its first.
        is_ego: bool [F]; given, the result also holds ``breakdown``: the mean over
            ego->ego, exo->exo, ego->exo and exo->ego pairs (query view first), NaN where
            a pair kind has no defined tau.
        groups: one group id per video (in order of appearance; e.g. the take of each
            Ego-Exo4D stream); given, only ordered pairs of videos of the same group
            count. None: every pair (AE2).

    Returns:
        dict(tau, pairs, dropped_pairs[, breakdown]): ``pairs`` ordered pairs in all,
        ``dropped_pairs`` of them with no defined tau (left out of the mean).

    Raises:
        ValueError: fewer than two videos (with ``groups``: no group of two), or no pair
        with a defined tau (collapse).
    """
    taus = kendalls_tau_matrix(embeds, video_ids, stride, groups=groups)
    num_videos = taus.shape[0]
    if num_videos < 2:
        raise ValueError(f"Kendall's tau needs at least 2 videos in the eval split, got "
                         f'{num_videos}')
    off_diagonal = ~np.eye(num_videos, dtype=bool)
    what = 'ordered pairs'
    if groups is not None:
        group_of_video = _video_groups(groups, num_videos)
        off_diagonal &= group_of_video[:, None] == group_of_video[None, :]
        what = 'ordered same-group pairs'
        if not off_diagonal.any():
            raise ValueError(f"Kendall's tau within groups needs a group of at least 2 "
                             f'videos; the {num_videos} eval videos are in '
                             f'{np.unique(group_of_video).size} groups of one video each')
    values = taus[off_diagonal]
    dropped = int(np.isnan(values).sum())
    if dropped == values.size:
        raise ValueError(
            f"Kendall's tau is undefined for all {values.size} {what} of the "
            f'{num_videos} eval videos: in each pair the query video\'s sampled frames '
            'all match the same frame of the other video, or a video has fewer than 2 '
            f'frames at stride {stride}. The embeddings have collapsed (e.g. constant '
            "per video); there is no tau to report (AE2's code would print NaN).")
    summary = dict(tau=_nan_mean(values), pairs=int(values.size), dropped_pairs=dropped)
    if is_ego is not None:
        num_frames = np.asarray(embeds).shape[0]
        runs = check_video_ids('video_ids', video_ids, num_frames)
        is_ego = check_is_ego('is_ego', is_ego, num_frames)
        video_is_ego = check_same_view_per_video('is_ego', is_ego, runs)
        breakdown = {}
        for name in BREAKDOWN:
            query_ego, target_ego = (part == 'ego' for part in name.split('_'))
            pick = (video_is_ego[:, None] == query_ego) & (video_is_ego[None, :] == target_ego)
            breakdown[name] = _nan_mean(taus[pick & off_diagonal])
        summary['breakdown'] = breakdown
    return summary


def kendalls_tau(embeds, video_ids, stride: int = 5, *, is_ego=None,
                 return_breakdown: bool = False, groups=None):
    """Mean Kendall's tau over ordered pairs of distinct videos (ego and exo mixed; with
    ``groups``, of the same group); see :func:`kendalls_tau_summary` for the arguments
    and errors.

    Returns:
        float tau, or (tau, breakdown dict) with ``return_breakdown`` (needs ``is_ego``).
    """
    if return_breakdown and is_ego is None:
        raise ValueError('is_ego is needed for return_breakdown=True')
    summary = kendalls_tau_summary(embeds, video_ids, stride,
                                   is_ego=is_ego if return_breakdown else None,
                                   groups=groups)
    if not return_breakdown:
        return summary['tau']
    return summary['tau'], summary['breakdown']


def _nan_mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(np.mean(values)) if values.size else float('nan')
