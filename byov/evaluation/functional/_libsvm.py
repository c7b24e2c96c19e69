"""What :class:`~byov.evaluation.functional.ovo_svc.OvoSVC` relies on in
scikit-learn's libsvm wrapper, checked once per process.

OvoSVC fits libsvm's one-vs-one problems itself, one binary ``SVC`` per class pair, and
reads each fit back through the public ``support_``, ``dual_coef_`` and ``intercept_``.
Two conventions of scikit-learn make that the multi-class SVC's own problem and answer:
a binary SVC's ``dual_coef_`` and ``intercept_`` are libsvm's negated (so that a positive
decision means ``classes_[1]``), and ``kernel='precomputed'`` reads the matrix it is given.
These are checked on a tiny problem the first time OvoSVC is used, on a scikit-learn
version in :data:`TESTED_SKLEARN`; otherwise OvoSVC falls back to a plain
``SVC(decision_function_shape='ovo')`` (the reference, slower) with a warning.
``tests/evaluation/test_libsvm_layout.py`` compares every pair with the multi-class SVC's
private ``_dual_coef_`` / ``_intercept_`` layout and fails if scikit-learn changes it.
"""
import warnings
from functools import lru_cache

import numpy as np

#: scikit-learn versions [first, last) whose layout OvoSVC was checked against
TESTED_SKLEARN = ('1.3', '2.0')


def _version(text: str) -> tuple:
    parts = []
    for piece in text.split('.')[:2]:
        digits = ''.join(c for c in piece if c.isdigit()) or '0'
        parts.append(int(digits))
    return tuple(parts)


def _layout_holds() -> bool:
    """A binary SVC's public coefficients, negated, give libsvm's decision value (> 0:
    the first class), for the RBF and the precomputed kernel alike."""
    from sklearn.svm import SVC
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    side = (x[:, 0] + 0.5 * rng.normal(size=40) > 0).astype(float)
    gamma = 0.3
    dists = ((x[:, None] - x[None]) ** 2).sum(-1)
    kernel = np.exp(-gamma * dists)
    rbf = SVC(gamma=gamma).fit(x, side)
    pre = SVC(kernel='precomputed').fit(kernel, side)
    for svm in (rbf, pre):
        mine = -(kernel[:, svm.support_] @ svm.dual_coef_[0]) - svm.intercept_[0]
        if not np.allclose(mine, -svm.decision_function(kernel if svm is pre else x),
                           atol=1e-9):
            return False
        if not np.array_equal(np.where(mine > 0, 0.0, 1.0), svm.predict(
                kernel if svm is pre else x)):
            return False
    return np.array_equal(rbf.support_, pre.support_) and np.allclose(
        rbf.dual_coef_, pre.dual_coef_, atol=1e-9)


@lru_cache(maxsize=None)
def libsvm_layout_ok() -> bool:
    """True when OvoSVC's fast path may be used with the installed scikit-learn."""
    import sklearn
    first, last = (_version(v) for v in TESTED_SKLEARN)
    version = _version(sklearn.__version__)
    if not first <= version < last:
        reason = (f'scikit-learn {sklearn.__version__} is outside the versions it was '
                  f'checked with ({TESTED_SKLEARN[0]} <= version < {TESTED_SKLEARN[1]})')
    elif not _layout_holds():
        reason = (f'scikit-learn {sklearn.__version__} no longer stores a binary SVC\'s '
                  'coefficients as libsvm negated')
    else:
        return True
    warnings.warn(f'phase classification: {reason}; fitting plain '
                  "SVC(decision_function_shape='ovo') instead (same results, slower). "
                  'Run tests/evaluation/test_libsvm_layout.py and update TESTED_SKLEARN in '
                  'byov/evaluation/functional/_libsvm.py if it passes.')
    return False


_logged = set()


def log_once(message: str) -> None:
    """Print ``message`` to the current mmengine logger, once per process."""
    if message not in _logged:
        _logged.add(message)
        from mmengine.logging import print_log
        print_log(message, logger='current')
