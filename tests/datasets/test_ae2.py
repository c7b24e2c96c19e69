"""Parsing AE2 layouts: order, views, splits and the errors for broken data."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from ae2_fixtures import SPLITS, make_ae2

from byov.datasets.ae2 import detect_layout, load_labels, load_split

TRAIN_ORDER = ['e_a', 'e_b', 'x_a', 'x_b', 'x_c']  # ego sorted, then exo sorted


@pytest.mark.parametrize('layout', ['csv', 'folders'])
def test_both_layouts_parse_in_order_with_views(tmp_path, layout):
    root = str(tmp_path / layout)
    videos = make_ae2(root, layout)
    assert detect_layout(root, 'train') == layout
    for requested in ('auto', layout):
        records = load_split(root, 'train', layout=requested)
        assert [r.name for r in records] == TRAIN_ORDER
        assert [r.view for r in records] == ['ego'] * 2 + ['exo'] * 3
        assert [r.is_ego for r in records] == [True] * 2 + [False] * 3
        for r in records:
            assert r.split == 'train' and osp.samefile(r.path, videos[r.name]['path'])
            assert r.labels.dtype == np.int64
            np.testing.assert_array_equal(r.labels, videos[r.name]['labels'])
    assert [r.name for r in load_split(root, 'val')] == ['e_v', 'x_v']


@pytest.mark.parametrize('layout', ['csv', 'folders'])
def test_view_comes_from_layout_not_from_path(tmp_path, layout):
    # every path component of the root mentions "ego" (and "exo"): views must not care
    root = str(tmp_path / 'ego_exo_data' / 'my_ego_videos' / 'break_eggs')
    make_ae2(root, layout)
    records = load_split(root, 'train')
    assert [r.view for r in records] == ['ego'] * 2 + ['exo'] * 3


def test_csv_blank_lines_are_skipped(csv_root):
    root, _ = csv_root
    with open(osp.join(root, 'exo', 'train.csv'), 'a') as f:
        f.write('\n\n')
    assert len(load_split(root, 'train')) == 5


def test_order_is_file_name_order_like_the_reference(tmp_path):
    # 'a-1.mp4' < 'a.mp4' by file name although 'a' < 'a-1' by base name
    root = str(tmp_path / 'd')
    make_ae2(root, 'folders', splits={'train': {'ego': ['a', 'a-1'], 'exo': ['b']}})
    assert [r.name for r in load_split(root, 'train')] == ['a-1', 'a', 'b']


def test_missing_split_is_reported_with_both_layouts(csv_root):
    root, _ = csv_root
    with pytest.raises(FileNotFoundError, match=r'test\.csv.*split folders'):
        load_split(root, 'test')


def test_missing_split_list(csv_root):
    root, _ = csv_root
    os.remove(osp.join(root, 'exo', 'train.csv'))
    with pytest.raises(FileNotFoundError, match=r'exo.train\.csv does not exist'):
        load_split(root, 'train', layout='csv')


def test_missing_split_folder(folders_root):
    root, _ = folders_root
    with pytest.raises(FileNotFoundError, match=r'test.ego does not exist'):
        load_split(root, 'test', layout='folders')


def test_split_list_naming_missing_file(csv_root):
    root, videos = csv_root
    os.remove(videos['x_b']['path'])
    with pytest.raises(ValueError, match=r'train\.csv line 3 names x_b\.mp4'):
        load_split(root, 'train')


def test_split_list_header_gets_a_hint(csv_root):
    root, _ = csv_root
    csv_file = osp.join(root, 'ego', 'train.csv')
    lines = open(csv_file).read()
    open(csv_file, 'w').write('video_name\n' + lines)
    with pytest.raises(ValueError, match='line 1 names video_name.*header'):
        load_split(root, 'train')


def test_duplicate_in_split_list(csv_root):
    root, _ = csv_root
    with open(osp.join(root, 'ego', 'train.csv'), 'a') as f:
        f.write('e_a.mp4\n')
    with pytest.raises(ValueError, match='lists e_a.mp4 twice'):
        load_split(root, 'train')


def test_video_missing_from_labels(folders_root):
    root, _ = folders_root
    labels = pickle.load(open(osp.join(root, 'label.pickle'), 'rb'))
    del labels['x_a']
    pickle.dump(labels, open(osp.join(root, 'label.pickle'), 'wb'))
    with pytest.raises(ValueError, match=r'x_a\.mp4: no-labels: .*label\.pickle has no labels'):
        load_split(root, 'train')


def test_missing_label_file(folders_root):
    root, _ = folders_root
    os.remove(osp.join(root, 'label.pickle'))
    with pytest.raises(FileNotFoundError, match=r'label\.pickle does not exist'):
        load_split(root, 'train')


@pytest.mark.parametrize('layout', ['csv', 'folders'])
def test_empty_view(tmp_path, layout):
    root = str(tmp_path / 'd')
    make_ae2(root, layout, splits={'train': {'ego': ['e'], 'exo': []}})
    with pytest.raises(ValueError, match='No exo videos in split "train"'):
        load_split(root, 'train')


def test_labels_are_unpickled_without_running_code(folders_root):
    root, _ = folders_root
    label_file = osp.join(root, 'label.pickle')
    labels = {k: np.asarray(v) for k, v in pickle.load(open(label_file, 'rb')).items()}
    pickle.dump(labels, open(label_file, 'wb'))  # numpy arrays load
    assert load_labels(root)['e_a'].dtype == np.int64
    pickle.dump({'e_a': os.system}, open(label_file, 'wb'))  # a callable does not
    with pytest.raises(ValueError, match=r'label\.pickle holds objects other than'):
        load_labels(root)


def test_bad_arguments(csv_root, tmp_path):
    root, _ = csv_root
    with pytest.raises(ValueError, match='layout must be one of'):
        load_split(root, 'train', layout='json')
    with pytest.raises(FileNotFoundError, match='Data root .* does not exist'):
        load_split(str(tmp_path / 'nowhere'), 'train')
    make_ae2(root, 'folders', splits={'train': SPLITS['train']})
    with pytest.raises(ValueError, match='pass layout="csv" or layout="folders"'):
        load_split(root, 'train')
