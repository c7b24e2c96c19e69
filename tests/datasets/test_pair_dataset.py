"""EgoExoPairDataset: packed pairs, pairing rules, reproducible randomness."""
import numpy as np
import pytest
import torch
from ae2_fixtures import frame_green, make_ae2
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from byov.datasets import EgoExoPairDataset, EpochAwareSampler

NUM_FRAMES = 12


def _pipeline(num_frames=4):
    return [dict(type='SampleClipFrames', num_frames=num_frames),
            dict(type='LoadClipFromCache'), dict(type='PackEgoExoInputs')]


def _dataset(root, cache_dir, **kwargs):
    kwargs.setdefault('pipeline', _pipeline())
    kwargs.setdefault('serialize_data', False)  # mmengine's serialisation gc's: slow here
    return EgoExoPairDataset(data_root=root, cache_dir=cache_dir, frame_size=16,
                             seed=kwargs.pop('seed', 0), **kwargs)


def _key(item):
    meta = item['data_samples'].metainfo
    return meta['video_names'], tuple(tuple(f.tolist()) for f in meta['frame_inds'])


def test_item_shapes_and_pixels(csv_root, cache_dir):
    root, videos = csv_root
    dataset = _dataset(root, cache_dir, serialize_data=True)
    assert len(dataset) == 5  # default epoch length: videos of the split
    for idx in range(5):
        item = dataset[idx]
        inputs, meta = item['inputs'], item['data_samples'].metainfo
        assert inputs.shape == (2, 4, 3, 16, 16) and inputs.dtype == torch.uint8
        assert len(meta['video_names']) == len(meta['is_ego']) == len(meta['frame_inds']) == 2
        for clip, name, is_ego, inds in zip(inputs, meta['video_names'], meta['is_ego'],
                                            meta['frame_inds']):
            assert is_ego == (videos[name]['view'] == 'ego')
            assert np.all(np.diff(inds) > 0) and inds.min() >= 1 and inds.max() < NUM_FRAMES
            pixels = clip.float().mean((2, 3))  # [T, 3]
            np.testing.assert_allclose(pixels[:, 0], videos[name]['video_id'], atol=4)
            np.testing.assert_allclose(pixels[:, 1], frame_green(inds), atol=4)


def test_same_seed_same_items_other_seed_other_items(csv_root, cache_dir):
    root, _ = csv_root
    a = [_key(_dataset(root, cache_dir, seed=3)[i]) for i in range(5)]
    np.random.seed(123)  # global random state plays no part
    torch.manual_seed(123)
    b = [_key(_dataset(root, cache_dir, seed=3)[i]) for i in range(5)]
    c = [_key(_dataset(root, cache_dir, seed=4)[i]) for i in range(5)]
    assert a == b and a != c


def test_workers_give_the_same_items(csv_root, cache_dir):
    root, _ = csv_root
    dataset = _dataset(root, cache_dir, epoch_length=8)

    def keys(num_workers):
        loader = DataLoader(dataset, batch_size=2, num_workers=num_workers,
                            collate_fn=pseudo_collate, multiprocessing_context=(
                                'fork' if num_workers else None))
        return [_key(dict(inputs=None, data_samples=s))
                for batch in loader for s in batch['data_samples']]

    single = keys(0)
    assert len(single) == 8 and len(set(single)) > 1
    assert keys(2) == single


def test_cross_view_pairs_are_ego_then_exo(folders_root, cache_dir):
    root, _ = folders_root
    dataset = _dataset(root, cache_dir, pairing='cross_view', epoch_length=30)
    for i in range(30):
        assert dataset[i]['data_samples'].is_ego == (True, False)


def test_pooled_pairs_mix_views(folders_root, cache_dir):
    root, _ = folders_root
    dataset = _dataset(root, cache_dir, epoch_length=40)
    kinds = {dataset[i]['data_samples'].is_ego for i in range(40)}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}


def test_epoch_aware_sampler_draws_new_pairs_each_epoch(csv_root, cache_dir):
    root, _ = csv_root
    dataset = _dataset(root, cache_dir)
    sampler = EpochAwareSampler(dataset, shuffle=True, seed=0)
    epoch0 = list(sampler)
    assert sorted(epoch0) == list(range(5))
    sampler.set_epoch(1)
    epoch1 = list(sampler)
    assert sorted(epoch1) == list(range(5, 10))
    assert {_key(dataset[i]) for i in epoch0} != {_key(dataset[i]) for i in epoch1}
    assert _key(dataset[epoch1[0]]) == _key(_dataset(root, cache_dir)[epoch1[0]])


def test_short_videos_are_clamped(tmp_path, cache_dir):
    root = str(tmp_path / 'short')
    make_ae2(root, 'csv', num_frames=5)
    item = _dataset(root, cache_dir, pipeline=_pipeline(num_frames=8))[0]
    for inds in item['data_samples'].frame_inds:
        assert inds.tolist() == [0, 1, 2, 3, 4, 4, 4, 4]


def test_bad_options(csv_root, cache_dir):
    root, _ = csv_root
    with pytest.raises(ValueError, match='pairing must be one of'):
        _dataset(root, cache_dir, pairing='paired')
    with pytest.raises(ValueError, match='epoch_length must be'):
        _dataset(root, cache_dir, epoch_length=0)


def test_builds_from_a_runner_dataloader_config(csv_root, cache_dir):
    root, _ = csv_root
    cfg = dict(
        batch_size=2, num_workers=0,
        sampler=dict(type='EpochAwareSampler', shuffle=True),
        dataset=dict(type='EgoExoPairDataset', data_root=root, split='train',
                     cache_dir=cache_dir, frame_size=16, pipeline=_pipeline()))
    with DefaultScope.overwrite_default_scope('byov'):
        loader = Runner.build_dataloader(cfg, seed=0)
    batch = next(iter(loader))
    assert len(batch['inputs']) == 2 and batch['inputs'][0].shape == (2, 4, 3, 16, 16)
