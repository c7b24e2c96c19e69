import numpy as np
import pytest

from byov.datasets.transforms import RandomTemporalCrop


def _video(n, index=3):
    return dict(imgs=np.arange(n)[:, None] * np.ones((1, 2)), gt_labels=np.arange(n) // 5,
                num_frames=n, video_index=index, video_name=f'v{index}')


def test_crop_is_a_seeded_window_of_the_stated_fraction():
    crop = RandomTemporalCrop(fraction=0.5, seed=1)
    out = crop(_video(40))
    start, length = out['crop_start'], out['num_frames']
    assert length == 20 and 0 <= start <= 20
    np.testing.assert_array_equal(out['imgs'][:, 0], np.arange(start, start + 20))
    np.testing.assert_array_equal(out['gt_labels'], np.arange(start, start + 20) // 5)
    assert crop(_video(40))['crop_start'] == start  # same video, same window
    starts = {crop(_video(40, index=i))['crop_start'] for i in range(20)}
    assert len(starts) > 3  # windows differ across videos


def test_short_videos_keep_min_frames_and_bad_input_is_clear():
    out = RandomTemporalCrop(fraction=0.1, min_frames=8)(_video(12))
    assert out['num_frames'] == 8
    assert RandomTemporalCrop(fraction=0.1, min_frames=8)(_video(5))['num_frames'] == 5
    with pytest.raises(ValueError, match='fraction'):
        RandomTemporalCrop(fraction=0)
    bad = _video(10)
    bad['gt_labels'] = bad['gt_labels'][:9]
    with pytest.raises(ValueError, match='v3'):
        RandomTemporalCrop()(bad)
