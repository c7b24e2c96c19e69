"""The feature cache switched on by one top-level option (``feature_cache =
dict(mode=...)``), expanded by ``setup_data`` into what the loaders and the model need."""
import copy
import pathlib

import pytest
from mmengine.config import Config

from byov.datasets import setup_data
from byov.datasets.config_utils import iter_loaders
from byov.datasets.feature_cache import FeatureCache

REPO = pathlib.Path(__file__).resolve().parents[2]
DEMO = REPO / 'configs' / 'byov' / 'byov_tiny_synthetic_demo.py'
# what the shipped feature-cache configs spell out (configs/byov/*feature-cache*.py)
HAND_WRITTEN = '''
_base_ = ['{demo}']
feature_cache = dict(
    cache_dir='data/cache/features', mode='{mode}',
    frame_encoder={{{{_base_.model.stem.frame_encoder}}}},
    data_preprocessor={{{{_base_.model.data_preprocessor}}}},
    token_selector={{{{_base_.model.stem.token_selector}}}})
model = dict(stem=dict(input_type='{input_type}'),
             data_preprocessor=dict(input_type='{input_type}'))
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{{{_base_.clip_len}}}}, random_offset=1),
    dict(type='LoadClipFeatures'),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [dict(type='LoadVideoFeatures'), dict(type='PackEgoExoInputs')]
train_dataloader = dict(dataset=dict(feature_cache=feature_cache, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(feature_cache=feature_cache, pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(feature_cache=feature_cache, pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(feature_cache=feature_cache, pipeline=video_pipeline))
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
'''


def _option_config(mode, **option):
    return Config(dict(Config.fromfile(str(DEMO)).to_dict(),
                       feature_cache=dict(mode=mode, **option)))


def _strip(cfg):
    """Loaders and model as plain data, the top-level option removed."""
    cfg = copy.deepcopy(cfg.to_dict())
    cfg.pop('feature_cache', None)
    return {k: cfg.get(k) for k in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                                    'val_cfg', 'test_cfg', 'model')}


@pytest.mark.parametrize('mode,input_type', [('exact', 'patch_tokens'),
                                             ('compact', 'frame_vectors')])
def test_the_option_equals_the_hand_written_config(tmp_path, mode, input_type):
    hand = tmp_path / 'hand.py'
    hand.write_text(HAND_WRITTEN.format(demo=DEMO, mode=mode, input_type=input_type))
    expected = Config.fromfile(str(hand))
    option = _option_config(mode, cache_dir='data/cache/features')
    for cfg in (expected, option):
        setup_data(cfg, data_root=str(tmp_path), check_roots=False)
    expected, got = _strip(expected), _strip(option)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert got[key]['dataset']['pipeline'] == expected[key]['dataset']['pipeline']
    assert got['model']['stem'] == expected['model']['stem']
    assert got['model']['data_preprocessor'] == expected['model']['data_preprocessor']
    # the same cache folder: features built by the old configs stay valid
    for key in ('train_dataloader', 'test_cfg'):
        ours = got[key] if key.endswith('loader') else got[key]['fit_dataloader']
        theirs = expected[key] if key.endswith('loader') else expected[key]['fit_dataloader']
        assert (FeatureCache(frame_size=64, **ours['dataset']['feature_cache']).key ==
                FeatureCache(frame_size=64, **theirs['dataset']['feature_cache']).key)


def test_every_loader_is_switched_and_running_twice_changes_nothing(tmp_path):
    cfg = _option_config('exact')
    setup_data(cfg, data_root=str(tmp_path), check_roots=False)
    once = copy.deepcopy(cfg.to_dict())
    loaders = dict(iter_loaders(cfg))
    assert set(loaders) >= {'train_dataloader', 'val_dataloader', 'test_dataloader',
                            'val_cfg.fit_dataloader', 'test_cfg.fit_dataloader'}
    for name, dataset in loaders.items():
        fc = dataset['feature_cache']
        assert fc['mode'] == 'exact' and fc['cache_dir'] == 'data/cache/features', name
        assert fc['frame_encoder'] == cfg.model.stem.frame_encoder.to_dict()
        steps = [s['type'] for s in dataset['pipeline']]
        assert 'LoadClipFromCache' not in steps and 'LoadVideoFromCache' not in steps
        assert {'LoadClipFeatures', 'LoadVideoFeatures'} & set(steps), name
    setup_data(cfg, data_root=str(tmp_path), check_roots=False)
    assert cfg.to_dict() == once


def test_a_loaders_own_cache_dir_wins(tmp_path):
    cfg = _option_config('compact')
    cfg.test_dataloader.dataset.feature_cache = dict(cache_dir='elsewhere')
    setup_data(cfg, data_root=str(tmp_path), check_roots=False)
    assert cfg.test_dataloader.dataset.feature_cache.cache_dir == 'elsewhere'
    assert cfg.test_dataloader.dataset.feature_cache.mode == 'compact'
    assert cfg.val_dataloader.dataset.feature_cache.cache_dir == 'data/cache/features'


def test_bad_options_are_refused(tmp_path):
    cfg = _option_config('fast')
    with pytest.raises(ValueError, match=r"mode one of \('exact', 'compact'\)"):
        setup_data(cfg, check_roots=False)
    cfg = _option_config('compact')
    cfg.model.stem.input_type = 'patch_tokens'  # contradicts compact mode
    with pytest.raises(ValueError, match=r"model.stem.input_type='patch_tokens'; remove"):
        setup_data(cfg, check_roots=False)
