"""The Ego-Exo4D split index: labels of a hand-made take, the cache, the damage report."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from egoexo4d_fixtures import MAPPING, make_root, write_features

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d import index as index_mod
from byov.datasets.egoexo4d.generate import DAMAGE_KINDS, write_egoexo4d_root
from byov.datasets.integrity import DatasetProblemsError
from byov.registry import DATASETS

BACKGROUND = len(MAPPING)  # C


def hand_labels(duration, segments):
    """Labels of a take's steps computed here, independently of byov.timing: windows of
    32 frames every 16 at 30 fps, the last one ending at the take's end when the stride
    does not divide; a step takes the segment containing its centre that starts last."""
    frames = round(duration * 30)
    starts = list(range(0, frames - 32 + 1, 16))
    if starts[-1] + 32 < frames:
        starts.append(frames - 32)
    centres = [(s + 16) / 30 for s in starts]
    out = []
    for c in centres:
        inside = [(s, u) for s, e, u in segments if s <= c < e]
        u = max(inside)[1] if inside else None
        out.append(MAPPING.get(u, BACKGROUND))
    return np.array(out), np.array(centres)


TAKE = dict(uid='t-1', name='omelet_1', duration=5.0, scenario='Cooking an Omelet',
            # uid 101 is not in the mapping; [3.25, 4.8) overlaps it and starts later
            segments=[(0.5, 2.0, 100), (2.0, 3.5, 101), (3.25, 4.8, 102)])


def test_labels_of_a_hand_made_take(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, [TAKE])
    index = index_mod.build_split_index(root, 'train')
    assert index.problems == []
    expected, centres = hand_labels(TAKE['duration'], TAKE['segments'])
    assert len(expected) == 9  # 150 frames: 8 regular windows and a back-padded one
    assert sorted(s.cam_id for s in index.streams) == ['aria01', 'cam01']
    for stream in index.streams:
        assert stream.num_steps == 9 and stream.width == 4
        np.testing.assert_array_equal(stream.labels, expected)
        assert stream.labels.dtype == np.int16
    # background class present (gap, unmapped keystep) and both mapped classes
    assert set(expected.tolist()) == {0, 1, BACKGROUND}
    ds = DATASETS.build(dict(type='EgoExo4DKeystepDataset', data_root=root, split='train',
                             cache_dir=str(tmp_path / 'cache')))
    info = ds.get_data_info(0)
    assert info['video_name'] == 'omelet_1/aria01' and info['view'] == 'aria01'
    np.testing.assert_allclose(info['frame_times'], centres)
    assert info['frame_times'].dtype == np.float64 and info['gt_labels'].dtype == np.int64


def count_header_reads(monkeypatch):
    calls = []
    real = index_mod.read_feature_header

    def counting(path):
        calls.append(path)
        return real(path)
    monkeypatch.setattr(index_mod, 'read_feature_header', counting)
    return calls


def test_cache_is_reused_and_rebuilt_when_an_input_changes(tmp_path, monkeypatch):
    root, cache = str(tmp_path / 'root'), str(tmp_path / 'cache')
    make_root(root, [TAKE, dict(TAKE, uid='t-2', name='omelet_2')])
    calls = count_header_reads(monkeypatch)
    cfg = dict(type='EgoExo4DKeystepDataset', data_root=root, split='train', cache_dir=cache)
    first = DATASETS.build(cfg)
    assert len(calls) == 4  # two takes, two cameras
    second = DATASETS.build(cfg)
    assert len(calls) == 4  # loaded from the cache: no header read
    assert [first.get_data_info(i)['video_name'] for i in range(len(first))] == \
        [second.get_data_info(i)['video_name'] for i in range(len(second))]
    np.testing.assert_array_equal(first.get_data_info(1)['gt_labels'],
                                  second.get_data_info(1)['gt_labels'])
    # a changed annotation file: rebuilt, and the new labels are used
    path = osp.join(root, fmt.KEYSTEP_FILE.format(split='train'))
    with open(path) as f:
        data = json.load(f)
    data['annotations']['t-1']['segments'] = [dict(start_time=0.0, end_time=5.0,
                                                   step_unique_id=103, step_name='x')]
    with open(path, 'w') as f:
        json.dump(data, f)
    third = DATASETS.build(cfg)
    assert len(calls) == 8
    assert set(third.get_data_info(0)['gt_labels'].tolist()) == {MAPPING[103]}
    # a feature file of another size: rebuilt
    write_features(root, 't-2', 'cam01', np.zeros((10, 4), np.float32))
    DATASETS.build(cfg)
    assert len(calls) == 12
    DATASETS.build(cfg)
    assert len(calls) == 12


def test_cache_file_round_trip(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, [TAKE])
    built = index_mod.build_split_index(root, 'train')
    path = str(tmp_path / 'x.npz')
    index_mod.save_index(path, built)
    loaded = index_mod.load_index(path)
    assert loaded._replace(streams=[]) == built._replace(streams=[])
    for a, b in zip(built.streams, loaded.streams):
        assert a._replace(labels=None) == b._replace(labels=None)
        np.testing.assert_array_equal(a.labels, b.labels)


def build(root, cache, split='train', **kwargs):
    return DATASETS.build(dict(type='EgoExo4DKeystepDataset', data_root=root, split=split,
                               cache_dir=cache, **kwargs))


def test_every_damage_kind_in_one_error_and_skip_drops_exactly_those(tmp_path):
    root, cache = str(tmp_path / 'e4d'), str(tmp_path / 'cache')
    summary = write_egoexo4d_root(root, num_takes=16, damage=DAMAGE_KINDS)
    injected = {d['take_uid']: d for d in summary['damage']}
    assert len(injected) == len(DAMAGE_KINDS)
    with pytest.raises(DatasetProblemsError) as err:
        build(root, cache)
    assert set(err.value.damaged_takes) == set(injected)
    kinds = {'missing_features': 'missing-features', 'corrupt_features': 'unreadable-features',
             'wrong_width': 'feature-width', 'short_features': 'feature-steps',
             'segment_outside': 'segment-times', 'unknown_take': 'take-not-in-metadata'}
    found = {(p.kind, p.path) for p in err.value.problems}
    assert found == {(kinds[d['kind']], d['path']) for d in injected.values()
                     if d['kind'] not in ('segment_outside', 'unknown_take')} | {
        ('segment-times', injected_path(injected, 'segment_outside')),
        ('take-not-in-metadata', osp.join(root, fmt.TAKES_FILE))}
    message = str(err.value)
    for uid in injected:  # a take's files: its own download; annotations: the part
        assert f'--uids {uid}' in message or injected[uid]['kind'] in (
            'unknown_take', 'segment_outside')
    assert '--parts annotations --force' in message
    assert "on_damage='skip'" in message
    ds = build(root, cache, on_damage='skip')
    kept = {ds.get_data_info(i)['take_uid'] for i in range(len(ds))}
    with open(osp.join(root, fmt.KEYSTEP_FILE.format(split='train'))) as f:
        annotated = set(json.load(f)['annotations'])
    assert kept == annotated - set(injected)
    assert set(ds.skipped_takes) == set(injected)
    # every stream of a kept take is there (2 exo cameras + the Aria)
    assert len(ds) == 3 * len(kept)


def injected_path(injected, kind):
    return next(d['path'] for d in injected.values() if d['kind'] == kind)


def test_more_damage_kinds_and_view_selection(tmp_path):
    root, cache = str(tmp_path / 'root'), str(tmp_path / 'cache')
    takes = [TAKE,
             dict(TAKE, uid='t-2', name='omelet_2', segments=[(-1.0, 1.0, 100)]),
             dict(TAKE, uid='t-3', name='omelet_3', segments=[(2.0, 2.0, 100)]),
             dict(TAKE, uid='t-4', name='omelet_4'), dict(TAKE, uid='t-5', name='omelet_5')]
    make_root(root, takes)
    write_features(root, 't-4', 'cam01', torch.zeros(9, 4, dtype=torch.int64))
    write_features(root, 't-5', 'cam01', torch.zeros(9))
    with pytest.raises(DatasetProblemsError) as err:
        build(root, cache)
    got = {(p.kind, osp.basename(p.path)) for p in err.value.problems}
    assert got == {('segment-times', 'keystep_train.json'),
                   ('feature-shape', 't-4_cam01_0.pt'), ('feature-shape', 't-5_cam01_0.pt')}
    assert sum(p.kind == 'segment-times' for p in err.value.problems) == 2
    assert 'starts before 0' in str(err.value) and 'does not end after it starts' in str(err.value)
    # the damaged files are exo streams: an ego-only dataset reads none of them
    ego = build(root, cache, views=('ego',), on_damage='skip')
    assert {ego.get_data_info(i)['take_uid'] for i in range(len(ego))} == {'t-1', 't-4', 't-5'}


def test_feature_headers_are_read_without_the_data(tmp_path):
    path = str(tmp_path / 'f.pt')
    torch.save(torch.arange(12, dtype=torch.float32).reshape(3, 4), path)
    header = index_mod.read_feature_header(path)
    assert header == (3, 4, 'float32')
    from byov.datasets.egoexo4d.features import read_feature_rows
    np.testing.assert_array_equal(read_feature_rows(path, [2, 0]),
                                  np.array([[8, 9, 10, 11], [0, 1, 2, 3]], np.float32))


def test_test_split_refused(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, [TAKE])
    with pytest.raises(index_mod.EgoExo4DSplitError, match='test split has no keystep'):
        build(root, str(tmp_path / 'cache'), split='test')
