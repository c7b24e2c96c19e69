"""Few-shot phase classification (AE2 paper): the SVM of task 1 fit on the frames of k
randomly chosen fit-split videos.

AE2's protocol (AlignEgoExo ``classification_fewshot``; that function crashes as
published, so there are no reference numbers): k in 1, 2, 3, 5, 10, half and all of the
fit videos; episode e of every k draws its videos with ``random.seed(seed + e)`` then
``random.sample(range(num_videos), k)`` (seed 42); 50 episodes per k, 10 for 'half', 1 for
'all'; the result is the mean and the (population) standard deviation of the weighted F1
over episodes. The same draws are reproduced here (``random.Random(seed + e)``).

Beyond the reference: cross-view few-shot (``views`` with 'ego2exo' / 'exo2ego') draws
the k videos among the fit split's videos of the source view and scores the eval split's
frames of the other view. An episode whose frames hold a single class cannot train an
SVM; it predicts that class for every frame (the reference would crash).
"""
import random
import warnings
from typing import Optional, Sequence, Union

import numpy as np
from sklearn.metrics import f1_score

from ._checks import (check_fit_and_eval, check_is_ego, check_same_view_per_video,
                      check_video_ids, check_views, view_masks)
from .ovo_svc import OvoSVC, default_n_jobs, fit_svms

DEFAULT_SHOTS = (1, 2, 3, 5, 10, 'half', 'all')


def reference_episodes(shot: Union[int, str]) -> int:
    """Episodes per shot in AE2's schedule: 1 for 'all', 10 for 'half', else 50."""
    return {'all': 1, 'half': 10}.get(shot, 50)


def episode_videos(num_videos: int, k: int, seed: int) -> list:
    """The positions of the k videos one episode draws (AE2's draw, sorted)."""
    return sorted(random.Random(seed).sample(range(num_videos), k))


def _episode_scores(fit_embeds, fit_labels, episodes, n_jobs, cache_size):
    """Weighted F1 of each episode ``(frames, eval_embeds, eval_labels)``; the SVMs of
    a group of episodes fit together in one pool of threads."""
    scores = [None] * len(episodes)
    trainable = []
    for e, (frames, eval_x, eval_y) in enumerate(episodes):
        classes = np.unique(fit_labels[frames])
        if classes.size < 2:  # no SVM on one class: predict it everywhere
            scores[e] = float(f1_score(eval_y, np.full_like(eval_y, classes[0]),
                                       average='weighted'))
        else:
            trainable.append(e)
    group = max(4, 2 * n_jobs)  # bounds the memory held by fits in flight
    for start in range(0, len(trainable), group):
        chunk = trainable[start:start + group]
        problems = [(OvoSVC(cache_size), episodes[e][0]) for e in chunk]
        for e, model in zip(chunk, fit_svms(fit_embeds, fit_labels, problems, n_jobs)):
            eval_x, eval_y = episodes[e][1], episodes[e][2]
            scores[e] = float(f1_score(eval_y, model.predict(eval_x), average='weighted'))
    return scores


def few_shot_classification(fit_embeds, fit_labels, fit_video_ids, eval_embeds,
                            eval_labels, *, fit_is_ego=None, eval_is_ego=None,
                            shots: Sequence[Union[int, str]] = DEFAULT_SHOTS,
                            episodes: Optional[int] = None, seed: int = 42,
                            views: Sequence[str] = ('regular',), n_jobs: Optional[int] = None,
                            cache_size: float = 200) -> dict:
    """Few-shot weighted F1 of the reference SVM, mean and std over episodes.

    Args:
        fit_embeds, fit_labels, fit_video_ids: the fit split (train): float [F1, E],
            int [F1], int [F1] (a video's frames contiguous, in order).
        eval_embeds, eval_labels: the eval split, float [F2, E], int [F2].
        fit_is_ego, eval_is_ego: bool per frame; needed for cross-view ``views`` only.
        shots: numbers of fit videos; ints, 'half' (int(0.5 * videos)) and 'all'.
            Shots larger than the number of videos are skipped with a warning.
        episodes: episodes per shot; None follows AE2 (50, 10 for 'half', 1 for 'all').
            'all' always has one episode (every draw is the same).
        seed: episode e draws with seed + e.
        views: 'regular' (all videos, all eval frames) and/or 'ego2exo', 'exo2ego'.
        n_jobs: binary SVMs fit at once, in threads; None: one per available CPU.
        cache_size: libsvm kernel cache (MB), speed only.

    Returns:
        dict shot name ('1', ..., 'half', 'all') -> dict with ``num_episodes`` and, per
        view, ``{view}_num_videos``, ``{view}_mean``, ``{view}_std`` and
        ``{view}_episodes`` (the F1 of each episode, in order).
    """
    fit_embeds, fit_labels, eval_embeds, eval_labels = check_fit_and_eval(
        fit_embeds, fit_labels, eval_embeds, eval_labels)
    runs = check_video_ids('fit_video_ids', fit_video_ids, fit_embeds.shape[0])
    views = check_views('views', views)
    if episodes is not None and (not isinstance(episodes, (int, np.integer)) or episodes < 1):
        raise ValueError(f'episodes must be a positive int or None, got {episodes!r}')
    cross = [v for v in views if v != 'regular']
    if cross:
        if fit_is_ego is None or eval_is_ego is None:
            raise ValueError(f'fit_is_ego and eval_is_ego are needed for views {cross}')
        fit_is_ego = check_is_ego('fit_is_ego', fit_is_ego, fit_embeds.shape[0])
        eval_is_ego = check_is_ego('eval_is_ego', eval_is_ego, eval_embeds.shape[0])
        video_is_ego = check_same_view_per_video('fit_is_ego', fit_is_ego, runs)
    for shot in shots:
        if shot not in ('half', 'all') and (not isinstance(shot, (int, np.integer))
                                            or isinstance(shot, bool) or shot < 1):
            raise ValueError(f"shots must hold positive ints, 'half' or 'all', got {shot!r}")

    jobs, keys, plan = [], [], {}
    for view in views:
        if view == 'regular':
            pool = np.arange(runs.ids.size)
            eval_mask = np.ones(eval_embeds.shape[0], dtype=bool)
        else:
            pool = np.flatnonzero(video_is_ego == (view == 'ego2exo'))
            eval_mask = view_masks(eval_is_ego, view, 'eval')
            if pool.size == 0 or not eval_mask.any():
                raise ValueError(f'fit_is_ego/eval_is_ego: {view} needs videos of both '
                                 'views')
        eval_x, eval_y = eval_embeds[eval_mask], eval_labels[eval_mask]
        for shot in shots:
            k = {'half': int(0.5 * pool.size), 'all': pool.size}.get(shot, shot)
            if not 1 <= k <= pool.size:
                warnings.warn(f'few-shot {view}: shot {shot!r} needs {k} videos, the fit '
                              f'split has {pool.size}; skipped')
                continue
            count = 1 if shot == 'all' else (episodes or reference_episodes(shot))
            entry = plan.setdefault(str(shot), dict(num_episodes=count))
            entry[f'{view}_num_videos'] = int(k)
            for episode in range(count):
                chosen = pool[episode_videos(pool.size, k, seed + episode)]
                frames = np.flatnonzero(np.isin(runs.run_of_frame, chosen))
                jobs.append((frames, eval_x, eval_y))
                keys.append((str(shot), view))

    n_jobs = default_n_jobs(6 * len(jobs)) if n_jobs is None else n_jobs
    scores = _episode_scores(fit_embeds, fit_labels, jobs, n_jobs, cache_size)

    result = {shot: dict(info) for shot, info in plan.items()}
    for (shot, view), score in zip(keys, scores):
        result[shot].setdefault(f'{view}_episodes', []).append(score)
    for shot, entry in result.items():
        for view in views:
            values = entry.get(f'{view}_episodes')
            if values is not None:
                entry[f'{view}_mean'] = float(np.mean(values))
                entry[f'{view}_std'] = float(np.std(values))
    return result
