"""Task 1: action phase classification (weighted F1 of an SVM on frame embeddings).

AE2's protocol (``evaluation/classification.py`` of AlignEgoExo): ``SVC(
decision_function_shape='ovo')`` with scikit-learn's defaults (RBF kernel, C=1,
gamma='scale', no feature scaling), fit on fit-split frames, F1 weighted over classes on
eval-split frames. Regular: all frames on both sides; ego2exo: fit on ego frames, score on
exo frames; exo2ego: the reverse. The reference also scores the training accuracy of every
SVM and discards it; that work is skipped here.
"""
import os
from functools import partial
from typing import Optional, Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.svm import SVC

from ._checks import (VIEWS, check_embeds, check_is_ego, check_labels, check_two_classes,
                      check_views, view_masks)


def rbf_gamma(fit_embeds: np.ndarray) -> float:
    """scikit-learn's ``gamma='scale'``: 1 / (dims * variance of all values, float64)."""
    x = np.asarray(fit_embeds, dtype=np.float64)
    var = x.var()
    return 1.0 / (x.shape[1] * var) if var != 0 else 1.0


class OvoSVC:
    """``SVC(decision_function_shape='ovo')`` with scikit-learn's defaults, fit one class
    pair at a time (pairs can fit in parallel) and predicting with BLAS.

    libsvm trains a multi-class SVC as one binary SVM per pair of classes (i < j, sorted),
    on the frames of class i then of class j, each in their original order, with
    gamma from all the data. Fitting those binary problems with the same rows, order and
    gamma gives the same support vectors and coefficients, bit for bit. Prediction
    evaluates every pair's decision value with one matrix product instead of libsvm's
    per-frame kernel loop, and votes as libsvm does (class i when the value is > 0, the
    first class with most votes wins); the values agree with libsvm's to about 1e-12,
    so a prediction could only differ for a frame that lies on a decision boundary.
    ``tests/evaluation/test_functional.py`` checks predictions equal ``SVC.predict``.
    """

    def __init__(self, cache_size: float = 200):
        self.cache_size = cache_size

    def pair_tasks(self, embeds: np.ndarray, labels: np.ndarray) -> list:
        """Prepare a fit: one (size, task) per class pair; run the tasks (in any order,
        in threads) and pass their results, in order, to :meth:`finish`."""
        x = np.asarray(embeds)  # SVC converts each pair's rows to float64 (exactly)
        self._x = x
        self.classes_ = np.unique(labels)
        self.gamma_ = rbf_gamma(x)
        members = [np.flatnonzero(labels == c) for c in self.classes_]
        self.pairs_ = [(i, j) for i in range(len(members)) for j in range(i + 1, len(members))]

        def fit_pair(i, j):
            rows = np.concatenate([members[i], members[j]])
            side = np.r_[np.zeros(members[i].size), np.ones(members[j].size)]
            svm = SVC(gamma=self.gamma_, cache_size=self.cache_size).fit(x[rows], side)
            # libsvm's own coefficients and intercept (-rho): value > 0 votes for i
            return rows[svm.support_], svm._dual_coef_[0], svm._intercept_[0]

        return [(members[i].size + members[j].size, partial(fit_pair, i, j))
                for i, j in self.pairs_]

    def finish(self, fitted: list) -> 'OvoSVC':
        support = np.unique(np.concatenate([rows for rows, _, _ in fitted]))
        self.support_vectors_ = self._x[support].astype(np.float64)
        del self._x
        self.coef_ = np.zeros((support.size, len(self.pairs_)))  # zero: not an SV of p
        for p, (rows, coef, _) in enumerate(fitted):
            self.coef_[np.searchsorted(support, rows), p] = coef
        self.intercept_ = np.array([b for _, _, b in fitted])
        return self

    def fit(self, embeds: np.ndarray, labels: np.ndarray, n_jobs: int = 1) -> 'OvoSVC':
        fit_svms([(self, embeds, labels)], n_jobs)
        return self

    def decision_values(self, embeds: np.ndarray) -> np.ndarray:
        """libsvm's decision value of every pair, [N, pairs]."""
        x = np.asarray(embeds, dtype=np.float64)
        sv = self.support_vectors_
        sv_norms = np.einsum('ij,ij->i', sv, sv)
        out = np.empty((x.shape[0], len(self.pairs_)))
        block = max(1, 2 ** 22 // max(1, sv.shape[0]))
        for start in range(0, x.shape[0], block):
            xb = x[start:start + block]
            dist = xb @ sv.T
            dist *= -2.0
            dist += np.einsum('ij,ij->i', xb, xb)[:, None]
            dist += sv_norms[None, :]
            np.maximum(dist, 0.0, out=dist)
            dist *= -self.gamma_
            np.exp(dist, out=dist)  # the RBF kernel
            out[start:start + block] = dist @ self.coef_ + self.intercept_
        return out

    def predict(self, embeds: np.ndarray) -> np.ndarray:
        values = self.decision_values(embeds)
        votes = np.zeros((values.shape[0], self.classes_.size), dtype=np.int64)
        for p, (i, j) in enumerate(self.pairs_):
            wins = values[:, p] > 0
            votes[:, i] += wins
            votes[:, j] += ~wins
        return self.classes_[np.argmax(votes, axis=1)]  # first maximum, as libsvm


def fit_svms(problems: Sequence[tuple], n_jobs: int = 1) -> list:
    """Fit several :class:`OvoSVC` ``(model, embeds, labels)`` at once: all their class
    pairs share one pool of ``n_jobs`` threads (libsvm releases the GIL), largest first."""
    tasks, owners = [], []
    for index, (model, embeds, labels) in enumerate(problems):
        for size, task in model.pair_tasks(embeds, labels):
            tasks.append((size, len(tasks), task))
            owners.append(index)
    order = sorted(range(len(tasks)), key=lambda t: -tasks[t][0])
    if n_jobs == 1 or len(tasks) == 1:
        done = [tasks[t][2]() for t in order]
    else:
        done = Parallel(n_jobs=n_jobs, backend='threading')(
            delayed(tasks[t][2])() for t in order)
    results = [None] * len(tasks)
    for t, result in zip(order, done):
        results[t] = result
    for index, (model, _, _) in enumerate(problems):
        model.finish([r for r, owner in zip(results, owners) if owner == index])
    return [model for model, _, _ in problems]


def default_n_jobs(num_tasks: int) -> int:
    """One worker per task, at most one per available CPU."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(num_tasks, cpus))


def phase_classification(fit_embeds, fit_labels, fit_is_ego, eval_embeds, eval_labels,
                         eval_is_ego, *, views: Sequence[str] = VIEWS,
                         n_jobs: Optional[int] = None, cache_size: float = 200) -> dict:
    """Weighted F1 of the reference SVM, regular and cross-view.

    Args:
        fit_embeds: float [F1, E], the fit split's frame embeddings (train).
        fit_labels: int [F1], phase label per frame.
        fit_is_ego: bool [F1], True for frames of ego videos.
        eval_embeds, eval_labels, eval_is_ego: the same for the eval split.
        views: which of 'regular', 'ego2exo', 'exo2ego' to compute (default all three).
        n_jobs: binary SVMs (views x class pairs) fit at once, in threads (libsvm
            releases the GIL). None: one per available CPU. 1: sequential.
        cache_size: libsvm's kernel cache in MB (speed only; default as scikit-learn).

    Returns:
        dict view -> weighted F1 in [0, 1], for the requested views.
    """
    fit_embeds = check_embeds('fit_embeds', fit_embeds)
    eval_embeds = check_embeds('eval_embeds', eval_embeds)
    if fit_embeds.shape[1] != eval_embeds.shape[1]:
        raise ValueError(f'fit_embeds has {fit_embeds.shape[1]} dims but eval_embeds has '
                         f'{eval_embeds.shape[1]}')
    fit_labels = check_labels('fit_labels', fit_labels, fit_embeds.shape[0])
    eval_labels = check_labels('eval_labels', eval_labels, eval_embeds.shape[0])
    fit_is_ego = check_is_ego('fit_is_ego', fit_is_ego, fit_embeds.shape[0])
    eval_is_ego = check_is_ego('eval_is_ego', eval_is_ego, eval_embeds.shape[0])
    views = check_views('views', views)

    problems, eval_sets = [], []
    for view in views:
        fit_mask = view_masks(fit_is_ego, view, 'fit')
        eval_mask = view_masks(eval_is_ego, view, 'eval')
        source, target = ('', '') if view == 'regular' else view.split('2')
        if not fit_mask.any():
            raise ValueError(f'fit_is_ego: the fit split has no {source} frames, needed '
                             f'for {view}')
        if not eval_mask.any():
            raise ValueError(f'eval_is_ego: the eval split has no {target} frames, needed '
                             f'for {view}')
        which = f' ({source} frames, for {view})' if source else ''
        check_two_classes('fit_labels' + which, fit_labels[fit_mask])
        problems.append((OvoSVC(cache_size), fit_embeds[fit_mask], fit_labels[fit_mask]))
        eval_sets.append((eval_embeds[eval_mask], eval_labels[eval_mask]))

    models = fit_svms(problems, default_n_jobs(6 * len(views)) if n_jobs is None else n_jobs)
    return {view: float(f1_score(labels, model.predict(embeds), average='weighted'))
            for view, model, (embeds, labels) in zip(views, models, eval_sets)}
