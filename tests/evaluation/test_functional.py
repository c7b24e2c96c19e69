"""Each evaluation function against a plain, loop-by-loop implementation of the protocol
(docs/evaluation_protocol.md) on small random data, to 1e-6; and bad inputs."""
import random

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau
from sklearn.linear_model import LinearRegression
from sklearn.metrics import f1_score
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import SVC

from byov.evaluation.functional import (few_shot_classification, frame_retrieval,
                                        kendalls_tau, phase_classification,
                                        phase_progression)
from byov.evaluation.functional import kendall as kendall_module
from byov.evaluation.functional import retrieval as retrieval_module
from byov.evaluation.functional.ovo_svc import OvoSVC
from byov.evaluation.functional.retrieval import _candidates, _top_k

TOL = 1e-6


# ---------------------------------------------------------------- plain implementations
def plain_svm_f1(fx, fy, ex, ey):
    svm = SVC(decision_function_shape='ovo').fit(fx, fy)
    return f1_score(ey, svm.predict(ex), average='weighted')


def plain_classification(fit, ev):
    out = {'regular': plain_svm_f1(fit['embeds'], fit['labels'], ev['embeds'], ev['labels'])}
    for name, src in (('ego2exo', True), ('exo2ego', False)):
        f = fit['is_ego'] == src
        e = ev['is_ego'] != src
        out[name] = plain_svm_f1(fit['embeds'][f], fit['labels'][f], ev['embeds'][e],
                                 ev['labels'][e])
    return out


def plain_retrieval(split, k=10, use_sklearn=False):
    """One query at a time; every frame sorted by distance (stable: ties by index), or
    by scikit-learn's NearestNeighbors as the reference does."""
    x, lab, vid, ego = split['embeds'], split['labels'], split['video_ids'], split['is_ego']
    n = len(x)
    if use_sklearn:  # all queries in one call: the same ranking when nothing ties
        sklearn_order = NearestNeighbors(n_neighbors=n).fit(x).kneighbors(x)[1]
    sums = {'regular': [], 'ego2exo': [], 'exo2ego': []}
    for q in range(n):
        if use_sklearn:
            order = sklearn_order[q]
        else:
            d = np.sqrt(((x.astype(np.float64) - x[q]) ** 2).sum(1))
            order = np.argsort(d, kind='stable')
        for view in ('regular', 'cross'):
            keep = vid[order] != vid[q]
            if view == 'cross':
                keep &= ego[order] != ego[q]
            name = 'regular' if view == 'regular' else ('ego2exo' if ego[q] else 'exo2ego')
            top = order[keep][:k]
            rel = [lab[j] == lab[q] for j in top]
            precision = [sum(rel[:i + 1]) / (i + 1) for i in range(k)]
            num = sum(rel)
            sums[name].append(sum(p * r for p, r in zip(precision, rel)) / num if num else 0.)
    return {key: float(np.mean(v)) for key, v in sums.items()}


def plain_progression(fit, ev, append_time=False):
    def per_video(split):
        out = []
        for v in np.unique(split['video_ids']):
            m = split['video_ids'] == v
            out.append((split['embeds'][m], split['labels'][m]))
        return out

    def build(videos):
        num_classes = max(int(lab.max()) for _, lab in videos) + 1
        xs, ys = [], []
        for emb, lab in videos:
            length = len(lab)
            if append_time:
                emb = np.concatenate([emb, np.arange(length).reshape(-1, 1) * 1e-3], 1)
            cols = []
            for c in range(num_classes):
                if c not in lab:
                    cols.append(-1 * np.ones(length))
                else:
                    last = np.argwhere(lab == c)[-1, 0]
                    cols.append((np.arange(float(length)) - last) / length)
            xs.append(emb)
            ys.append(np.stack(cols, 1))
        return np.concatenate(xs), np.concatenate(ys)

    fx, fy = build(per_video(fit))
    ex, ey = build(per_video(ev))
    scores = []
    for c in range(fy.shape[1]):
        f = np.where(fy[:, c] != -1)[0]
        e = np.where(ey[:, c] != -1)[0]
        reg = LinearRegression().fit(fx[f], fy[f, c])
        scores.append(reg.score(ex[e], ey[e, c]))
    return np.mean(scores)


def plain_kendall(split, stride=5):
    videos = [split['embeds'][split['video_ids'] == v] for v in np.unique(split['video_ids'])]
    taus = []
    for i in range(len(videos)):
        for j in range(len(videos)):
            if i == j:
                continue
            nns = np.argmin(cdist(videos[i][::stride], videos[j][::stride], 'sqeuclidean'), 1)
            taus.append(kendalltau(np.arange(len(nns)), nns).correlation)
    taus = np.array(taus)
    return np.mean(taus[~np.isnan(taus)])


# ---------------------------------------------------------------- classification
@pytest.mark.parametrize('classes', [(0, 1), (2, 0, 1), (0, 2, 5, 3, 1)])
def test_ovo_svc_equals_sklearn_svc(classes):
    # overlapping classes (many support vectors), first-seen class not the smallest
    rng = np.random.default_rng(len(classes))
    labels = np.array(classes)[rng.integers(0, len(classes), 400)]
    embeds = (rng.normal(size=(400, 5)) + 0.7 * labels[:, None]).astype(np.float32)
    test = (rng.normal(size=(300, 5)) + 0.7 * rng.integers(0, 6, 300)[:, None]).astype(
        np.float32)
    svc = SVC(decision_function_shape='ovo').fit(embeds, labels)
    ours = OvoSVC().fit(embeds, labels, n_jobs=2)
    assert ours.gamma_ == svc._gamma
    # the same support vectors, coefficients and intercepts, bit for bit
    by_row = np.argsort(svc.support_)
    assert np.array_equal(ours.support_vectors_, svc.support_vectors_[by_row])
    sv_class = np.searchsorted(svc.classes_, labels[svc.support_])
    expected = np.zeros_like(ours.coef_)
    for p, (i, j) in enumerate(ours.pairs_):
        expected[sv_class == i, p] = svc._dual_coef_[j - 1, sv_class == i]
        expected[sv_class == j, p] = svc._dual_coef_[i, sv_class == j]
    assert np.array_equal(ours.coef_, expected[by_row])
    assert np.array_equal(ours.intercept_, svc._intercept_)
    assert np.array_equal(ours.predict(test), svc.predict(test))
    if len(classes) > 2:  # libsvm's own pairwise decision values
        assert np.allclose(ours.decision_values(test), svc.decision_function(test), atol=1e-9)


def test_classification_matches_plain_svm(fit_split, eval_split):
    args = [fit_split[k] for k in ('embeds', 'labels', 'is_ego')] + \
           [eval_split[k] for k in ('embeds', 'labels', 'is_ego')]
    ours = phase_classification(*args)
    plain = plain_classification(fit_split, eval_split)
    assert set(ours) == {'regular', 'ego2exo', 'exo2ego'}
    for key in plain:
        assert abs(ours[key] - plain[key]) < TOL
        assert 0 <= ours[key] <= 1
    assert phase_classification(*args, n_jobs=1) == ours
    assert phase_classification(*args, views=['exo2ego']) == {'exo2ego': ours['exo2ego']}


def test_classification_kernel_paths_give_libsvm_predictions(split_maker, monkeypatch):
    """Precomputed kernels (one distance matrix per class pair, shared by the views),
    libsvm's own RBF kernel, and the fallback for pairs over max_kernel_mb: the same
    predictions as one plain multi-class SVC per view."""
    fit = split_maker(num_videos=10, min_len=30, max_len=60, dim=8, num_classes=4,
                      noise=1.5, seed=3, ego_first=False)
    ev = split_maker(num_videos=6, min_len=30, max_len=60, dim=8, num_classes=4, noise=1.5,
                     seed=4)
    args = [fit[k] for k in ('embeds', 'labels', 'is_ego')] + \
           [ev[k] for k in ('embeds', 'labels', 'is_ego')]
    plain = {}
    for view, (f, e) in {'regular': (fit['is_ego'] | True, ev['is_ego'] | True),
                         'ego2exo': (fit['is_ego'], ~ev['is_ego']),
                         'exo2ego': (~fit['is_ego'], ev['is_ego'])}.items():
        svc = SVC(decision_function_shape='ovo').fit(fit['embeds'][f], fit['labels'][f])
        plain[view] = svc.predict(ev['embeds'][e])
    import mmengine.logging

    from byov.evaluation.functional import _libsvm
    logged = []  # what reaches mmengine's logger (its handlers vary with the test order)
    monkeypatch.setattr(_libsvm, '_logged', set())
    monkeypatch.setattr(mmengine.logging, 'print_log', lambda msg, **kw: logged.append(msg))
    runs = dict(kernel=dict(precompute_kernel=True), rbf=dict(precompute_kernel=False),
                too_big=dict(max_kernel_mb=1e-3), sequential=dict(n_jobs=1))
    for name, options in runs.items():
        scores, predictions = phase_classification(*args, return_predictions=True,
                                                   **options)
        for view in plain:
            assert np.array_equal(predictions[view], plain[view]), (name, view)
            assert scores[view] == f1_score(ev['labels'][view_frames(ev, view)],
                                            plain[view], average='weighted')
    assert any('libsvm computes its RBF kernel itself' in m for m in logged), logged


def test_class_blocks_assemble_the_pair_distances():
    """A pair's matrix from the class blocks equals the direct one (both float64 dot
    products, summed in other orders) and is exactly symmetric with a zero diagonal."""
    from byov.evaluation.functional.ovo_svc import ClassDistances, squared_distances
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 7)).astype(np.float32)
    rows = {0: np.sort(rng.choice(300, 130, replace=False))}
    rows[1] = np.setdiff1d(np.arange(300), rows[0])[:141]  # 130 + 141: not tile multiples
    blocks = ClassDistances(x, rows)
    got = blocks.pair(0, 1, np.empty((271, 271)))
    direct = squared_distances(x[np.concatenate([rows[0], rows[1]])].astype(np.float64))
    assert np.allclose(got, direct, rtol=0, atol=1e-12 * np.abs(direct).max())
    assert np.array_equal(got, got.T) and not got.diagonal().any()
    independent = ((x[np.concatenate([rows[0], rows[1]])].astype(np.float64)[:, None]
                    - x[np.concatenate([rows[0], rows[1]])].astype(np.float64)[None]) ** 2
                   ).sum(-1)
    assert np.allclose(got, independent, atol=1e-9)


@pytest.mark.parametrize('views', [('regular', 'ego2exo', 'exo2ego'), ('ego2exo', 'exo2ego')])
def test_class_blocks_are_used_and_give_libsvm_predictions(split_maker, monkeypatch, views):
    """Every class pair of the three views is assembled from the class blocks. Without
    the regular view and with ego frames lacking a class, some pairs need fewer rows
    than the blocks hold: those compute their own distances. Predictions equal one
    plain multi-class SVC per view either way."""
    from byov.evaluation.functional import ovo_svc
    fit = split_maker(num_videos=10, min_len=30, max_len=60, dim=8, num_classes=4,
                      noise=1.5, seed=5, ego_first=False)
    ev = split_maker(num_videos=6, min_len=30, max_len=60, dim=8, num_classes=4, noise=1.5,
                     seed=6)
    if 'regular' not in views:  # ego videos lose their last phase
        keep = ~(fit['is_ego'] & (fit['labels'] == 3))
        fit = {k: v[keep] for k, v in fit.items()}
    calls = []
    pair = ovo_svc.ClassDistances.pair
    monkeypatch.setattr(ovo_svc.ClassDistances, 'pair',
                        lambda self, a, b, out: calls.append((a, b)) or pair(self, a, b, out))
    args = [fit[k] for k in ('embeds', 'labels', 'is_ego')] + \
           [ev[k] for k in ('embeds', 'labels', 'is_ego')]
    _, predictions = phase_classification(*args, views=views, return_predictions=True)
    expected_calls = 6 if 'regular' in views else 3  # (0|1|2, 3) lack ego frames of 3
    assert len(calls) == expected_calls, calls
    for view in views:
        f = {'regular': np.ones_like(fit['is_ego']), 'ego2exo': fit['is_ego'],
             'exo2ego': ~fit['is_ego']}[view]
        svc = SVC(decision_function_shape='ovo').fit(fit['embeds'][f], fit['labels'][f])
        assert np.array_equal(predictions[view],
                              svc.predict(ev['embeds'][view_frames(ev, view)])), view


def test_class_blocks_only_where_a_class_is_shared(split_maker, monkeypatch):
    """Ego frames of phases 0-1 only, exo frames of phases 2-3 only: the cross-view
    problems have one pair each and share no class, so no class blocks are built."""
    from byov.evaluation.functional import ovo_svc
    fit = split_maker(num_videos=8, min_len=30, max_len=50, dim=6, num_classes=4,
                      noise=1.5, seed=7, ego_first=False)
    ev = split_maker(num_videos=4, min_len=30, max_len=50, dim=6, num_classes=4, noise=1.5,
                     seed=8)
    keep = np.where(fit['is_ego'], fit['labels'] < 2, fit['labels'] >= 2)
    fit = {k: v[keep] for k, v in fit.items()}
    built = []
    init = ovo_svc.ClassDistances.__init__
    monkeypatch.setattr(ovo_svc.ClassDistances, '__init__',
                        lambda self, x, rows: built.append(sorted(rows)) or init(self, x, rows))
    args = [fit[k] for k in ('embeds', 'labels', 'is_ego')] + \
           [ev[k] for k in ('embeds', 'labels', 'is_ego')]
    views = ('ego2exo', 'exo2ego')
    _, predictions = phase_classification(*args, views=views, return_predictions=True)
    assert built == []
    _, with_regular = phase_classification(*args, return_predictions=True)
    assert built == [[0, 1, 2, 3]]  # the regular view's pairs share every class
    for view in views:
        f = fit['is_ego'] if view == 'ego2exo' else ~fit['is_ego']
        svc = SVC(decision_function_shape='ovo').fit(fit['embeds'][f], fit['labels'][f])
        expected = svc.predict(ev['embeds'][view_frames(ev, view)])
        assert np.array_equal(predictions[view], expected), view
        assert np.array_equal(with_regular[view], expected), view


def test_worker_blas_limits_sets_and_restores_blas_threads():
    from threadpoolctl import threadpool_info, threadpool_limits

    from byov.evaluation.functional.ovo_svc import worker_blas_limits

    def blas_threads():
        return [m['num_threads'] for m in threadpool_info() if m['user_api'] == 'blas']

    outer = threadpool_limits(limits=2, user_api='blas')  # a setting other than 1
    try:
        before = blas_threads()
        assert max(before) == 2  # so that a missed restore shows
        with worker_blas_limits(64):
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == before
        with worker_blas_limits(1):  # one worker: BLAS's own setting
            assert blas_threads() == before
    finally:
        outer.restore_original_limits()


def test_worker_blas_limits_overlapping_contexts(monkeypatch):
    """Overlapping contexts (A enters, B enters, A leaves, B leaves, as two threads'
    evaluations could): the limit holds until the last one leaves, then the setting
    from before the first is back. BLAS is faked to record the process setting."""
    from byov.evaluation.functional import ovo_svc
    setting = {'threads': 2}

    class FakeLimits:
        def __init__(self, limits, user_api):
            self.saved, setting['threads'] = setting['threads'], limits

        def restore_original_limits(self):
            setting['threads'] = self.saved

    monkeypatch.setattr(ovo_svc, 'threadpool_limits', FakeLimits)
    a, b = ovo_svc.worker_blas_limits(64), ovo_svc.worker_blas_limits(64)
    a.__enter__()
    b.__enter__()
    assert setting['threads'] == 1
    a.__exit__(None, None, None)
    assert setting['threads'] == 1  # B still runs
    b.__exit__(None, None, None)
    assert setting['threads'] == 2


@pytest.mark.parametrize('shape', [(1, 1), (5, 300), (257, 129), (128, 256)])
def test_copy_transposed(shape):
    from byov.evaluation.functional.ovo_svc import _copy_transposed
    src = np.random.default_rng(0).normal(size=shape)
    dst = np.empty(shape[::-1])
    _copy_transposed(src, dst)
    assert np.array_equal(dst, src.T)


@pytest.mark.parametrize('positions', [np.r_[0:10, 20:30], np.r_[3:7],
                                       np.r_[0:5, 8:9, 10:12, 30:40, 45:50],
                                       np.r_[1, 4, 9, 16, 25, 36]])
def test_kernel_gather_equals_fancy_indexing(positions):
    from byov.evaluation.functional.ovo_svc import _gather
    matrix = np.random.default_rng(0).normal(size=(50, 50))
    out = np.empty((positions.size, positions.size))
    _gather(matrix, positions, out)
    assert np.array_equal(out, matrix[np.ix_(positions, positions)])


def view_frames(split, view):
    return {'regular': np.ones_like(split['is_ego']), 'ego2exo': ~split['is_ego'],
            'exo2ego': split['is_ego']}[view]


def test_classification_bad_inputs(fit_split, eval_split):
    fx, fy, fe = (fit_split[k] for k in ('embeds', 'labels', 'is_ego'))
    ex, ey, ee = (eval_split[k] for k in ('embeds', 'labels', 'is_ego'))
    bad = fx.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match='fit_embeds.*NaN'):
        phase_classification(bad, fy, fe, ex, ey, ee)
    with pytest.raises(ValueError, match='eval_labels'):
        phase_classification(fx, fy, fe, ex, ey[:-1], ee)
    with pytest.raises(ValueError, match='fit_labels.*only class 0'):
        phase_classification(fx, np.zeros_like(fy), fe, ex, ey, ee)
    with pytest.raises(ValueError, match='eval_is_ego.*no ego'):
        phase_classification(fx, fy, fe, ex, ey, np.zeros_like(ee))
    with pytest.raises(ValueError, match='views'):
        phase_classification(fx, fy, fe, ex, ey, ee, views=['ego2ego'])


# ---------------------------------------------------------------- retrieval
def test_retrieval_matches_plain_loop_and_sklearn(eval_split):
    args = [eval_split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego')]
    ours = frame_retrieval(*args, k=10)
    plain = plain_retrieval(eval_split)
    reference_like = plain_retrieval(eval_split, use_sklearn=True)
    for key in plain:
        assert abs(ours[key] - plain[key]) < TOL
        assert abs(ours[key] - reference_like[key]) < TOL
    ours3 = frame_retrieval(*args, k=3, views=['regular'])
    assert abs(ours3['regular'] - plain_retrieval(eval_split, k=3)['regular']) < TOL


def test_retrieval_block_size_and_interleaved_views(split_maker):
    # views interleaved video by video, enough frames for the grouped top-k path
    split = split_maker(num_videos=9, min_len=60, max_len=120, seed=5, ego_first=False)
    args = [split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego')]
    small = frame_retrieval(*args, block_size=7)
    large = frame_retrieval(*args, block_size=1000)
    assert small == large
    plain = plain_retrieval(split)
    for key in plain:
        assert abs(small[key] - plain[key]) < TOL


def test_retrieval_ties_are_broken_by_frame_index(split_maker):
    # integer embeddings: many exactly equal distances
    split = split_maker(num_videos=6, min_len=40, max_len=80, seed=3, ego_first=False)
    split['embeds'] = np.round(split['embeds']).astype(np.float32)
    args = [split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego')]
    ours = frame_retrieval(*args, block_size=13)
    plain = plain_retrieval(split)  # stable argsort: ties by index
    for key in plain:
        assert abs(ours[key] - plain[key]) < TOL


def test_grouped_candidates_hold_the_exact_top_k():
    rng = np.random.default_rng(0)
    dist = np.round(rng.random((5, 1000)) * 50).astype(np.float32)  # ties everywhere
    dist[:, :300] = np.inf
    key = rng.permutation(1000)
    full = np.lexsort((np.broadcast_to(key, dist.shape), dist), axis=1)[:, :10]
    row, col = _candidates(dist, 10, np.zeros(5))
    assert np.isfinite(dist[row, col]).all() and len(row) < 5 * 700
    assert np.array_equal(_top_k(row, col, dist[row, col], key[col], 5, 10), full)


def test_retrieval_float32_scores_with_near_ties(split_maker, monkeypatch):
    # video 3 holds near-copies of video 1's frames (other labels): their distances to a
    # query differ below float32 resolution, so the exact float64 re-ranking decides,
    # as the reference's float64 ranking does
    split = split_maker(num_videos=6, min_len=110, max_len=130, dim=4, seed=6)
    x = split['embeds'].astype(np.float64) * 1000
    one, three = (np.flatnonzero(split['video_ids'] == v) for v in (1, 3))
    n = min(one.size, three.size)
    x[three[:n]] = x[one[:n]] + 1e-4 * np.random.default_rng(1).normal(size=(n, 4))
    split['embeds'] = x  # float64 input, rounded to float32 only for the scores
    split['labels'][three[:n]] = (split['labels'][one[:n]] + 1) % 3
    args = [split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego')]
    ours = frame_retrieval(*args, block_size=50)
    plain = plain_retrieval(split)
    for key in plain:
        assert abs(ours[key] - plain[key]) < TOL
    # the test is sharp: ranking by float32 scores alone gives other numbers
    rounded = lambda self, q, c: (self.norms[c] - 2 * np.einsum(  # noqa: E731
        'ij,ij->i', self.embeds[q], self.embeds[c])).astype(np.float32)
    monkeypatch.setattr(retrieval_module._ExactDistance, '__call__', rounded)
    monkeypatch.setattr(retrieval_module, '_candidates', lambda s, k, m: np.nonzero(
        np.isfinite(s)))
    float32_only = frame_retrieval(*args, block_size=50)
    assert any(abs(float32_only[key] - plain[key]) > 1e-4 for key in plain)


def test_retrieval_bad_inputs(eval_split):
    x, y, v, e = (eval_split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego'))
    with pytest.raises(ValueError, match='video_ids.*not contiguous'):
        frame_retrieval(x, y, np.r_[v[1:], v[:1]], e)
    with pytest.raises(ValueError, match='is_ego.*no|is_ego.*needs'):
        frame_retrieval(x, y, v, np.ones_like(e))
    assert set(frame_retrieval(x, y, v, np.ones_like(e), views=['regular'])) == {'regular'}
    with pytest.raises(ValueError, match='is_ego changes within video'):
        mixed = e.copy()
        mixed[1] = not mixed[1]
        frame_retrieval(x, y, v, mixed)
    with pytest.raises(ValueError, match='k must be'):
        frame_retrieval(x, y, v, e, k=0)
    with pytest.raises(ValueError, match='embeds.*inf'):
        bad = x.copy()
        bad[0, 0] = np.inf
        frame_retrieval(bad, y, v, e)


# ---------------------------------------------------------------- progression
@pytest.mark.parametrize('append_time', [False, True])
def test_progression_matches_plain_reference(fit_split, eval_split, append_time):
    ours = phase_progression(fit_split['embeds'], fit_split['labels'], fit_split['video_ids'],
                             eval_split['embeds'], eval_split['labels'],
                             eval_split['video_ids'], append_time=append_time)
    assert abs(ours - plain_progression(fit_split, eval_split, append_time)) < TOL


def test_progression_variants(fit_split, eval_split):
    fx, fy, fv = (fit_split[k] for k in ('embeds', 'labels', 'video_ids'))
    ex, ey, ev = (eval_split[k] for k in ('embeds', 'labels', 'video_ids'))
    reference = phase_progression(fx, fy, fv, ex, ey, ev)
    # all classes in both splits: the corrected class set is the same
    assert phase_progression(fx, fy, fv, ex, ey, ev, num_classes='union') == reference
    assert phase_progression(fx, fy, fv, ex, ey, ev, num_classes=3) == reference
    # eval split without the top class: the reference fails, the corrected one scores 0, 1
    ey_low = np.minimum(ey, 1)
    with pytest.raises(ValueError, match="eval_labels.*class 2.*num_classes='union'"):
        phase_progression(fx, fy, fv, ex, ey_low, ev)
    corrected = phase_progression(fx, fy, fv, ex, ey_low, ev, num_classes='union')
    assert np.isfinite(corrected)
    with pytest.raises(ValueError, match='num_classes'):
        phase_progression(fx, fy, fv, ex, ey, ev, num_classes='all')
    with pytest.raises(ValueError, match='fit_video_ids.*contiguous'):
        phase_progression(fx, fy, np.r_[fv[5:], fv[:5]], ex, ey, ev)
    with pytest.raises(ValueError, match='fit_embeds has 6 dims but eval_embeds has 5'):
        phase_progression(fx, fy, fv, ex[:, :5], ey, ev)


# ---------------------------------------------------------------- kendall's tau
@pytest.mark.parametrize('stride', [1, 5])
def test_kendall_matches_plain_scipy(eval_split, stride, monkeypatch):
    ours = kendalls_tau(eval_split['embeds'], eval_split['video_ids'], stride=stride)
    assert abs(ours - plain_kendall(eval_split, stride)) < TOL
    monkeypatch.setattr(kendall_module, '_SIGN_ELEMENTS', 50)  # many small chunks
    assert kendalls_tau(eval_split['embeds'], eval_split['video_ids'], stride=stride) == ours


def test_kendall_ties_nan_and_breakdown(split_maker):
    # coarse integer embeddings: tied matches, some constant sequences (NaN tau)
    split = split_maker(num_videos=6, min_len=12, max_len=25, dim=2, seed=4, noise=0.2)
    split['embeds'] = np.round(split['embeds'] / 3).astype(np.float32)
    ours, parts = kendalls_tau(split['embeds'], split['video_ids'], stride=2,
                               is_ego=split['is_ego'], return_breakdown=True)
    assert abs(ours - plain_kendall(split, 2)) < TOL
    assert set(parts) == {'ego_ego', 'exo_exo', 'ego_exo', 'exo_ego'}
    ego = [split['embeds'][split['video_ids'] == v] for v in range(3)]
    exo = [split['embeds'][split['video_ids'] == v] for v in range(3, 6)]
    taus = [kendalltau(np.arange(len(n)), n).correlation for n in (
        np.argmin(cdist(a[::2], b[::2], 'sqeuclidean'), 1) for a in ego for b in exo)]
    assert abs(parts['ego_exo'] - np.nanmean(taus)) < TOL
    with pytest.raises(ValueError, match='is_ego'):
        kendalls_tau(split['embeds'], split['video_ids'], return_breakdown=True)
    with pytest.raises(ValueError, match='stride'):
        kendalls_tau(split['embeds'], split['video_ids'], stride=0)


# ---------------------------------------------------------------- few-shot
def test_few_shot_matches_plain_episodes(fit_split, eval_split):
    fx, fy, fv = (fit_split[k] for k in ('embeds', 'labels', 'video_ids'))
    ex, ey = eval_split['embeds'], eval_split['labels']
    ours = few_shot_classification(fx, fy, fv, ex, ey, shots=(2, 'half', 'all'), episodes=3)
    assert set(ours) == {'2', 'half', 'all'}
    lengths = np.bincount(fv)
    for shot, k, episodes in (('2', 2, 3), ('half', 5, 3), ('all', 10, 1)):
        f1s = []
        for e in range(episodes):
            random.seed(42 + e)  # AE2's select_frame_indices
            chosen = random.sample(range(len(lengths)), k)
            mask = np.zeros(len(fy), dtype=int)
            for idx in chosen:
                start = sum(lengths[:idx])
                mask[start:start + lengths[idx]] = 1
            idx1 = np.where(mask == 1)[0]
            f1s.append(plain_svm_f1(fx[idx1], fy[idx1], ex, ey))
        assert ours[shot]['num_episodes'] == episodes
        assert ours[shot]['regular_num_videos'] == k
        assert np.allclose(ours[shot]['regular_episodes'], f1s, atol=TOL, rtol=0)
        assert abs(ours[shot]['regular_mean'] - np.mean(f1s)) < TOL
        assert abs(ours[shot]['regular_std'] - np.std(f1s)) < TOL


def test_few_shot_cross_view_and_bad_inputs(fit_split, eval_split):
    fx, fy, fv, fe = (fit_split[k] for k in ('embeds', 'labels', 'video_ids', 'is_ego'))
    ex, ey, ee = (eval_split[k] for k in ('embeds', 'labels', 'is_ego'))
    with pytest.warns(UserWarning, match='shot 20 needs 20 videos'):
        out = few_shot_classification(fx, fy, fv, ex, ey, fit_is_ego=fe, eval_is_ego=ee,
                                      shots=(1, 20), episodes=2, views=('ego2exo',), n_jobs=1)
    assert set(out) == {'1'}  # 20 > 5 ego videos: skipped (with a warning)
    assert out['1']['ego2exo_num_videos'] == 1 and len(out['1']['ego2exo_episodes']) == 2
    with pytest.raises(ValueError, match='fit_is_ego and eval_is_ego'):
        few_shot_classification(fx, fy, fv, ex, ey, views=('exo2ego',))
    with pytest.raises(ValueError, match='shots'):
        few_shot_classification(fx, fy, fv, ex, ey, shots=(0,))
