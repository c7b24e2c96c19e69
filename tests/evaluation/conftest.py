"""Small random ego-exo embeddings for the evaluation tests."""
import numpy as np
import pytest


def make_split(num_videos=8, min_len=12, max_len=30, dim=6, num_classes=3, seed=0,
               noise=1.0, ego_first=True):
    """Frame-level arrays of one split: videos of random length, phases in order
    (every phase present in every video), embeddings = phase centre + noise.

    Returns dict(embeds float32 [F, dim], labels int64, video_ids int64, is_ego bool).
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_classes, dim)) * 2
    embeds, labels, video_ids, is_ego = [], [], [], []
    num_ego = num_videos // 2
    for v in range(num_videos):
        length = int(rng.integers(min_len, max_len + 1))
        cuts = np.sort(rng.choice(np.arange(1, length), num_classes - 1, replace=False))
        lab = np.searchsorted(cuts, np.arange(length), side='right')
        embeds.append(centres[lab] + noise * rng.normal(size=(length, dim)))
        labels.append(lab)
        video_ids.append(np.full(length, v))
        ego = v < num_ego if ego_first else v % 2 == 0
        is_ego.append(np.full(length, ego))
    return dict(embeds=np.concatenate(embeds).astype(np.float32),
                labels=np.concatenate(labels).astype(np.int64),
                video_ids=np.concatenate(video_ids).astype(np.int64),
                is_ego=np.concatenate(is_ego))


@pytest.fixture(scope='session')
def split_maker():
    """The generator itself, for tests that need a split of their own."""
    return make_split


@pytest.fixture(scope='module')
def fit_split():
    return make_split(num_videos=10, seed=1)


@pytest.fixture(scope='module')
def eval_split():
    return make_split(num_videos=6, seed=2)
