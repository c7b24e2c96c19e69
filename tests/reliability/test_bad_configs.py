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


# ---------------------------------------------------------------- errors in what users give
def test_unknown_option_names_the_type_and_the_closest_options(cfg):
    """A mistyped option anywhere in the model's config: nested (built by byov's
    registry) or top level (built by the Runner through mmengine's root registry)."""
    from byov.utils.errors import ConfigOptionError, UserInputError
    model = copy.deepcopy(cfg.model)
    model.backbone.num_layer = model.backbone.pop('num_layers')
    with pytest.raises(ConfigOptionError) as info:
        MODELS.build(model)
    message = str(info.value)
    assert "TemporalTransformerEncoder has no option 'num_layer'" in message
    assert "Did you mean 'num_layers'?" in message
    assert isinstance(info.value, TypeError) and isinstance(info.value, UserInputError)

    cfg.model.self_view_maskng = cfg.model.pop('self_view_masking')
    with pytest.raises(ConfigOptionError, match=r"BYOV has no option 'self_view_maskng'.*"
                       r"Did you mean 'self_view_masking'"):
        build_runner(cfg)


def test_a_type_error_raised_inside_a_class_is_left_alone():
    """Only an option that the config itself passes is reported as a config error; a
    TypeError from code inside the class keeps its type and message."""
    from byov.registry import ByovRegistry
    from byov.utils.errors import UserInputError
    registry = ByovRegistry('a test registry', scope='byov')

    @registry.register_module()
    class Broken:
        def __init__(self, width=1):
            dict(a=1).get(wrong=width)  # a bug: get() takes no keyword arguments

    with pytest.raises(TypeError) as info:
        registry.build(dict(type='Broken', width=2))
    assert not isinstance(info.value, UserInputError)
    with pytest.raises(TypeError, match="Broken has no option 'wdith'") as info:
        registry.build(dict(type='Broken', wdith=2))  # the config's own typo
    assert isinstance(info.value, UserInputError)
    assert "Did you mean 'width'?" in str(info.value)


def test_unknown_type_is_a_user_input_error(cfg):
    from byov.utils.errors import UnknownTypeError
    cfg.model.type = 'BYOVV'
    with pytest.raises(UnknownTypeError) as info:
        build_runner(cfg)
    assert str(info.value).startswith('BYOVV is not in the byov::model registry')
