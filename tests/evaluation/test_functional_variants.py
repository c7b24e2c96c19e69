"""The corrected progression variant, classification with a phase absent from a view,
and the few-shot single-class fallback, each against an implementation written here
(numpy least squares, a weighted F1 counted by hand, scikit-learn's plain SVC)."""
import random

import numpy as np
from sklearn.svm import SVC

from byov.evaluation.functional import (few_shot_classification, phase_classification,
                                        phase_progression)

TOL = 1e-8


def weighted_f1(y_true, y_pred):
    """F1 per label of y_true or y_pred (0 where undefined), weighted by true support."""
    total = 0.0
    for c in np.union1d(y_true, y_pred):
        tp = np.sum((y_pred == c) & (y_true == c))
        predicted, support = np.sum(y_pred == c), np.sum(y_true == c)
        f1 = 2 * tp / (predicted + support) if tp else 0.0
        total += f1 * support
    return total / len(y_true)


def r2(y, pred):
    return 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def union_progression(fit, ev):
    """Corrected progression: classes 0..max over both splits; a class is scored when the
    fit split has rows of it and the eval split at least two; a video holding the class
    gives one row per frame, target (t - last frame of the class) / L; a video without
    it gives none."""
    num_classes = int(max(fit['labels'].max(), ev['labels'].max())) + 1

    def rows(split, c):
        xs, ys = [], []
        for v in np.unique(split['video_ids']):
            keep = split['video_ids'] == v
            lab = split['labels'][keep]
            if c in lab:
                last = np.flatnonzero(lab == c)[-1]
                xs.append(split['embeds'][keep])
                ys.append((np.arange(len(lab)) - last) / len(lab))
        if not xs:
            return np.zeros((0, split['embeds'].shape[1])), np.zeros(0)
        return np.concatenate(xs), np.concatenate(ys)

    scores = []
    for c in range(num_classes):
        fx, fy = rows(fit, c)
        ex, ey = rows(ev, c)
        if len(fy) == 0 or len(ey) < 2:
            continue
        design = np.c_[fx, np.ones(len(fx))]
        coef = np.linalg.lstsq(design, fy, rcond=None)[0]
        scores.append(r2(ey, np.c_[ex, np.ones(len(ex))] @ coef))
    return np.mean(scores), len(scores)


def with_labels(split, labels):
    return dict(split, labels=np.asarray(labels, dtype=np.int64),
                embeds=split['embeds'].astype(np.float64))


def test_corrected_progression_matches_plain_least_squares(split_maker):
    fit = split_maker(num_videos=10, seed=1, num_classes=4)
    ev = split_maker(num_videos=6, seed=2, num_classes=4)
    fit_lab, ev_lab = fit['labels'].copy(), ev['labels'].copy()
    # class 3: one eval frame (its video's frames are the rows); class 4: eval frames
    # only (not scored); class 1 absent from some eval videos, class 0 from one fit video
    last_eval_3 = np.flatnonzero(ev_lab == 3)[-1]
    ev_lab[ev_lab == 3] = 2
    ev_lab[last_eval_3] = 3
    ev_lab[(ev['video_ids'] == 4) & (ev_lab == 2)] = 4
    ev_lab[(ev['video_ids'] < 3) & (ev_lab == 1)] = 2
    fit_lab[(fit['video_ids'] == 0) & (fit_lab == 0)] = 1
    fit, ev = with_labels(fit, fit_lab), with_labels(ev, ev_lab)
    expected, scored = union_progression(fit, ev)
    assert scored == 4  # classes 0 to 3
    ours = phase_progression(fit['embeds'], fit['labels'], fit['video_ids'], ev['embeds'],
                             ev['labels'], ev['video_ids'], num_classes='union')
    assert abs(ours - expected) < TOL
    # an explicit class count is the same class set
    assert abs(phase_progression(fit['embeds'], fit['labels'], fit['video_ids'],
                                 ev['embeds'], ev['labels'], ev['video_ids'],
                                 num_classes=5) - expected) < TOL


def test_classification_with_a_phase_absent_from_a_view(split_maker):
    fit = split_maker(num_videos=10, seed=1)
    ev = split_maker(num_videos=6, seed=2)
    fit_lab, ev_lab = fit['labels'].copy(), ev['labels'].copy()
    fit_lab[fit['is_ego'] & (fit_lab == 2)] = 1   # ego fit frames: no phase 2
    ev_lab[~ev['is_ego'] & (ev_lab == 0)] = 1     # exo eval frames: no phase 0
    ours = phase_classification(fit['embeds'], fit_lab, fit['is_ego'], ev['embeds'], ev_lab,
                                ev['is_ego'], n_jobs=1)
    sides = {'regular': (np.ones_like(fit['is_ego']), np.ones_like(ev['is_ego'])),
             'ego2exo': (fit['is_ego'], ~ev['is_ego']),
             'exo2ego': (~fit['is_ego'], ev['is_ego'])}
    for view, (f, e) in sides.items():
        svm = SVC(decision_function_shape='ovo').fit(fit['embeds'][f], fit_lab[f])
        pred = svm.predict(ev['embeds'][e])
        assert abs(ours[view] - weighted_f1(ev_lab[e], pred)) < 1e-6, view
    # ego2exo: phase 2 is never predicted but is scored (F1 0 on its frames)
    assert 2 in ev_lab[~ev['is_ego']]


def test_few_shot_single_class_episodes_predict_their_class(split_maker):
    fit = split_maker(num_videos=6, seed=3)
    ev = split_maker(num_videos=4, seed=4)
    # every fit video holds one phase: video v holds phase v % 3
    fit_lab = fit['video_ids'] % 3
    out = few_shot_classification(fit['embeds'], fit_lab, fit['video_ids'], ev['embeds'],
                                  ev['labels'], shots=(1, 2), episodes=4, seed=7, n_jobs=1)
    lengths = np.bincount(fit['video_ids'])
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    for shot in (1, 2):
        expected = []
        for e in range(4):
            chosen = random.Random(7 + e).sample(range(6), shot)
            rows = np.concatenate([np.arange(starts[v], starts[v] + lengths[v])
                                   for v in chosen])
            classes = np.unique(fit_lab[rows])
            if classes.size == 1:  # one phase: predicted for every eval frame
                pred = np.full_like(ev['labels'], classes[0])
            else:
                pred = SVC(decision_function_shape='ovo').fit(
                    fit['embeds'][rows], fit_lab[rows]).predict(ev['embeds'])
            expected.append(weighted_f1(ev['labels'], pred))
        assert np.allclose(out[str(shot)]['regular_episodes'], expected, atol=1e-6, rtol=0)
    # every 1-shot episode is a single-class one; the score is that class's share of F1
    one = out['1']['regular_episodes']
    support = np.bincount(ev['labels'], minlength=3) / len(ev['labels'])
    assert all(any(abs(s - 2 * p / (1 + p) * p) < 1e-9 for p in support) for s in one)
