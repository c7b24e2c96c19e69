"""The four AE2 tasks computed the way AE2's published evaluation code computes them,
written plainly here as the baseline that ``tools/analysis/benchmark_metrics.py
--implementations reference`` times (it is not used by byov itself).

The costs are the reference's: phase classification fits scikit-learn's multi-class
``SVC(decision_function_shape='ovo')`` per view and also scores its training accuracy
(computed and discarded, as the reference does); retrieval sorts every candidate of
every query in a Python loop; progression fits one ``LinearRegression`` per class;
Kendall's tau runs ``cdist`` and ``kendalltau`` per ordered pair of videos.
``tests/evaluation/test_functional.py`` checks byov's functions against the same
protocol; this module only serves the timing comparison.
"""
import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau
from sklearn.linear_model import LinearRegression
from sklearn.metrics import f1_score
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
        svm.score(fit['embeds'][f], fit['labels'][f])  # the reference's training accuracy
        predictions[view] = svm.predict(ev['embeds'][e])
        scores[view] = f1_score(ev['labels'][e], predictions[view], average='weighted')
    return scores, predictions


def retrieval(ev, k=10):
    x, labels, videos, ego = ev['embeds'], ev['labels'], ev['video_ids'], ev['is_ego']
    ap = {'regular': [], 'ego2exo': [], 'exo2ego': []}
    for q in range(len(x)):
        order = np.argsort(np.linalg.norm(x - x[q], axis=1), kind='stable')
        other = videos[order] != videos[q]
        for name, keep in (('regular', other),
                           ('ego2exo' if ego[q] else 'exo2ego', other & (ego[order] != ego[q]))):
            rel = (labels[order[keep][:k]] == labels[q]).astype(float)
            precision = np.cumsum(rel) / np.arange(1, rel.size + 1)
            ap[name].append((precision * rel).sum() / rel.sum() if rel.sum() else 0.0)
    return {name: float(np.mean(values)) for name, values in ap.items()}


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
