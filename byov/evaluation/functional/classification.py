"""Task 1: action phase classification (weighted F1 of an SVM on frame embeddings).

AE2's protocol (``evaluation/classification.py`` of AlignEgoExo): ``SVC(
decision_function_shape='ovo')`` with scikit-learn's defaults (RBF kernel, C=1,
gamma='scale', no feature scaling), fit on fit-split frames, F1 weighted over classes on
eval-split frames. Regular: all frames on both sides; ego2exo: fit on ego frames, score on
exo frames; exo2ego: the reverse. The reference also scores the training accuracy of every
SVM and discards it; that work is skipped here.

The SVMs are fit as libsvm fits them (one binary problem per class pair, same rows, same
order, same gamma), but libsvm is handed each pair's RBF kernel as a precomputed matrix
(assembled from within-class and between-class matrix products) instead of recomputing
256-d distances inside its solver, and one pair's distances serve all three views. See
:class:`~byov.evaluation.functional.ovo_svc.OvoSVC`.
"""
from typing import Optional, Sequence

import numpy as np
from sklearn.metrics import f1_score

from byov.structures import EVAL_VIEWS
from ._checks import (check_fit_and_eval, check_is_ego, check_two_classes, check_views,
                      view_masks)
from .ovo_svc import MAX_KERNEL_MB, OvoSVC, default_n_jobs, fit_svms, predict_svms


def phase_classification(fit_embeds, fit_labels, fit_is_ego, eval_embeds, eval_labels,
                         eval_is_ego, *, views: Sequence[str] = EVAL_VIEWS,
                         n_jobs: Optional[int] = None, cache_size: float = 200,
                         precompute_kernel: Optional[bool] = None,
                         max_kernel_mb: float = MAX_KERNEL_MB,
                         return_predictions: bool = False):
    """Weighted F1 of the reference SVM, regular and cross-view.

    Args:
        fit_embeds: float [F1, E], the fit split's frame embeddings (train).
        fit_labels: int [F1], phase label per frame.
        fit_is_ego: bool [F1], True for frames of ego videos.
        eval_embeds, eval_labels, eval_is_ego: the same for the eval split.
        views: which of 'regular', 'ego2exo', 'exo2ego' to compute (default all three).
        n_jobs: class pairs fit at once, in threads (libsvm and BLAS release the GIL),
            and threads predicting; None: one per available CPU; 1: sequential. With
            more than one, BLAS runs CPUs // n_jobs threads (at least one) while they
            run: a setting of the whole process, restored afterwards.
        cache_size: libsvm's kernel cache in MB (speed only; default as scikit-learn).
        precompute_kernel: give libsvm each class pair's RBF kernel as a matrix (one
            distance matrix per class pair, shared by the views). None: when the matrix
            fits in ``max_kernel_mb``; False: libsvm computes the kernel itself (the
            slower path, identical problem). Speed and memory only.
        max_kernel_mb: largest distance matrix of one class pair (float64 MB); with
            ``n_jobs`` pairs in flight, about 2 x n_jobs such matrices are held, plus
            the within-class distances (shared by the pairs) when they fit in it.

        return_predictions: also return each view's predicted labels.

    Returns:
        dict view -> weighted F1 in [0, 1], for the requested views; with
        ``return_predictions``, (that dict, dict view -> int [eval frames of the view]).
    """
    fit_embeds, fit_labels, eval_embeds, eval_labels = check_fit_and_eval(
        fit_embeds, fit_labels, eval_embeds, eval_labels)
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
        model = OvoSVC(cache_size, precompute_kernel, max_kernel_mb)
        problems.append((model, np.flatnonzero(fit_mask)))
        eval_sets.append((eval_embeds[eval_mask], eval_labels[eval_mask]))

    n_jobs = default_n_jobs(6 * len(views)) if n_jobs is None else n_jobs
    models = fit_svms(fit_embeds, fit_labels, problems, n_jobs, share_kernel=True)
    predicted = predict_svms([(model, embeds) for model, (embeds, _) in
                              zip(models, eval_sets)], n_jobs)
    predictions = dict(zip(views, predicted))
    scores = {view: float(f1_score(labels, predictions[view], average='weighted'))
              for view, (_, labels) in zip(views, eval_sets)}
    return (scores, predictions) if return_predictions else scores
