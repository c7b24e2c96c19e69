"""SynchronisedEgoExoPairDataset: the ego and exo clips of one take at the same moments,
and the refusals where a dataset has no synchronised takes."""
import os.path as osp

import numpy as np
import pytest
from ae2_fixtures import frame_green, make_ae2

from byov.datasets import NotSynchronisedError, SynchronisedEgoExoPairDataset
from byov.datasets.transforms import synchronised_indices
from byov.utils.errors import UserInputError

SPLITS = {'train': {'ego': ['e_a', 'e_b', 'e_c'], 'exo': ['x_a', 'x_b', 'x_c', 'x_d']},
          'val': {'ego': ['e_v'], 'exo': ['x_v']}}
PIPELINE = [dict(type='SampleClipFrames', num_frames=4), dict(type='LoadClipFromCache'),
            dict(type='PackEgoExoInputs')]


def _write_pairs(root, lines):
    with open(osp.join(root, 'synchronised_pairs.csv'), 'w') as f:
        f.write(''.join(line + '\n' for line in lines))


def _dataset(root, cache_dir, **kwargs):
    return SynchronisedEgoExoPairDataset(data_root=root, cache_dir=cache_dir, frame_size=16,
                                         seed=0, pipeline=PIPELINE, serialize_data=False,
                                         **kwargs)


@pytest.fixture
def synced_root(tmp_path):
    root = str(tmp_path / 'break_eggs')
    # x_b is a camera of take e_b filmed at another frame rate: 18 frames for e_b's 12
    videos = make_ae2(root, 'csv', SPLITS, num_frames=dict(
        e_a=12, e_b=12, e_c=12, x_a=12, x_b=18, x_c=12, x_d=12, e_v=12, x_v=12))
    _write_pairs(root, ['# ego,exo', 'e_a,x_a', 'e_b.mp4,x_b.mp4', '', 'e_v,x_v'])
    return root, videos


def test_items_are_one_take_at_the_same_moments(synced_root, tmp_path):
    root, videos = synced_root
    dataset = _dataset(root, str(tmp_path / 'cache'))
    assert len(dataset) == 2  # the train split's takes; e_v,x_v is a val take
    seen = set()
    for idx in range(40):
        item = dataset[idx]
        meta = item['data_samples'].metainfo
        ego, exo = meta['video_names']
        assert (ego, exo) in {('e_a', 'x_a'), ('e_b', 'x_b')} and meta['is_ego'] == (True, False)
        assert meta['pairing'] == 'synchronised'
        seen.add(ego)
        ego_inds, exo_inds = meta['frame_inds']
        length_ego, length_exo = videos[ego]['num_frames'], videos[exo]['num_frames']
        # the same moment: the same fraction of the take (to a rounding of half a frame)
        np.testing.assert_allclose(exo_inds / (length_exo - 1), ego_inds / (length_ego - 1),
                                   atol=0.5 / (length_exo - 1))
        # and the frames are those: the fixture's green channel encodes the frame index
        green = item['inputs'][:, :, 1].float().mean(dim=(2, 3)).numpy()
        np.testing.assert_allclose(green[0], frame_green(ego_inds), atol=6)
        np.testing.assert_allclose(green[1], frame_green(exo_inds), atol=6)
    assert seen == {'e_a', 'e_b'}


def test_synchronised_indices():
    inds = np.array([0, 3, 7, 11])
    assert synchronised_indices(inds, 12, 12).tolist() == inds.tolist()
    assert synchronised_indices(inds, 12, 23).tolist() == [0, 6, 14, 22]
    assert synchronised_indices(inds, 12, 1).tolist() == [0, 0, 0, 0]


def test_a_dataset_without_a_pair_list_is_refused(csv_root, cache_dir):
    root, _ = csv_root
    with pytest.raises(NotSynchronisedError, match=r'synchronised_pairs\.csv \(option '
                                                   r'pair_list\) does not exist.*break_eggs '
                                                   r'\(CMU-MMAC\).*not pour_liquid'):
        _dataset(root, cache_dir)
    assert issubclass(NotSynchronisedError, UserInputError)
    lazy = _dataset(root, cache_dir, lazy_init=True)  # listing works, pairing waits
    with pytest.raises(NotSynchronisedError):
        len(lazy)


def test_the_synthetic_benchmark_is_refused(tiny_synthetic):
    data_root, cache_dir = tiny_synthetic
    with pytest.raises(NotSynchronisedError, match="synthetic benchmark, whose ego and exo "
                                                   'videos are separate takes'):
        _dataset(str(data_root), str(cache_dir))


@pytest.mark.parametrize('lines,message', [
    (['x_a,e_a'], 'names x_a as an ego video, but it is an exo video'),
    (['e_v,x_v'], 'names no take whose ego and exo videos are both in split "train"'),
    (['e_a,x_a,x_b'], 'line 1: expected "ego_name,exo_name"'),
])
def test_a_wrong_pair_list_is_refused(synced_root, tmp_path, lines, message):
    root, _ = synced_root
    _write_pairs(root, lines)
    with pytest.raises(NotSynchronisedError, match=message):
        _dataset(root, str(tmp_path / 'cache'))


def test_other_pairings_are_refused(synced_root, tmp_path):
    with pytest.raises(ValueError, match="pairing is always 'synchronised'"):
        _dataset(synced_root[0], str(tmp_path / 'cache'), pairing='pooled')
