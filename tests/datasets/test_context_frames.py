"""Loading frames with AE2's context frames (LoadClipFromCache / LoadVideoFromCache with
num_context_steps > 1), on a stub cache whose frame t is filled with the value t."""
import numpy as np
import pytest

from byov.datasets.transforms import LoadClipFromCache, LoadVideoFromCache


class StubCache:
    frame_size = (2, 2)

    def __init__(self, length):
        self.frames = np.broadcast_to(
            np.arange(length, dtype=np.uint8)[:, None, None, None], (length, 3, 2, 2))

    def load(self, path, view):
        return self.frames


def _values(imgs):
    return imgs[..., 0, 0, 0].tolist()


def test_clips_come_with_their_context_and_keep_their_frame_inds():
    clips = [dict(video_name=n, video_path=n, view='ego', is_ego=True,
                  frame_inds=np.array(inds)) for n, inds in (('a', [3, 20, 39]),
                                                             ('b', [0, 16, 17]))]
    out = LoadClipFromCache(num_context_steps=2, context_stride=15)(
        dict(clips=clips, frame_cache=StubCache(40)))
    assert out['imgs'].shape == (2, 6, 3, 2, 2)
    assert _values(out['imgs']) == [[0, 3, 5, 20, 24, 39], [0, 0, 1, 16, 2, 17]]
    assert [f.tolist() for f in out['frame_inds']] == [[3, 20, 39], [0, 16, 17]]
    plain = LoadClipFromCache()(dict(clips=clips, frame_cache=StubCache(40)))
    assert _values(plain['imgs']) == [[3, 20, 39], [0, 16, 17]]  # default: no context


def test_whole_videos_come_with_their_context():
    results = dict(video_path='v', view='exo', num_frames=18, frame_cache=StubCache(18))
    out = LoadVideoFromCache(num_context_steps=2, context_stride=15)(dict(results))
    assert out['imgs'].shape == (36, 3, 2, 2)
    assert _values(out['imgs'])[:6] == [0, 0, 0, 1, 0, 2]
    assert _values(out['imgs'])[-4:] == [1, 16, 2, 17]
    assert _values(LoadVideoFromCache()(dict(results))['imgs']) == list(range(18))


def test_bad_context_options():
    with pytest.raises(ValueError, match='num_context_steps'):
        LoadClipFromCache(num_context_steps=0)
    with pytest.raises(ValueError, match='context_stride'):
        LoadVideoFromCache(num_context_steps=2, context_stride=0)
