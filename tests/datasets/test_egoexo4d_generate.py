"""The Ego-Exo4D generator writes the official format, which byov's readers parse."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d.generate import (DAMAGE_KINDS, EgoExo4DRootExistsError,
                                             write_egoexo4d_root)
from byov.datasets.egoexo4d.timing import expected_num_steps

# The fields of a take entry that the official metadata documentation shows
# (docs.ego-exo4d-data.org, "Metadata"), and of a keystep benchmark segment.
DOCUMENTED_TAKE_FIELDS = (
    'root_dir', 'take_name', 'participant_uid', 'is_dropped', 'objects', 'best_exo',
    'task_start_sec', 'task_end_sec', 'task_name', 'parent_task_id', 'parent_task_name',
    'take_idx', 'duration_sec', 'is_narrated', 'physical_setting_uid', 'timesync_start_idx',
    'timesync_end_idx', 'capture', 'validated', 'frame_aligned_videos', 'university_name',
    'capture_uid', 'take_uid', 'take_timing_uid', 'timesync_uid')
DOCUMENTED_SEGMENT_FIELDS = ('segment_name_list', 'ego_segment_name', 'take_uid',
                             'take_name', 'start_time', 'end_time', 'step_unique_id',
                             'label_id', 'step_name')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('e4d') / 'root')
    summary = write_egoexo4d_root(path, num_takes=8, feature_dim=8, seed=3)
    return path, summary


def test_files_have_the_documented_fields(root):
    path, summary = root
    with open(osp.join(path, fmt.TAKES_FILE)) as f:
        takes = json.load(f)
    assert len(takes) == 8
    for take in takes:
        assert set(DOCUMENTED_TAKE_FIELDS) <= set(take)
        assert set(take['frame_aligned_videos']['aria01']) == {'slam-left', 'slam-right',
                                                               'et', 'rgb'}
    with open(osp.join(path, fmt.SEGMENT_FILE.format(split='train'))) as f:
        segments = json.load(f)['segments']
    assert segments and all(set(DOCUMENTED_SEGMENT_FIELDS) <= set(s) for s in segments)
    assert sum(summary['takes'].values()) == 8 and min(summary['takes'].values()) >= 1


def test_readers_parse_it_and_features_follow_the_window_rule(root):
    path, summary = root
    takes = fmt.read_takes(path)
    splits = fmt.read_splits(path)
    assert {splits[t.take_uid] for t in takes} == {'train', 'val', 'test'}
    labels = fmt.read_label_mapping(path)
    assert len(labels) == summary['num_labels']
    mapped = {lab.step_unique_id for lab in labels}
    annotations = fmt.read_keystep_annotations(path, 'train')
    assert set(annotations) == {t.take_uid for t in takes if splits[t.take_uid] == 'train'}
    # the rare keystep of each scenario is annotated but not in the label mapping
    steps = {s.step_unique_id for a in annotations.values() for s in a.segments}
    assert steps - mapped
    for take in takes:
        assert [c.cam_id for c in take.cameras] == ['aria01', 'cam01', 'cam02']
        assert [c.is_ego for c in take.cameras] == [True, False, False]
        for cam in take.cameras:
            feats = torch.load(fmt.feature_path(path, take.take_uid, cam), weights_only=True)
            assert feats.shape == (expected_num_steps(take.duration_sec), 8)
            assert feats.dtype == torch.float32 and torch.isfinite(feats).all()
    val = fmt.read_benchmark_segments(path, 'val')
    assert val and all(s.label_id in range(len(labels)) for s in val)
    assert all(s.label_id is None for s in fmt.read_benchmark_segments(path, 'test'))


def test_features_carry_the_keystep_across_views(root):
    """The ego and exo features of one step are closer than those of another step of the
    same take (what makes the generated data learnable across views)."""
    path, _ = root
    take = fmt.read_takes(path)[0]
    ego, exo = (torch.load(fmt.feature_path(path, take.take_uid, c), weights_only=True).numpy()
                for c in take.cameras[:2])
    same = np.linalg.norm(ego - exo, axis=1).mean()
    shifted = np.linalg.norm(ego - np.roll(exo, len(exo) // 2, axis=0), axis=1).mean()
    assert same < shifted


def test_damage_is_injected_once_each_and_reported(tmp_path):
    path = str(tmp_path / 'damaged')
    summary = write_egoexo4d_root(path, num_takes=16, feature_dim=4, damage=DAMAGE_KINDS)
    kinds = [d['kind'] for d in summary['damage']]
    assert kinds == list(DAMAGE_KINDS)
    assert len({d['take_uid'] for d in summary['damage']}) == len(DAMAGE_KINDS)
    missing = summary['damage'][0]
    assert not osp.exists(missing['path']) and missing['path'].startswith(path)
    ghost = summary['damage'][-1]['take_uid']
    assert ghost in fmt.read_keystep_annotations(path, 'train')
    assert ghost not in {t.take_uid for t in fmt.read_takes(path)}
    assert not osp.exists(path + '.partial')


def test_refuses_an_existing_root_and_unknown_damage(tmp_path):
    path = str(tmp_path / 'r')
    write_egoexo4d_root(path, num_takes=3, feature_dim=2)
    with pytest.raises(EgoExo4DRootExistsError, match='overwrite'):
        write_egoexo4d_root(path, num_takes=3, feature_dim=2)
    with pytest.raises(ValueError, match='unknown'):
        write_egoexo4d_root(str(tmp_path / 's'), damage=['flooded'])
