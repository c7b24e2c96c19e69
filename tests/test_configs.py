"""Every config shipped under configs/ parses, names only registered types, and builds
its model (the downloaded CLIP tower swapped for a weight-free encoder of the same
width, so no weights are fetched). A new config is tested the day it is added."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from byov import registry as byov_registry
from byov.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
# CLIP towers by width; the stand-in keeps D so the rest of the model builds unchanged.
CLIP_WIDTH = {'openai/clip-vit-base-patch16': 768, 'openai/clip-vit-large-patch14': 1024}


def _registries():
    from mmengine import registry as mme
    regs = [getattr(byov_registry, name) for name in dir(byov_registry)
            if name.isupper() and hasattr(getattr(byov_registry, name), 'get')]
    regs += [mme.OPTIM_WRAPPERS, mme.OPTIMIZERS, mme.PARAM_SCHEDULERS, mme.LOG_PROCESSORS,
             mme.VISUALIZERS, mme.VISBACKENDS, mme.HOOKS, mme.MODEL_WRAPPERS,
             mme.DATA_SAMPLERS, mme.FUNCTIONS]
    return regs


def _types(node, path=''):
    """Yield (path, type name) for every dict with a 'type' in a config tree."""
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield path, node['type']
        for key, value in node.items():
            yield from _types(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _types(value, f'{path}[{i}]')


def _swap_downloads(model_cfg):
    """Replace frame encoders that download weights by a weight-free one of equal width
    (CLIP) or by the same network with seeded random weights (ResNet)."""
    model_cfg = copy.deepcopy(model_cfg)
    stem = model_cfg.get('stem') or {}
    enc = stem.get('frame_encoder')
    if enc and enc.get('type') == 'CLIPVisionEncoder':
        width = CLIP_WIDTH[enc['pretrained']]
        stem['frame_encoder'] = dict(type='TinyPatchEncoder', embed_dims=width, patch_size=16,
                                     input_size=32)
        pre = model_cfg.get('data_preprocessor')
        if pre is not None and pre.get('size') is not None:
            pre['size'] = 32
    if enc and enc.get('type') == 'ResNetFrameEncoder' and enc.get('pretrained'):
        # the same network, seeded random weights instead of the downloaded file
        stem['frame_encoder'] = dict(enc, pretrained=None, seed=0)
    return model_cfg


@pytest.fixture(scope='module', autouse=True)
def _byov_scope():
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'):
        yield


def test_configs_are_found():
    names = {osp.basename(p) for p in CONFIGS}
    for expected in ('byov_break_eggs.py', 'byov_pour_milk.py', 'byov_pour_liquid.py',
                     'byov_tennis_forehand.py', 'byov_tiny_synthetic_demo.py'):
        assert expected in names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') == 'byov', f'{path}: inherit default_runtime.py'
    registries = _registries()
    for where, name in _types(cfg.to_dict()):
        found = any(reg.get(name) is not None for reg in registries)
        assert found, f'{osp.relpath(path, ROOT)}: {where}.type={name!r} is not registered'
    model = byov_registry.MODELS.build(_swap_downloads(cfg.model))
    assert isinstance(model, torch.nn.Module)
    # Evaluation is configured the same way everywhere: both loops get the fit split.
    for key in ('test_cfg',):
        loop = cfg.get(key)
        assert loop is not None and 'fit_dataloader' in loop, f'{path}: {key} lacks fit split'


def _clip_length(cfg):
    """Frames per training clip of the train pipeline's SampleClipFrames, or None."""
    loader = cfg.get('train_dataloader') or {}
    pipeline = (loader.get('dataset') or {}).get('pipeline') or []
    lengths = [t['num_frames'] for t in pipeline if t.get('type') == 'SampleClipFrames']
    return lengths[0] if lengths else None


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_clip_length_is_set_once(path):
    """The model is built for the clips its config trains on (model.num_frames is read
    from the dataset config's clip_len), and its parts take the length from the model."""
    cfg = Config.fromfile(path)
    if cfg.model.type not in ('BYOV', 'AlignmentModel'):
        return
    # a config evaluated only (the untrained rows) has no train loader to compare with
    clips = _clip_length(cfg) if cfg.get('train_dataloader') else cfg.clip_len
    assert cfg.model.num_frames == clips == cfg.clip_len, path
    for part in ('backbone', 'decoder'):
        assert 'num_frames' not in (cfg.model.get(part) or {}), f'{path}: {part}.num_frames'
