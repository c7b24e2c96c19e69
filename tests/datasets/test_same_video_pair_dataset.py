"""SameVideoPairDataset: two independently sampled clips of one video (CARL's views)."""
import numpy as np
import pytest

from byov.datasets import SameVideoPairDataset, SameVideoPairingError
from byov.utils.errors import UserInputError

NUM_FRAMES = 12  # frames of every video of ae2_fixtures.make_ae2


def _dataset(root, cache_dir, **kwargs):
    return SameVideoPairDataset(
        data_root=root, cache_dir=cache_dir, frame_size=16, seed=0, serialize_data=False,
        pipeline=[dict(type='SampleClipFrames', num_frames=4),
                  dict(type='LoadClipFromCache'), dict(type='PackEgoExoInputs')],
        **kwargs)


def test_both_clips_come_from_one_video_with_their_own_frames(csv_root, cache_dir):
    root, videos = csv_root
    dataset = _dataset(root, cache_dir, epoch_length=20)
    names, differ = set(), 0
    for idx in range(20):
        item = dataset[idx]
        meta = item['data_samples'].metainfo
        name_a, name_b = meta['video_names']
        assert name_a == name_b and meta['is_ego'][0] == meta['is_ego'][1]
        assert meta['video_lengths'] == (NUM_FRAMES, NUM_FRAMES)
        # the pixels say which video each clip shows (red channel = video id)
        red = item['inputs'][:, :, 0].float().mean((1, 2, 3))
        np.testing.assert_allclose(red, videos[name_a]['video_id'], atol=4)
        differ += not np.array_equal(*meta['frame_inds'])
        names.add(name_a)
    assert differ > 10  # the two views sample their frames independently
    assert len(names) > 1  # and the items cover several videos


def test_two_videos_pairing_is_refused(csv_root, cache_dir):
    root, _ = csv_root
    with pytest.raises(SameVideoPairingError, match=r"pairing='cross_view' pairs two "
                                                    r"different videos.*pairing='pooled'"):
        _dataset(root, cache_dir, pairing='cross_view')
    assert issubclass(SameVideoPairingError, UserInputError)
