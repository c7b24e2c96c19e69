"""Kendall's tau within groups (Ego-Exo4D: pairs of streams of the same take)."""
import numpy as np
import pytest

from byov.evaluation import EmbeddingSet
from byov.evaluation.functional import (kendalls_tau, kendalls_tau_matrix,
                                        kendalls_tau_summary)
from byov.registry import METRICS


def takes_in_opposite_orders():
    """Two takes of three streams each; take A's keysteps run forward, take B's
    backward, so a stream aligns perfectly with its own take's streams (tau 1) and
    backwards with the other take's (tau -1)."""
    embeds, video_ids, is_ego, names = [], [], [], []
    streams = [(take, cam) for cam in ('aria01', 'cam01', 'cam02') for take in ('A', 'B')]
    streams.sort(key=lambda s: (s[1] != 'aria01', f'{s[0]}/{s[1]}'))  # ego first, by name
    for v, (take, cam) in enumerate(streams):
        length = 20  # equal lengths: frame k matches frame k (A) or 19 - k (B) exactly
        t = np.arange(length) / length
        x = t if take == 'A' else t[::-1]
        embeds.append(np.stack([x, np.zeros(length)], axis=1))
        video_ids.append(np.full(length, v))
        is_ego.append(np.full(length, cam == 'aria01'))
        names.append(f'{take}/{cam}')
    return EmbeddingSet(np.concatenate(embeds).astype(np.float32),
                        np.zeros(sum(len(v) for v in video_ids), dtype=np.int64),
                        np.concatenate(video_ids), np.concatenate(is_ego), names,
                        split='val')


def test_groups_keep_only_same_group_pairs_of_the_full_matrix(eval_split):
    embeds, video_ids = eval_split['embeds'], eval_split['video_ids']
    full = kendalls_tau_matrix(embeds, video_ids, 2)
    groups = ['x', 'y', 'x', 'z', 'y', 'x']  # 6 videos
    grouped = kendalls_tau_matrix(embeds, video_ids, 2, groups=groups)
    same = np.equal.outer(groups, groups) & ~np.eye(6, dtype=bool)
    assert np.array_equal(grouped[same], full[same])  # identical values, not close
    assert np.isnan(grouped[~same]).all()
    summary = kendalls_tau_summary(embeds, video_ids, 2, groups=groups)
    assert summary['pairs'] == 3 * 2 + 2 * 1 == same.sum()
    assert summary['tau'] == pytest.approx(np.nanmean(full[same]), abs=1e-12)
    assert kendalls_tau(embeds, video_ids, 2, groups=groups) == summary['tau']
    # no groups: every pair, as before
    assert kendalls_tau_summary(embeds, video_ids, 2)['pairs'] == 30
    with pytest.raises(ValueError, match='one group id per video'):
        kendalls_tau_summary(embeds, video_ids, 2, groups=groups[:5])
    with pytest.raises(ValueError, match='groups of one video each'):
        kendalls_tau_summary(embeds, video_ids, 2, groups=list('abcdef'))


def test_same_take_pairs_on_takes_in_different_orders():
    es = takes_in_opposite_orders()
    everything = METRICS.build(dict(type='KendallsTauMetric', stride=1)).compute(es)
    same_take = METRICS.build(dict(type='KendallsTauMetric', stride=1, pairs='same_take',
                                   view_breakdown=True)).compute(es)
    # 6 streams: 30 ordered pairs, 12 within a take (tau 1), 18 across (tau -1)
    assert everything['tau'] == pytest.approx((12 - 18) / 30)
    assert 'tau_pairs' not in everything  # AE2's keys unchanged
    assert same_take['tau'] == pytest.approx(1.0) and same_take['tau_pairs'] == 12
    assert same_take['tau_dropped_pairs'] == 0
    assert same_take['tau_ego_ego'] != same_take['tau_ego_ego']  # one ego per take: NaN
    assert same_take['tau_ego_exo'] == pytest.approx(1.0)
    metric = METRICS.build(dict(type='KendallsTauMetric', pairs='same_take'))
    assert metric.protocol()['pairs'] == 'same_take'
    assert 'pairs' not in METRICS.build(dict(type='KendallsTauMetric')).protocol()
    with pytest.raises(ValueError, match="pairs must be one of"):
        METRICS.build(dict(type='KendallsTauMetric', pairs='take'))
