"""Ego-Exo4D datasets: whole-stream items, background='drop', pairs, filters."""
import numpy as np
import pytest
import torch

from byov.datasets.egoexo4d.datasets import EgoExo4DOptionError
from byov.datasets.egoexo4d.generate import write_egoexo4d_root
from byov.models.base import attach_embeds
from byov.registry import DATASETS


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('e4d') / 'root')
    write_egoexo4d_root(path, num_takes=12, scenarios=2, exo_cameras=2, feature_dim=8)
    return path


def build(root, tmp_path, type_='EgoExo4DKeystepDataset', **kwargs):
    kwargs.setdefault('split', 'train')
    return DATASETS.build(dict(type=type_, data_root=root, cache_dir=str(tmp_path / 'cache'),
                               **kwargs))


def test_whole_stream_items_are_the_file_rows(root, tmp_path):
    ds = build(root, tmp_path)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    ego = [i['is_ego'] for i in infos]
    assert ego == sorted(ego, reverse=True)  # ego streams first
    for flag in (True, False):
        names = [i['video_name'] for i in infos if i['is_ego'] == flag]
        assert names == sorted(names)
    assert [i['video_index'] for i in infos] == list(range(len(ds)))
    for idx in (0, len(ds) - 1):
        item = ds[idx]
        rows = torch.load(infos[idx]['feature_path'], weights_only=True).numpy()
        assert item['inputs'].dtype == torch.float32
        np.testing.assert_array_equal(item['inputs'].numpy(), rows)
        sample = item['data_samples']
        assert sample.num_frames == len(rows) == len(sample.gt_labels)
        np.testing.assert_array_equal(sample.frame_times, infos[idx]['frame_times'])
        # the model output keeps the metainfo, frame_times included
        out = attach_embeds([sample], [np.zeros((len(rows), 3), np.float32)])[0]
        np.testing.assert_array_equal(out.metainfo['frame_times'], infos[idx]['frame_times'])


def test_background_drop_removes_exactly_the_background_steps(root, tmp_path):
    full = build(root, tmp_path)
    drop = build(root, tmp_path, background='drop')
    background = len(full.class_names) - 1
    assert full.class_names[-1] == 'background' and drop.num_classes == background
    assert len(full) == len(drop)
    for i in range(len(full)):
        a, b = full.get_data_info(i), drop.get_data_info(i)
        assert a['video_name'] == b['video_name'] and a['step_inds'] is None
        keep = np.flatnonzero(a['gt_labels'] != background)
        np.testing.assert_array_equal(b['step_inds'], keep)
        np.testing.assert_array_equal(b['gt_labels'], a['gt_labels'][keep])
        np.testing.assert_array_equal(b['frame_times'], a['frame_times'][keep])
        assert b['num_frames'] == len(keep) < a['num_frames']
    item = drop[0]
    rows = torch.load(drop.get_data_info(0)['feature_path'], weights_only=True).numpy()
    np.testing.assert_array_equal(item['inputs'].numpy(), rows[drop.get_data_info(0)['step_inds']])
    assert np.all(np.diff(item['data_samples'].frame_times) > 0)  # time order


def test_filters(root, tmp_path):
    everything = build(root, tmp_path)
    infos = [everything.get_data_info(i) for i in range(len(everything))]
    ego = build(root, tmp_path, views=('ego',))
    assert len(ego) == sum(i['is_ego'] for i in infos)
    cam = build(root, tmp_path, exo_cameras=['cam02'])
    assert {cam.get_data_info(i)['view'] for i in range(len(cam))} == {'aria01', 'cam02'}
    scenario = infos[0]['scenario']
    one = build(root, tmp_path, scenarios=[scenario])
    assert len(one) == sum(i['scenario'] == scenario for i in infos) < len(infos)
    with pytest.raises(EgoExo4DOptionError, match='not keystep scenarios'):
        build(root, tmp_path, scenarios=['Baking bread'])
    with pytest.raises(EgoExo4DOptionError, match='not exo cameras'):
        build(root, tmp_path, exo_cameras=['cam09'])
    with pytest.raises(EgoExo4DOptionError, match='background'):
        build(root, tmp_path, background='ignore')


PIPELINE = [dict(type='SampleClipFrames', num_frames=6),
            dict(type='LoadEgoExo4DClipFeatures'), dict(type='PackEgoExoInputs')]


def test_synchronised_pairs_same_take_same_moments(root, tmp_path):
    ds = build(root, tmp_path, 'EgoExo4DPairDataset', pairing='synchronised', seed=3,
               pipeline=PIPELINE)
    videos = build(root, tmp_path)
    by_name = {videos.get_data_info(i)['video_name']: videos.get_data_info(i)
               for i in range(len(videos))}
    takes = {i['take_uid'] for i in by_name.values()}
    assert len(ds) == len(takes)
    for idx in range(len(ds)):
        item = ds[idx]
        meta = item['data_samples'].metainfo
        a, b = (by_name[n] for n in meta['video_names'])
        assert meta['is_ego'] == (True, False) and meta['pairing'] == 'synchronised'
        assert a['take_uid'] == b['take_uid']
        ta, tb = (info['frame_times'][inds] for info, inds in zip((a, b), meta['frame_inds']))
        np.testing.assert_allclose(ta, tb, atol=1e-9)  # same step count: same moments
        for k, (info, inds) in enumerate(zip((a, b), meta['frame_inds'])):
            rows = torch.load(info['feature_path'], weights_only=True).numpy()[inds]
            np.testing.assert_array_equal(item['inputs'][k].numpy(), rows)
            np.testing.assert_array_equal(item['data_samples'].gt_labels[k],
                                          info['gt_labels'][inds])
    # item randomness: a function of (seed, idx) only
    again = ds[1]['data_samples'].metainfo
    assert again['video_names'] == ds[1]['data_samples'].metainfo['video_names']
    np.testing.assert_array_equal(again['frame_inds'][0], ds[1]['data_samples'].frame_inds[0])


def test_unpaired_pairs_are_other_takes_of_the_same_scenario(root, tmp_path):
    ds = build(root, tmp_path, 'EgoExo4DPairDataset', pairing='unpaired', seed=0,
               pipeline=PIPELINE, epoch_length=40)
    videos = build(root, tmp_path)
    by_name = {videos.get_data_info(i)['video_name']: videos.get_data_info(i)
               for i in range(len(videos))}
    seen_exo = set()
    for idx in range(len(ds)):
        meta = ds[idx]['data_samples'].metainfo
        a, b = (by_name[n] for n in meta['video_names'])
        assert a['is_ego'] and not b['is_ego']
        assert a['take_uid'] != b['take_uid'] and a['scenario'] == b['scenario']
        seen_exo.add(b['video_name'])
    assert len(seen_exo) > 3  # the exo stream is drawn, not fixed


def test_pair_dataset_refuses_one_view(root, tmp_path):
    with pytest.raises(EgoExo4DOptionError, match='views'):
        build(root, tmp_path, 'EgoExo4DPairDataset', views=('ego',))
