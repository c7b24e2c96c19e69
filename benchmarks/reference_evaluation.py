"""The four AE2 tasks computed the way AE2's published evaluation code computes them,
written plainly here as the baseline that ``tools/analysis/benchmark_metrics.py
--implementations reference`` times (it is not used by byov itself).

The costs are the reference's: phase classification fits scikit-learn's multi-class
``SVC(decision_function_shape='ovo')`` per view and also scores its training and eval
accuracy (computed and discarded, as the reference does); retrieval ranks every frame
for every query with ``NearestNeighbors.kneighbors`` and filters the candidates in
Python, once for the regular and once for the cross-view numbers; progression fits
one ``LinearRegression`` per class;
Kendall's tau runs ``cdist`` and ``kendalltau`` per ordered pair of videos.
``tests/evaluation/test_functional.py`` checks byov's functions against the same
protocol; this module only serves the timing comparison.
"""
import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau
from sklearn.linear_model import LinearRegression
from sklearn.metrics import f1_score
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import SVC

VIEW_MASKS = {  # view -> (fit frames, eval frames) as functions of is_ego
    'regular': (lambda ego: np.ones_like(ego), lambda ego: np.ones_like(ego)),
    'ego2exo': (lambda ego: ego, lambda ego: ~ego),
    'exo2ego': (lambda ego: ~ego, lambda ego: ego),
}


def classification(fit, ev):
    """Returns (dict view -> weighted F1, dict view -> predicted labels)."""
    scores, predictions = {}, {}
    for view, (fit_mask, eval_mask) in VIEW_MASKS.items():
        f, e = fit_mask(fit['is_ego']), eval_mask(ev['is_ego'])
        svm = SVC(decision_function_shape='ovo').fit(fit['embeds'][f], fit['labels'][f])
        # the reference's training and eval accuracies (computed, then discarded)
        svm.score(fit['embeds'][f], fit['labels'][f])
        svm.score(ev['embeds'][e], ev['labels'][e])
        predictions[view] = svm.predict(ev['embeds'][e])
        scores[view] = f1_score(ev['labels'][e], predictions[view], average='weighted')
    return scores, predictions


def _retrieval_pass(ev, cross_view, k):
    """One pass of the reference: every frame ranked for every query by
    ``NearestNeighbors.kneighbors``, candidates filtered in Python."""
    x, labels = ev['embeds'], ev['labels']
    frame_info = {f: (int(v), bool(e)) for f, (v, e) in
                  enumerate(zip(ev['video_ids'], ev['is_ego']))}
    ranker = NearestNeighbors(n_neighbors=len(x)).fit(x)
    sums = {True: 0.0, False: 0.0}
    counts = {True: 0, False: 0}
    for q in range(len(x)):
        order = ranker.kneighbors([x[q]])[1][0]
        video, ego = frame_info[q]
        if cross_view:
            kept = [j for j in order if frame_info[j][0] != video and frame_info[j][1] != ego]
        else:
            kept = [j for j in order if frame_info[j][0] != video]
        rel = (labels[kept[:k]] == labels[q]).astype(float)
        precision = np.cumsum(rel) / np.arange(1, k + 1)
        key = ego if cross_view else True
        sums[key] += (precision * rel).sum() / rel.sum() if rel.sum() else 0.0
        counts[key] += 1
    return {key: sums[key] / counts[key] for key in sums if counts[key]}


def retrieval(ev, k=10):
    regular = _retrieval_pass(ev, False, k)[True]
    cross = _retrieval_pass(ev, True, k)
    return {'regular': regular, 'ego2exo': cross[True], 'exo2ego': cross[False]}


def _progression_targets(split):
    num_classes = int(split['labels'].max()) + 1
    xs, ys = [], []
    for v in np.unique(split['video_ids']):
        m = split['video_ids'] == v
        lab, length = split['labels'][m], int(m.sum())
        cols = []
        for c in range(num_classes):
            if c in lab:
                cols.append((np.arange(length) - np.flatnonzero(lab == c)[-1]) / length)
            else:
                cols.append(-np.ones(length))
        xs.append(split['embeds'][m])
        ys.append(np.stack(cols, 1))
    return np.concatenate(xs), np.concatenate(ys)


def progression(fit, ev):
    fx, fy = _progression_targets(fit)
    ex, ey = _progression_targets(ev)
    scores = []
    for c in range(fy.shape[1]):
        f, e = fy[:, c] != -1, ey[:, c] != -1
        scores.append(LinearRegression().fit(fx[f], fy[f, c]).score(ex[e], ey[e, c]))
    return float(np.mean(scores))


def kendall(ev, stride=5):
    videos = [ev['embeds'][ev['video_ids'] == v][::stride] for v in np.unique(ev['video_ids'])]
    taus = []
    for i, a in enumerate(videos):
        for j, b in enumerate(videos):
            if i != j:
                nearest = np.argmin(cdist(a, b, 'sqeuclidean'), axis=1)
                taus.append(kendalltau(np.arange(len(nearest)), nearest).correlation)
    taus = np.asarray(taus)
    return float(np.mean(taus[~np.isnan(taus)]))
