"""EgoExoVideoDataset: whole videos in order, metadata, label checks, mixed views."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from ae2_fixtures import frame_green, make_ae2

from byov.datasets import EgoExoVideoDataset
from byov.datasets import frame_cache as fc


def _dataset(root, cache_dir, split='train', **kwargs):
    kwargs.setdefault('serialize_data', False)  # mmengine's serialisation gc's: slow here
    return EgoExoVideoDataset(data_root=root, split=split, cache_dir=cache_dir,
                              frame_size=kwargs.pop('frame_size', 16), **kwargs)


@pytest.mark.parametrize('layout', ['csv', 'folders'])
def test_every_frame_in_order_with_metadata(tmp_path, cache_dir, layout):
    root = str(tmp_path / layout)
    videos = make_ae2(root, layout, num_frames={'e_a': 7, 'e_b': 9, 'x_a': 12, 'x_b': 10,
                                                'x_c': 8, 'e_v': 6, 'x_v': 5})
    dataset = _dataset(root, cache_dir, serialize_data=True)
    assert len(dataset) == 5
    for index, name in enumerate(['e_a', 'e_b', 'x_a', 'x_b', 'x_c']):
        item = dataset[index]
        video, sample = videos[name], item['data_samples']
        n = video['num_frames']
        assert item['inputs'].shape == (n, 3, 16, 16) and item['inputs'].dtype == torch.uint8
        assert sample.metainfo == dict(video_name=name, video_index=index,
                                       is_ego=video['view'] == 'ego', num_frames=n,
                                       split='train')
        assert sample.gt_labels.dtype == np.int64
        np.testing.assert_array_equal(sample.gt_labels, video['labels'])
        pixels = item['inputs'].float().mean((2, 3))  # [L, 3], RGB
        np.testing.assert_allclose(pixels[:, 0], video['video_id'], atol=4)
        np.testing.assert_allclose(pixels[:, 1], frame_green(np.arange(n)), atol=4)


def test_video_infos_do_not_decode(csv_root, cache_dir, monkeypatch):
    root, videos = csv_root

    def no_decoding(*args):
        raise AssertionError('decoded')

    monkeypatch.setattr(fc, 'decode_video', no_decoding)
    infos = _dataset(root, cache_dir, split='val', lazy_init=True).video_infos
    assert [(i['video_name'], i['video_index'], i['is_ego'], i['num_frames'])
            for i in infos] == [('e_v', 0, True, 12), ('x_v', 1, False, 12)]
    np.testing.assert_array_equal(infos[1]['gt_labels'], videos['x_v']['labels'])


def _set_labels(root, name, labels):
    path = osp.join(root, 'label.pickle')
    all_labels = pickle.load(open(path, 'rb'))
    all_labels[name] = labels
    pickle.dump(all_labels, open(path, 'wb'))


@pytest.mark.parametrize('num_labels', [10, 14])
def test_label_length_mismatch_is_an_error(csv_root, cache_dir, num_labels):
    root, _ = csv_root
    _set_labels(root, 'x_v', [0] * num_labels)
    with pytest.raises(ValueError, match=rf'label\.pickle has {num_labels} labels for '
                                         r'.*x_v\.mp4, which decodes to 12 frames'):
        _dataset(root, cache_dir, split='val')


@pytest.mark.parametrize('num_labels', [10, 14])
def test_label_length_mismatch_truncate_opt_in(csv_root, cache_dir, num_labels):
    root, _ = csv_root
    _set_labels(root, 'x_v', list(range(num_labels)))
    dataset = _dataset(root, cache_dir, split='val', label_length_mismatch='truncate')
    n = min(num_labels, 12)
    assert dataset.video_infos[1]['num_frames'] == n
    item = dataset[1]
    assert item['inputs'].shape[0] == n and item['data_samples'].num_frames == n
    assert item['data_samples'].gt_labels.tolist() == list(range(n))
    with pytest.raises(ValueError, match='label_length_mismatch must be one of'):
        _dataset(root, cache_dir, split='val', label_length_mismatch='pad')


def test_unreadable_video_names_the_file(csv_root, cache_dir):
    root, videos = csv_root
    open(videos['e_v']['path'], 'wb').write(b'broken' * 100)
    with pytest.raises(ValueError, match=r'e_v\.mp4: undecodable: OpenCV cannot open it'):
        _dataset(root, cache_dir, split='val')


def test_views_with_different_resolutions_and_frame_rates(tmp_path, cache_dir):
    root = str(tmp_path / 'tennis')
    videos = make_ae2(root, 'csv', ego_size=(48, 64), exo_size=(24, 32), ego_fps=30,
                      exo_fps=12)
    dataset = _dataset(root, cache_dir, frame_size=(20, 24))
    for index in range(len(dataset)):
        item = dataset[index]
        name = item['data_samples'].video_name
        assert item['inputs'].shape == (12, 3, 20, 24)
        np.testing.assert_allclose(item['inputs'][:, 0].float().mean((1, 2)),
                                   videos[name]['video_id'], atol=4)


def test_data_root_containing_ego_and_exo(tmp_path, cache_dir):
    root = str(tmp_path / 'exo_cams' / 'ego_videos' / 'pour_milk')
    make_ae2(root, 'folders')
    dataset = _dataset(root, cache_dir)
    assert [dataset[i]['data_samples'].is_ego for i in range(5)] == [True] * 2 + [False] * 3
