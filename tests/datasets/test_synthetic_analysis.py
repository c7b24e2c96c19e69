"""The synthetic generator is imported only when used; its time-only analysis uses the
library's classifier and label loader."""
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.svm import SVC

CODE = '''
import sys
import byov, byov.datasets, byov.engine, byov.evaluation, byov.models
from byov.utils.setup_env import register_all_modules
register_all_modules(init_default_scope=False)
print(sorted(m for m in sys.modules if m.startswith('byov.datasets.synthetic')))
import byov.datasets as ds
print(ds.synthetic.generate_synthetic_egoexo.__module__)
'''


def test_byov_does_not_import_the_generator_until_used():
    out = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == '[]'
    assert out[1] == 'byov.datasets.synthetic.generate'


def test_time_only_f1_matches_a_plain_svc():
    """The protocol's SVM on t / L, written here with scikit-learn alone."""
    from byov.datasets.synthetic.analysis import time_only_f1

    rng = np.random.default_rng(3)

    def video():
        cuts = np.sort(rng.integers(5, 55, size=3))
        return np.searchsorted(cuts, np.arange(60), side='right')

    fit, evals = [video() for _ in range(6)], [video() for _ in range(4)]

    def features(videos):
        t = np.concatenate([np.arange(len(v)) / len(v) for v in videos])[:, None]
        return t, np.concatenate(videos)

    clf = SVC(decision_function_shape='ovo').fit(*features(fit))
    x, y = features(evals)
    expected = f1_score(y, clf.predict(x), average='weighted')
    scores = time_only_f1(fit, evals)
    assert list(scores) == ['svc', 'tree']
    assert abs(scores['svc'] - expected) < 1e-12
    with pytest.raises(ValueError, match='svc, tree'):
        time_only_f1(fit, evals, classifiers=('knn',))
