"""A checkpoint records what made the frame vectors it was trained on (frames through an
encoder, or a feature cache: its encoder, mode, key, frame size, normalisation, token
selector), and loading refuses one trained on other features than the run gives the
model: across caches, frames -> cache and cache -> frames.

The encoders are the tiny demo encoder with seed 0 (A) and seed 1 (B): the same shapes,
other weights. The caches are built here from the session's tiny synthetic benchmark.
"""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from byov.datasets import EgoExoVideoDataset
from byov.datasets.config_utils import USED_LOADER_KEYS, iter_loaders, setup_feature_cache
from byov.datasets.feature_cache import FeatureCache, FeatureExtractor
from byov.engine.feature_source import FeatureSourceConflictError, hand_feature_source
from byov.models.data_preprocessor import CLIP_MEAN
from byov.models.stems import FeatureSourceMismatchError, FrameEncoderMismatchError
from byov.registry import MODELS
from byov.utils import register_all_modules
from byov.utils.errors import UserInputError
from tiny_run import build_runner, tiny_config

OTHER_MEAN = (0.5, 0.5, 0.5)
# name -> (mode or None for frames, encoder seed, STM ratio, preprocessor mean)
SOURCES = {
    'frames_A': (None, 0, 0.3, None),
    'frames_B': (None, 1, 0.3, None),
    'exact_A': ('exact', 0, 0.3, None),
    'exact_B': ('exact', 1, 0.3, None),
    'exact_A_other_mean': ('exact', 0, 0.3, OTHER_MEAN),
    'compact_A': ('compact', 0, 0.3, None),
    'compact_A_ratio_0.5': ('compact', 0, 0.5, None),
}


@pytest.fixture(scope='module', autouse=True)
def _byov_scope():
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'):
        yield


@pytest.fixture(scope='module')
def setup(tiny_synthetic, tmp_path_factory):
    """The configs of every source, their caches built (train and test splits)."""
    data_root, frame_dir = tiny_synthetic
    tmp = tmp_path_factory.mktemp('feature_source')
    feature_dir = str(tmp / 'features')
    configs = {}
    for name, (mode, seed, ratio, mean) in SOURCES.items():
        cfg = tiny_config(data_root, frame_dir, str(tmp / 'work' / name), max_epochs=1)
        cfg.model.stem.frame_encoder.seed = seed
        cfg.model.stem.token_selector.ratio = ratio
        if mean is not None:
            cfg.model.data_preprocessor.mean = mean
        if mode is not None:
            cfg.feature_cache = dict(mode=mode, cache_dir=feature_dir)
            setup_feature_cache(cfg)
            cfg.pop('feature_cache')  # written into every loader; a tools-only word
            _build_caches(cfg)
        configs[name] = cfg
    return configs


def _build_caches(cfg):
    for _, dataset_cfg in iter_loaders(cfg, USED_LOADER_KEYS, others=False):
        if dataset_cfg.get('split', 'train') not in ('train', 'test'):
            continue
        feature_cfg = dataset_cfg['feature_cache'].to_dict()
        dataset = EgoExoVideoDataset(dataset_cfg.data_root, dataset_cfg.get('split', 'train'),
                                     dataset_cfg.cache_dir, frame_size=32, lazy_init=True)
        cache = FeatureCache(frame_size=32, **feature_cfg)
        extractor = FeatureExtractor.from_configs(cache.mode, **{
            k: feature_cfg[k] for k in ('frame_encoder', 'data_preprocessor', 'token_selector')})
        cache.build(dataset.records, dataset.frame_cache, extractor)


def _test_dataset(cfg):
    """The test split as the config's test loader reads it (features or frames)."""
    ds = cfg.test_dataloader.dataset
    feature_cache = ds.get('feature_cache')
    return EgoExoVideoDataset(ds.data_root, 'test', ds.cache_dir, frame_size=32,
                              feature_cache=feature_cache.to_dict() if feature_cache else None)


def _model(cfg, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    hand_feature_source(model, [('test_dataloader', _test_dataset(cfg))])
    return model


def _checkpoint(model, path):
    """Saved and read back as a tool would (weights only: the record must survive)."""
    torch.save(dict(state_dict=model.state_dict()), str(path))
    return torch.load(str(path), weights_only=True)['state_dict']


def _fingerprint(seed):
    """The encoder's fingerprint, computed independently of the caches and stems."""
    return MODELS.build(dict(type='TinyPatchEncoder', embed_dims=32, patch_size=8,
                             input_size=32, seed=seed)).fingerprint()


def test_a_checkpoint_records_the_cache_it_was_trained_on(setup, tmp_path):
    cfg = setup['exact_A']
    dataset = _test_dataset(cfg)
    state = _checkpoint(_model(cfg), tmp_path / 'a.pth')
    record = state._metadata['stem']
    features = record['features']
    assert features['input_type'] == 'patch_tokens' and features['mode'] == 'exact'
    assert features['key'] == dataset.feature_cache.key
    assert _fingerprint(0) != _fingerprint(1)
    assert features['frame_encoder']['fingerprint'] == _fingerprint(0)
    assert record['frame_encoder'] == features['frame_encoder']  # as frame-trained ones
    assert record['frame_encoder']['type'] == 'TinyPatchEncoder'
    assert features['frame_size'] == [32, 32]
    assert features['normalisation']['mean'] == pytest.approx(CLIP_MEAN, abs=2e-6)
    assert features['token_selector']['ratio'] == 0.3
    # the manifest of a pinned key (no encoder built) gives the same record
    meta = json.load(open(osp.join(dataset.feature_cache.root, 'meta.json')))
    assert meta['frame_encoder_weights'] == _fingerprint(0)
    pinned = copy.deepcopy(cfg)
    pinned.test_dataloader.dataset.feature_cache.key = dataset.feature_cache.key
    assert _test_dataset(pinned).feature_cache.spec is None
    assert _checkpoint(_model(pinned), tmp_path / 'p.pth')._metadata['stem'] == record


def test_a_frame_trained_checkpoint_records_frames(setup, tmp_path):
    features = _checkpoint(_model(setup['frames_A']), tmp_path / 'f.pth')._metadata[
        'stem']['features']
    assert features['input_type'] == 'frames' and features['mode'] is None
    assert features['frame_encoder']['fingerprint'] == _fingerprint(0)
    assert features['frame_size'] == [32, 32]


REFUSED = [
    ('exact_A', 'exact_B', 'fingerprint'),  # cache of A tested on a cache of B
    ('exact_A', 'frames_B', 'fingerprint'),  # cache of A tested on frames through B
    ('frames_A', 'exact_B', 'fingerprint'),  # frames through A tested on a cache of B
    ('compact_A', 'exact_B', 'fingerprint'),
    ('compact_A', 'compact_A_ratio_0.5', 'token selector'),  # another stored selector
    ('frames_A', 'compact_A_ratio_0.5', 'token selector'),
    ('compact_A_ratio_0.5', 'frames_A', 'token selector'),
    ('exact_A', 'exact_A_other_mean', 'normalisation'),  # other normalisation
    ('exact_A_other_mean', 'frames_A', 'normalisation'),
]


@pytest.mark.parametrize('trained, tested, field', REFUSED,
                         ids=[f'{a}->{b}' for a, b, _ in REFUSED])
def test_other_features_are_refused(setup, tmp_path, trained, tested, field):
    state = _checkpoint(_model(setup[trained]), tmp_path / 'ckpt.pth')
    model = _model(setup[tested], seed=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(FeatureSourceMismatchError) as info:
        model.load_state_dict(state, strict=True)
    message = str(info.value)
    assert isinstance(info.value, (UserInputError, FrameEncoderMismatchError))
    assert field in message and 'model.stem.frame_encoder' in message
    assert 'build_feature_cache.py' in message
    for name, kind in ((trained, 'trained on'), (tested, 'gives the model')):
        mode = SOURCES[name][0]
        expected = ('frames through TinyPatchEncoder' if mode is None
                    else f'the {mode}-mode feature cache')
        assert f'{kind} {expected}' in message, (kind, message)
    if field == 'fingerprint':  # both identities named
        fingerprints = {SOURCES[trained][1]: 0, SOURCES[tested][1]: 1}
        assert all(_fingerprint(s)[:12] in message for s in fingerprints)
    # the stem is checked first: nothing of the checkpoint was copied
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


ACCEPTED = [
    ('exact_A', 'exact_A'),
    ('exact_A', 'frames_A'),  # exact mode equals the image path up to float16
    ('frames_A', 'exact_A'),
    ('compact_A', 'compact_A'),
    ('compact_A', 'frames_A'),  # the same evaluation vectors (training deviated)
    ('frames_A', 'compact_A'),
    ('exact_A', 'compact_A'),
]


@pytest.mark.parametrize('trained, tested', ACCEPTED, ids=[f'{a}->{b}' for a, b in ACCEPTED])
def test_the_same_features_load(setup, tmp_path, trained, tested):
    source = _model(setup[trained])
    state = _checkpoint(source, tmp_path / 'ckpt.pth')
    model = _model(setup[tested], seed=1)
    model.load_state_dict(state, strict=True)
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_loaders_of_one_run_must_agree(setup):
    model = MODELS.build(copy.deepcopy(setup['exact_A'].model))
    with pytest.raises(FeatureSourceConflictError, match='fingerprint') as info:
        hand_feature_source(model, [('train_dataloader', _test_dataset(setup['exact_A'])),
                                    ('test_dataloader', _test_dataset(setup['exact_B']))])
    assert 'train_dataloader' in str(info.value) and 'test_dataloader' in str(info.value)
    assert model.stem.feature_source is None  # nothing handed over
    with pytest.raises(UserInputError, match="model.stem.input_type is 'patch_tokens'"):
        hand_feature_source(model, [('test_dataloader', _test_dataset(setup['compact_A']))])


def _save(model, path):
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), str(path))
    return str(path)


def test_runners_refuse_before_testing(setup, tmp_path, one_thread):
    """ByovRunner and mmengine's own Runner build the test loop (which hands the cache's
    source to the stem) before they load ``load_from``: the refusal comes first."""
    from mmengine.runner import Runner
    path = _save(_model(setup['exact_A']), tmp_path / 'a.pth')
    cfg = copy.deepcopy(setup['exact_B'])
    cfg.load_from = path
    with pytest.raises(FeatureSourceMismatchError, match=_fingerprint(0)[:12]):
        build_runner(cfg).test()
    plain = copy.deepcopy(cfg)
    plain.work_dir = str(tmp_path / 'plain')
    with pytest.raises(FeatureSourceMismatchError, match=_fingerprint(1)[:12]):
        Runner.from_cfg(plain).test()
    assert not osp.exists(osp.join(cfg.work_dir, 'results.json'))
    assert not osp.exists(osp.join(plain.work_dir, 'results.json'))
    cfg = copy.deepcopy(setup['exact_A'])
    cfg.load_from = path
    build_runner(cfg).test()  # the same cache: tested
    assert osp.isfile(osp.join(cfg.work_dir, 'results.json'))


def test_training_records_the_cache_and_resume_checks_it(setup, one_thread):
    """ByovRunner without validation: the train loop hands the source over."""
    cfg = copy.deepcopy(setup['exact_A'])
    assert cfg.val_cfg is None
    runner = build_runner(cfg)
    runner.train()
    checkpoint = osp.join(cfg.work_dir, 'epoch_1.pth')
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    features = state._metadata['stem']['features']
    assert features['key'] == _test_dataset(cfg).feature_cache.key
    assert features['frame_encoder']['fingerprint'] == _fingerprint(0)
    other = copy.deepcopy(setup['exact_B'])
    other.work_dir = cfg.work_dir
    other.load_from, other.resume = checkpoint, True
    other.train_cfg.max_epochs = 2
    with pytest.raises(FeatureSourceMismatchError, match='fingerprint'):
        build_runner(other).train()
