"""Clip sampling (the reference rule) and packing."""
import numpy as np
import pytest
import torch

from byov.datasets.transforms import PackEgoExoInputs, SampleClipFrames, sample_clip_indices


@pytest.mark.parametrize('length', [34, 40, 200])
def test_random_clips_are_sorted_distinct_and_after_offset(length):
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        inds = sample_clip_indices(length, 32, 1, rng)
        assert inds.dtype == np.int64 and inds.shape == (32,)
        assert np.all(np.diff(inds) > 0)
        assert inds.min() >= 1 and inds.max() < length
        seen.update(inds.tolist())
    assert seen == set(range(1, length))  # every allowed frame gets picked sometime


@pytest.mark.parametrize('length, expected', [
    (33, list(range(32))),  # 32 == length - offset: the reference takes 0..31 (strict <)
    (20, list(range(20)) + [19] * 12),  # too short: clamped to the last frame
    (1, [0] * 32),
])
def test_short_videos_take_the_first_frames_clamped(length, expected):
    inds = sample_clip_indices(length, 32, 1, np.random.default_rng(0))
    assert inds.tolist() == expected


def test_sampling_uses_the_given_generator_only():
    a = sample_clip_indices(100, 8, 1, np.random.default_rng(5))
    np.random.seed(1)
    b = sample_clip_indices(100, 8, 1, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_sample_clip_frames_transform():
    results = dict(clips=[dict(num_frames=50), dict(num_frames=10)],
                   rng=np.random.default_rng(0))
    out = SampleClipFrames(num_frames=16)(results)
    assert [len(c['frame_inds']) for c in out['clips']] == [16, 16]
    with pytest.raises(KeyError, match='rng'):
        SampleClipFrames()(dict(clips=[dict(num_frames=5)]))
    with pytest.raises(ValueError, match='num_frames >= 1'):
        SampleClipFrames(num_frames=0)


def test_pack_pair_and_video():
    imgs = np.arange(2 * 3 * 3 * 4 * 5, dtype=np.uint8).reshape(2, 3, 3, 4, 5)
    packed = PackEgoExoInputs()(dict(imgs=imgs, video_names=('a', 'b'),
                                     is_ego=(True, False), frame_inds=(1, 2), rng=None))
    assert packed['inputs'].shape == (2, 3, 3, 4, 5) and packed['inputs'].dtype == torch.uint8
    assert torch.equal(packed['inputs'], torch.from_numpy(imgs))
    assert set(packed['data_samples'].metainfo) == {'video_names', 'is_ego', 'frame_inds'}
    video = PackEgoExoInputs()(dict(imgs=imgs[0], video_name='a', video_index=0,
                                    is_ego=True, num_frames=3, split='val',
                                    gt_labels=np.zeros(3, np.int64), video_path='x'))
    assert video['inputs'].shape == (3, 3, 4, 5)
    assert set(video['data_samples'].metainfo) == {
        'video_name', 'video_index', 'is_ego', 'num_frames', 'split'}
    assert video['data_samples'].gt_labels.dtype == np.int64
