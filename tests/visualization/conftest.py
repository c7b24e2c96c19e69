"""Fixtures of the visualization tests (helpers in vis_testutils.py)."""
import pytest
from vis_testutils import embedding_set, video_labels


@pytest.fixture(scope='session')
def splits():
    """dict split -> {video name: labels}: train (3 ego, 3 exo), test (2 ego, 2 exo)."""
    return dict(train=video_labels('train', 3, 3, seed=1),
                test=video_labels('test', 2, 2, seed=2))


@pytest.fixture(scope='session')
def sets(splits):
    """dict with 'train', 'test' (a trained-like model) and 'untrained' (test split)."""
    return dict(train=embedding_set(splits['train'], 'train', seed=3),
                test=embedding_set(splits['test'], 'test', seed=4),
                untrained=embedding_set(splits['test'], 'test', seed=5, noise=3.0))
