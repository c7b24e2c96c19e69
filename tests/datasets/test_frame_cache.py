"""The frame cache: decoding, reuse, invalidation, atomic and concurrent writes."""
import glob
import multiprocessing
import os
import os.path as osp
import time

import numpy as np
import pytest
from ae2_fixtures import frame_green, write_video

from byov.datasets import frame_cache as fc
from byov.datasets.frame_cache import FrameCache, decode_video
from byov.datasets.integrity import probe_video


@pytest.fixture
def video(tmp_path):
    path = str(tmp_path / 'v.mp4')
    write_video(path, 15, video_id=60, size=(40, 56))
    return path


def _assert_pixels(frames, video_id, num_frames):
    assert frames.dtype == np.uint8 and frames.shape[0] == num_frames
    pixels = frames.mean((2, 3))  # [L, 3], RGB
    np.testing.assert_allclose(pixels[:, 0], video_id, atol=4)
    np.testing.assert_allclose(pixels[:, 1], frame_green(np.arange(num_frames)), atol=4)
    np.testing.assert_allclose(pixels[:, 2], 128, atol=4)


def test_decode_resizes_and_returns_rgb_in_order(video):
    frames = decode_video(video, (24, 32))
    assert frames.shape == (15, 3, 24, 32)
    _assert_pixels(frames, 60, 15)


def test_cache_reuse_does_not_decode(video, tmp_path, monkeypatch):
    cache = FrameCache(str(tmp_path / 'cache'), 16)
    first = np.array(cache.load(video, 'ego'))
    assert first.shape == (15, 3, 16, 16)
    path = cache.path_for(video, 'ego')
    assert path.startswith(str(tmp_path / 'cache' / '16x16' / 'ego'))

    def no_decoding(*args):
        raise AssertionError('decoded again')

    monkeypatch.setattr(fc, 'decode_video', no_decoding)
    again = FrameCache(str(tmp_path / 'cache'), 16).load(video, 'ego')
    assert isinstance(again, np.memmap)
    np.testing.assert_array_equal(again, first)
    assert cache.num_frames(video, 'ego') == 15
    with pytest.raises(AssertionError, match='decoded again'):  # another size: decode
        FrameCache(str(tmp_path / 'cache'), 8).load(video, 'ego')


def test_changed_source_is_decoded_again(video, tmp_path):
    cache = FrameCache(str(tmp_path / 'cache'), 16)
    assert len(cache.load(video, 'exo')) == 15
    old = cache.path_for(video, 'exo')
    write_video(video, 9, video_id=100, size=(40, 56))
    st = os.stat(video)
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    frames = cache.load(video, 'exo')
    assert cache.path_for(video, 'exo') != old
    _assert_pixels(np.array(frames), 100, 9)


def test_leftover_temp_file_is_ignored_and_broken_final_rebuilt(video, tmp_path):
    cache = FrameCache(str(tmp_path / 'cache'), 16)
    final = cache.path_for(video, 'ego')
    os.makedirs(osp.dirname(final))
    with open(f'{final}.999-deadbeef.tmp', 'wb') as f:  # a killed builder's leftover
        f.write(b'\x93NUMPY half a file')
    assert len(cache.load(video, 'ego')) == 15
    good = open(final, 'rb').read()
    with open(final, 'wb') as f:  # a final file cut short (e.g. a disk error)
        f.write(good[:len(good) // 2])
    with pytest.warns(UserWarning, match='unreadable'):
        frames = cache.load(video, 'ego')
    _assert_pixels(np.array(frames), 60, 15)


def _build(cache_dir, video, log):
    FrameCache(cache_dir, 16).load(video, 'ego')


def test_concurrent_builders_decode_once_and_do_not_corrupt(video, tmp_path, monkeypatch):
    log = str(tmp_path / 'decodes.log')
    real_decode = fc.decode_video

    def slow_logged_decode(path, size):
        with open(log, 'a') as f:
            f.write(f'{os.getpid()}\n')
        time.sleep(0.3)  # make sure the two builders overlap
        return real_decode(path, size)

    monkeypatch.setattr(fc, 'decode_video', slow_logged_decode)  # inherited by fork
    cache_dir = str(tmp_path / 'cache')
    ctx = multiprocessing.get_context('fork')
    procs = [ctx.Process(target=_build, args=(cache_dir, video, log)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    if fc.fcntl is not None:
        assert len(open(log).read().split()) == 1
    assert not glob.glob(osp.join(cache_dir, '**', '*.tmp'), recursive=True)
    _assert_pixels(np.array(FrameCache(cache_dir, 16).load(video, 'ego')), 60, 15)


def test_unreadable_video(tmp_path):
    path = str(tmp_path / 'junk.mp4')
    open(path, 'wb').write(b'not a video at all' * 10)
    with pytest.raises(ValueError, match=r'junk\.mp4: OpenCV cannot open it'):
        decode_video(path, 16)


def test_cut_video(video):
    data = open(video, 'rb').read()
    open(video, 'wb').write(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'v\.mp4: OpenCV cannot open it'):
        decode_video(video, 16)


def test_zero_frame_video(tmp_path):
    path = str(tmp_path / 'empty.mp4')
    write_video(path, 0, video_id=0)
    with pytest.raises(ValueError, match=r'empty\.mp4'):
        decode_video(path, 16)


def test_truncated_video_data_keeps_what_decodes(video):
    """Decoded frames are trusted over the header's count (an estimate for some
    containers); the difference is reported by the dataset check, not hidden."""
    data = bytearray(open(video, 'rb').read())
    start, end = data.find(b'mdat') + 4, data.find(b'moov') - 4
    cut = start + (end - start) // 2
    data[cut:end] = bytes(end - cut)  # the second half of the frames is gone
    open(video, 'wb').write(data)
    frames = decode_video(video, 16)
    decoded, announced, problems = probe_video(video)
    assert announced == 15 and 0 < len(frames) == decoded < 15
    assert [p.kind for p in problems] == ['header-count']
    assert f'decodes to {decoded} frames, the header announces 15' in str(problems[0])


def test_bad_frame_size():
    with pytest.raises(ValueError, match='frame_size must be an int or'):
        FrameCache('c', (1, 2, 3))
