"""Kendall's tau over the pairs that have one: the dropped pairs are counted (against
plain scipy), a warning names them above the threshold, and full collapse is an error."""
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau

from byov.evaluation import EmbeddingSet
from byov.evaluation.functional import kendalls_tau, kendalls_tau_summary
from byov.registry import METRICS


def plain_pairs(split, stride):
    """Every ordered pair's tau with scipy, one pair at a time (as the reference)."""
    videos = [split['embeds'][split['video_ids'] == v][::stride]
              for v in np.unique(split['video_ids'])]
    return np.array([kendalltau(np.arange(len(a)),
                                np.argmin(cdist(a, b, 'sqeuclidean'), 1)).correlation
                     for i, a in enumerate(videos) for j, b in enumerate(videos) if i != j])


def collapse(split, videos):
    """The frames of ``videos`` all get one embedding (a model collapsed on them)."""
    split = dict(split)
    split['embeds'] = split['embeds'].copy()
    for v in videos:
        split['embeds'][split['video_ids'] == v] = split['embeds'][
            split['video_ids'] == v][0]
    return split


def as_set(split):
    return EmbeddingSet(split['embeds'], split['labels'], split['video_ids'],
                        split['is_ego'], split='test')


@pytest.fixture
def warnings_seen():
    """Warnings logged through mmengine's current logger."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    handler = Keep()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_partly_collapsed_model_counts_the_dropped_pairs(eval_split, warnings_seen):
    split = collapse(eval_split, [1])  # 6 videos: 30 pairs, 10 touch video 1
    plain = plain_pairs(split, 2)
    assert np.isnan(plain).sum() == 10  # the premise, checked by scipy
    summary = kendalls_tau_summary(split['embeds'], split['video_ids'], 2)
    assert summary['pairs'] == 30 and summary['dropped_pairs'] == 10
    assert summary['tau'] == pytest.approx(np.nanmean(plain), abs=1e-9)
    assert kendalls_tau(split['embeds'], split['video_ids'], 2) == summary['tau']

    metric = METRICS.build(dict(type='KendallsTauMetric', stride=2))
    out = metric.compute(as_set(split))
    assert out == dict(tau=summary['tau'], tau_dropped_pairs=10)
    assert len(warnings_seen) == 1
    assert '20 of 30 ordered video pairs' in warnings_seen[0]
    assert '10 pairs (33.3%, more than 10%)' in warnings_seen[0]

    # at or under the threshold: counted, not warned
    warnings_seen.clear()
    quiet = METRICS.build(dict(type='KendallsTauMetric', stride=2,
                               warn_dropped_fraction=0.5))
    assert quiet.compute(as_set(split))['tau_dropped_pairs'] == 10
    assert not warnings_seen
    healthy = METRICS.build(dict(type='KendallsTauMetric', stride=2))
    assert healthy.compute(as_set(eval_split))['tau_dropped_pairs'] == 0
    assert not warnings_seen


def test_full_collapse_is_an_error(eval_split):
    split = collapse(eval_split, range(6))
    assert np.isnan(plain_pairs(split, 2)).all()
    with pytest.raises(ValueError, match=r'undefined for all 30 ordered pairs of the 6 '
                                         r'eval videos.*collapsed'):
        kendalls_tau(split['embeds'], split['video_ids'], 2)
    with pytest.raises(ValueError, match='collapsed'):
        METRICS.build(dict(type='KendallsTauMetric', stride=2)).compute(as_set(split))
    one = {k: v[split['video_ids'] == 0] for k, v in eval_split.items()}
    with pytest.raises(ValueError, match='at least 2 videos'):
        kendalls_tau(one['embeds'], one['video_ids'])
    with pytest.raises(ValueError, match='warn_dropped_fraction'):
        METRICS.build(dict(type='KendallsTauMetric', warn_dropped_fraction=2))
