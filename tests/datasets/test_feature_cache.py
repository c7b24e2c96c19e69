"""The frozen-feature cache: equality with the image path (exact and compact modes),
keys, resumable and atomic builds, datasets that read features, the build tool."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from ae2_fixtures import SPLITS, make_ae2
from mmengine.registry import DefaultScope

from byov.datasets import EgoExoPairDataset, EgoExoVideoDataset
from byov.datasets import frame_cache as fc
from byov.datasets.feature_cache import FeatureCache, FeatureExtractor
from byov.registry import MODELS
from tests.scripts import load_script

REPO = osp.join(osp.dirname(__file__), '..', '..')
ENCODER = dict(type='TinyPatchEncoder', embed_dims=32, patch_size=8, input_size=32, seed=0)
PREPROCESSOR = dict(type='EgoExoDataPreprocessor', size=32)
SELECTOR = dict(type='SelectiveTokenMerging', ratio=0.3)  # 5 of 16 tokens
NUM_FRAMES = {'e_a': 14, 'e_b': 11, 'x_a': 12, 'x_b': 13, 'x_c': 10, 'e_v': 9, 'x_v': 12}


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _write_textured(path, num_frames, seed):
    """A fixed blocky background and a bright square moving across it, so that STM
    has patches that change and patches that do not."""
    rng = np.random.default_rng(seed)
    background = cv2.resize(rng.integers(0, 200, (4, 4, 3), dtype=np.uint8), (32, 32),
                            interpolation=cv2.INTER_NEAREST)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (32, 32))
    for t in range(num_frames):
        frame = background.copy()
        x = (2 * t + 3 * seed) % 24
        frame[8:16, x:x + 8] = 255
        writer.write(frame)
    writer.release()


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """A csv-layout dataset of textured videos, its frame cache decoded once."""
    tmp = tmp_path_factory.mktemp('feature_cache')
    root = str(tmp / 'break_eggs')
    videos = make_ae2(root, 'csv', num_frames=NUM_FRAMES)
    for i, name in enumerate(sorted(videos)):
        _write_textured(videos[name]['path'], NUM_FRAMES[name], seed=i)
    frames_dir = str(tmp / 'frames')
    for split in SPLITS:
        EgoExoVideoDataset(root, split, frames_dir, frame_size=32)  # decodes the videos
    return dict(root=root, frames=frames_dir, tmp=tmp)


def _feature_cfg(cache_dir, mode='exact', **overrides):
    cfg = dict(cache_dir=str(cache_dir), mode=mode, frame_encoder=ENCODER,
               data_preprocessor=PREPROCESSOR, token_selector=SELECTOR)
    cfg.update(overrides)
    return cfg


def _build(data, cfg, split='train', chunk_size=4):
    dataset = EgoExoVideoDataset(data['root'], split, data['frames'], frame_size=32,
                                 lazy_init=True)
    cache = FeatureCache(frame_size=32, **cfg)
    extractor = FeatureExtractor.from_configs(
        cache.mode, chunk_size=chunk_size,
        **{k: cfg[k] for k in ('frame_encoder', 'data_preprocessor', 'token_selector')})
    return cache, cache.build(dataset.records, dataset.frame_cache, extractor)


def _frame_vectors(frames):
    """The image path: uint8 ``[B, T, 3, H, W]`` -> preprocessor -> encoder -> STM."""
    preprocessor, encoder = MODELS.build(PREPROCESSOR), MODELS.build(ENCODER)
    with torch.no_grad():
        batch = preprocessor(dict(inputs=list(frames)))['inputs']
        return MODELS.build(SELECTOR)(encoder(batch))


def test_exact_clip_through_stm_equals_the_image_path(data):
    cfg = _feature_cfg(data['tmp'] / 'exact')
    _build(data, cfg)
    def pairs(load, **kwargs):
        return EgoExoPairDataset(
            data['root'], data['frames'], frame_size=32, seed=3, **kwargs,
            pipeline=[dict(type='SampleClipFrames', num_frames=6), dict(type=load),
                      dict(type='PackEgoExoInputs')])

    images, feats = pairs('LoadClipFromCache'), pairs('LoadClipFeatures', feature_cache=cfg)
    selector = MODELS.build(SELECTOR)
    worst = 0.0
    for idx in range(4):
        a, b = images[idx], feats[idx]
        assert b['inputs'].dtype == torch.float16 and b['inputs'].shape == (2, 6, 16, 32)
        for key in ('video_names', 'is_ego'):
            assert a['data_samples'].metainfo[key] == b['data_samples'].metainfo[key]
        expected = _frame_vectors(a['inputs'])  # [2, 6, 32], STM on the sampled clip
        got = selector(b['inputs'].float())
        worst = max(worst, (got - expected).abs().max().item())
    assert worst < 5e-3, f'max abs diff {worst} (float16 tokens)'


def test_compact_vectors_equal_the_evaluation_vectors(data):
    cfg = _feature_cfg(data['tmp'] / 'compact', mode='compact')
    _build(data, cfg, split='val', chunk_size=4)  # chunks of 4: STM across their borders
    images = EgoExoVideoDataset(data['root'], 'val', data['frames'], frame_size=32)
    feats = EgoExoVideoDataset(data['root'], 'val', data['frames'], frame_size=32,
                               feature_cache=cfg)
    with DefaultScope.overwrite_default_scope('byov'):
        baseline = MODELS.build(dict(
            type='FrameFeatureBaseline', data_preprocessor=PREPROCESSOR,
            stem=dict(type='FrameStem', frame_encoder=ENCODER, token_selector=SELECTOR)))
    for idx in range(len(images)):
        item = images[idx]
        expected = baseline.forward(
            **baseline.data_preprocessor(dict(inputs=[item['inputs']],
                                              data_samples=[item['data_samples']])))[0]
        got = feats[idx]['inputs']
        assert got.dtype == torch.float32 and got.shape == (item['inputs'].shape[0], 32)
        np.testing.assert_allclose(got.numpy(), expected.embeds, atol=1e-5)


def test_key_follows_weights_size_preprocessing_and_mode(tmp_path):
    def key(**overrides):
        return FeatureCache(frame_size=overrides.pop('frame_size', 32),
                            **_feature_cfg(tmp_path, **overrides)).key

    base = key()
    assert key(frame_encoder=dict(ENCODER, chunk_size=2)) == base  # no effect on outputs
    assert key(token_selector=dict(SELECTOR, ratio=0.5)) == base  # exact: tokens only
    changed = [
        key(frame_encoder=dict(ENCODER, seed=1)),  # other weights
        key(frame_encoder=dict(ENCODER, input_size=16), frame_size=16),  # other input size
        key(frame_size=(32, 48)),
        key(data_preprocessor=dict(PREPROCESSOR, mean=[0.5, 0.5, 0.5])),
        key(mode='compact'),
        key(mode='compact', token_selector=dict(SELECTOR, ratio=0.5)),
    ]
    assert len({base, *changed}) == len(changed) + 1
    assert FeatureCache(str(tmp_path), 'exact', ENCODER, key='pinned').root == str(
        tmp_path / 'pinned')


def test_build_is_resumable(data, monkeypatch):
    cfg = _feature_cfg(data['tmp'] / 'resume')
    cache, stats = _build(data, cfg)
    assert stats == dict(videos=5, computed=5, skipped=0, frames=60)
    files = sorted(glob.glob(osp.join(cache.root, '*', '*.npy')))
    assert len(files) == 5 and osp.isfile(osp.join(cache.root, 'meta.json'))
    os.remove(files[0])

    calls = []
    original = FeatureExtractor.__call__
    monkeypatch.setattr(FeatureExtractor, '__call__',
                        lambda self, frames: calls.append(len(frames)) or original(self, frames))
    _, stats = _build(data, cfg)  # only the removed video is computed again
    assert (stats['computed'], stats['skipped'], len(calls)) == (1, 4, 1)
    _, stats = _build(data, cfg)
    assert (stats['computed'], len(calls)) == (0, 1)


def test_build_shards_videos_across_ranks(data, monkeypatch):
    import mmengine.dist
    cfg = _feature_cfg(data['tmp'] / 'sharded')
    monkeypatch.setattr(mmengine.dist, 'get_dist_info', lambda: (1, 2))  # rank 1 of 2
    monkeypatch.setattr(mmengine.dist, 'barrier', lambda: None)
    cache, stats = _build(data, cfg)
    assert (stats['videos'], stats['computed']) == (2, 2)  # videos 1 and 3 of 5
    dataset = EgoExoVideoDataset(data['root'], 'train', data['frames'], frame_size=32,
                                 lazy_init=True)
    assert [not cache.missing([r]) for r in dataset.records] == [False, True, False, True,
                                                                   False]


def test_leftover_temp_files_are_ignored_and_broken_files_rebuilt(data):
    cfg = _feature_cfg(data['tmp'] / 'atomic')
    cache = FeatureCache(frame_size=32, **cfg)
    dataset = EgoExoVideoDataset(data['root'], 'val', data['frames'], frame_size=32,
                                 lazy_init=True)
    rec = dataset.records[0]
    final = cache.path_for(rec.path, rec.view)
    os.makedirs(osp.dirname(final))
    with open(final + '.123-deadbeef.tmp', 'wb') as f:  # a killed writer's leftover
        f.write(b'\x93NUMPY half-written')
    with pytest.raises(FileNotFoundError, match='build_feature_cache.py'):
        EgoExoVideoDataset(data['root'], 'val', data['frames'], frame_size=32,
                           feature_cache=cfg)
    with open(final, 'wb') as f:  # a final file that does not load
        f.write(b'garbage')
    with pytest.warns(UserWarning, match='unreadable'):
        _, stats = _build(data, cfg, split='val')
    assert stats['computed'] == 2
    assert FeatureCache(frame_size=32, **cfg).num_frames(rec.path, rec.view) == 9


def test_feature_datasets_decode_nothing(data, monkeypatch):
    cfg = _feature_cfg(data['tmp'] / 'nodecode', mode='compact')
    _build(data, cfg)

    def no_decoding(*args):
        raise AssertionError('decoded')

    monkeypatch.setattr(fc, 'decode_video', no_decoding)
    fresh = str(data['tmp'] / 'empty_frame_cache')  # the frame cache is not even read
    pairs = EgoExoPairDataset(data['root'], fresh, frame_size=32, feature_cache=cfg,
                              pipeline=[dict(type='SampleClipFrames', num_frames=4),
                                        dict(type='LoadClipFeatures'),
                                        dict(type='PackEgoExoInputs')])
    item = pairs[0]
    assert item['inputs'].shape == (2, 4, 32)
    assert [len(i) for i in item['data_samples'].frame_inds] == [4, 4]
    videos = EgoExoVideoDataset(data['root'], 'train', fresh, frame_size=32,
                                feature_cache=cfg)
    assert [videos[i]['inputs'].shape[0] for i in range(len(videos))] == [14, 11, 12, 13, 10]
    assert not osp.exists(fresh)


def test_build_feature_cache_tool(data, capsys):
    tool = load_script('tools/data/build_feature_cache.py')
    config = osp.join(REPO, 'configs', 'byov', 'byov_tiny_feature-cache_synthetic_demo.py')
    feature_dir = str(data['tmp'] / 'tool')
    args = [config, '--data-root', data['root'], '--cache-dir', str(data['tmp'] / 'frames64'),
            '--feature-dir', feature_dir, '--splits', 'val', '--device', 'cpu']
    tool.main(args)
    assert 'val: 2 videos, 21 frames, exact mode, ' in capsys.readouterr().out
    tool.main(args)
    assert '(computed 0, already cached 2)' in capsys.readouterr().out
    (key,) = os.listdir(feature_dir)
    tokens = np.load(glob.glob(osp.join(feature_dir, key, 'ego', '*.npy'))[0])
    assert tokens.dtype == np.float16 and tokens.shape == (9, 64, 128)  # demo: N=64, D=128
