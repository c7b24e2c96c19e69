"""OvoSVC relies on how scikit-learn lays out libsvm's one-vs-one fit; these tests fail
if a scikit-learn release changes that layout (then the runtime guard in
byov/evaluation/functional/_libsvm.py must fall back to a plain SVC), and check the
fallback itself."""
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.svm import SVC

from byov.evaluation.functional import _libsvm, phase_classification
from byov.evaluation.functional.ovo_svc import OvoSVC


def three_classes(seed=0, n=300):
    rng = np.random.default_rng(seed)
    labels = np.array([2, 0, 1])[rng.integers(0, 3, n)]  # first-seen class not the smallest
    embeds = (rng.normal(size=(n, 4)) + 0.8 * labels[:, None]).astype(np.float32)
    return embeds, labels


def test_installed_sklearn_is_a_checked_version():
    first, last = (_libsvm._version(v) for v in _libsvm.TESTED_SKLEARN)
    assert first <= _libsvm._version(sklearn.__version__) < last, (
        f'scikit-learn {sklearn.__version__} was not checked: if the tests of this file '
        'pass, widen TESTED_SKLEARN in byov/evaluation/functional/_libsvm.py')
    assert _libsvm._layout_holds()
    assert _libsvm.libsvm_layout_ok()


@pytest.mark.parametrize('precompute', [False, True])
def test_pairs_reproduce_the_multiclass_svc_private_layout(precompute):
    """Each binary fit, read through the public attributes, is the multi-class SVC's
    own pair: its rows of `_dual_coef_` and its `_intercept_` (libsvm's layout)."""
    embeds, labels = three_classes()
    svc = SVC(decision_function_shape='ovo').fit(embeds, labels)
    ours = OvoSVC(precompute_kernel=precompute).fit(embeds, labels)
    assert not ours.plain_
    sv_class = np.searchsorted(svc.classes_, labels[svc.support_])
    by_row = np.argsort(svc.support_)
    expected = np.zeros((svc.support_.size, len(ours.pairs_)))
    for p, (i, j) in enumerate(ours.pairs_):
        expected[sv_class == i, p] = svc._dual_coef_[j - 1, sv_class == i]
        expected[sv_class == j, p] = svc._dual_coef_[i, sv_class == j]
    assert np.array_equal(ours.support_vectors_, svc.support_vectors_[by_row])
    if precompute:  # the same problem, a kernel rounded differently: to rounding
        assert np.allclose(ours.coef_, expected[by_row], rtol=0, atol=1e-9)
        assert np.allclose(ours.intercept_, svc._intercept_, rtol=0, atol=1e-9)
    else:  # libsvm's own kernel: bit for bit
        assert np.array_equal(ours.coef_, expected[by_row])
        assert np.array_equal(ours.intercept_, svc._intercept_)
    test, _ = three_classes(seed=1)
    assert np.array_equal(ours.predict(test), svc.predict(test))
    assert np.allclose(ours.decision_values(test), svc.decision_function(test), atol=1e-8)


@pytest.fixture
def layout_changed(monkeypatch):
    """Pretend scikit-learn changed its layout (the version guard's outcome)."""
    original = _libsvm.TESTED_SKLEARN
    _libsvm.libsvm_layout_ok.cache_clear()
    monkeypatch.setattr(_libsvm, 'TESTED_SKLEARN', ('0.1', '0.2'))
    yield original
    _libsvm.libsvm_layout_ok.cache_clear()


def test_fallback_to_plain_svc_when_the_layout_is_unknown(layout_changed, fit_split,
                                                          eval_split, monkeypatch):
    embeds, labels = three_classes()
    with pytest.warns(UserWarning, match='outside the versions it was checked with'):
        ours = OvoSVC().fit(embeds, labels)
    assert ours.plain_
    svc = SVC(decision_function_shape='ovo').fit(embeds, labels)
    test, _ = three_classes(seed=1)
    assert np.array_equal(ours.predict(test), svc.predict(test))
    args = [fit_split[k] for k in ('embeds', 'labels', 'is_ego')] + \
           [eval_split[k] for k in ('embeds', 'labels', 'is_ego')]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # warned once per process, above
        plain = phase_classification(*args)
    _libsvm.libsvm_layout_ok.cache_clear()
    monkeypatch.setattr(_libsvm, 'TESTED_SKLEARN', layout_changed)
    assert phase_classification(*args) == plain
