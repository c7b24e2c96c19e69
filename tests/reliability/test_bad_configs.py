"""A bad config fails when it is built, saying what is wrong and what would be right."""
import copy

import pytest
from mmengine.registry import DefaultScope

from byov.registry import HOOKS, MODELS
from byov.utils import register_all_modules
from tiny_run import build_runner, tiny_config


@pytest.fixture(scope='module', autouse=True)
def _byov_scope():
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'):
        yield


@pytest.fixture
def cfg(tmp_path):
    return tiny_config('data/none', str(tmp_path / 'cache'), str(tmp_path / 'work'))


def test_unknown_type_names_the_registry_and_the_closest_names(cfg):
    model = copy.deepcopy(cfg.model)
    model.stem.token_selector.type = 'SelectiveTokenMerge'
    with pytest.raises(KeyError) as info:
        MODELS.build(model)
    message = str(info.value)
    assert 'SelectiveTokenMerge is not in the byov::model registry' in message
    assert 'closest' in message and 'SelectiveTokenMerging' in message
    with pytest.raises(KeyError, match='No registered hook name is close'):
        HOOKS.build(dict(type='Qwertyuiop'))


@pytest.mark.parametrize('where, typo, expected', [
    ('model', 'BYOVV', 'BYOV'),
    ('custom_hooks', 'NanLossGuardHok', 'NanLossGuardHook'),
])
def test_unknown_type_through_runner_from_cfg(cfg, where, typo, expected):
    """The Runner builds from mmengine's root registries; the hint still comes."""
    if where == 'model':
        cfg.model.type = typo
    else:
        cfg.custom_hooks = [dict(type=typo)]
    with pytest.raises(KeyError) as info:
        build_runner(cfg)
    assert f'{typo} is not in the byov::' in str(info.value)
    assert expected in str(info.value).split('closest', 1)[1]


@pytest.mark.parametrize('change, match', [
    # 8-frame clips, mask 95%: int(8 * 0.05) = 0 frames kept
    (dict(self_view_masking=dict(type='RandomFrameMasking', ratio=0.95)),
     'self_view_masking: ratio=0.95 keeps 0 of the 8 frames'),
    (dict(cross_view_masking=dict(type='RandomFrameMasking', ratio=1.0)),
     r'cross_view_masking: .*ratio .*\[0, 1\)'),
    (dict(stem=dict(token_selector=dict(type='SelectiveTokenMerging', ratio=0.0))),
     r'ratio must lie in \(0, 1\]'),
    (dict(backbone=dict(interpolate_pos=False)), 'backbone.interpolate_pos=False'),
    (dict(decoder=dict(num_frames=4, interpolate_pos=False)),
     'decoder.num_frames=4 is shorter than the 8-frame clips'),
    (dict(decoder=dict(in_channels=48)), 'decoder.in_channels=48 does not match'),
])
def test_invalid_hyperparameter_fails_when_the_model_is_built(cfg, change, match):
    model = _changed(cfg.model, change)
    with pytest.raises(ValueError, match=match):
        MODELS.build(model)


def test_invalid_hyperparameter_fails_in_runner_from_cfg(cfg):
    """Through the Runner too: when it is built, before any data is read."""
    cfg.model = _changed(cfg.model, dict(
        self_view_masking=dict(type='RandomFrameMasking', ratio=0.95)))
    with pytest.raises(ValueError, match='keeps 0 of the 8 frames'):
        build_runner(cfg)


def _changed(model, change):
    model = copy.deepcopy(model)
    for key, value in change.items():
        if 'type' in value:
            model[key] = value
        else:
            model[key].update(value)
    return model
