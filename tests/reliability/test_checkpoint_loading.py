"""Which checkpoints load into which model, and what is said when one should not.

Testing loads strictly (``tools/test.py``; ``--partial-load`` to load the matching keys
only), training's ``load_from`` leniently about missing / unexpected keys, never about
shapes; a model reading cached features ignores a full checkpoint's frame encoder. Files
that are not whole checkpoints, and ``--resume`` of a weights-only file, fail naming the
file and the fix. All through ``ByovRunner.load_checkpoint``, the runner of byov's tools.
"""
import copy
import os
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from byov.registry import MODELS
from byov.utils import register_all_modules
from byov.utils.checkpoint import CheckpointFormatError, UnsafeCheckpointError, \
    load_checkpoint_file
from tiny_run import build_runner, run_tool, tiny_config, write_config

TINY_CLIP = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                 num_attention_heads=2, image_size=32, patch_size=8)


@pytest.fixture(scope='module', autouse=True)
def _byov_scope():
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'):
        yield


@pytest.fixture(scope='module')
def cfg(tmp_path_factory):
    work = tmp_path_factory.mktemp('loading')
    return tiny_config('data/none', str(work / 'cache'), str(work / 'work'))


@pytest.fixture(scope='module')
def runner(cfg):
    return build_runner(cfg)


def _save(path, model_or_state, **extra):
    state = model_or_state if isinstance(model_or_state, dict) else \
        model_or_state.state_dict()
    torch.save(dict(state_dict=state, meta=dict(), **extra), str(path))
    return str(path)


def _model(cfg, **changes):
    model = copy.deepcopy(cfg.model)
    for key, value in changes.items():
        model[key].update(value)
    torch.manual_seed(1)
    return MODELS.build(model)


def _weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


# ---------------------------------------------------------------- strict / lenient
def test_own_checkpoint_loads_strictly_and_copies_every_weight(runner, cfg, tmp_path):
    source = _model(cfg)
    runner.load_checkpoint(_save(tmp_path / 'own.pth', source), mode='strict')
    for key, value in source.state_dict().items():
        assert torch.equal(runner.model.state_dict()[key], value), key


def test_other_widths_never_load(runner, cfg, tmp_path):
    wide = _model(cfg, backbone=dict(embed_dims=48), decoder=dict(in_channels=48))
    path = _save(tmp_path / 'wide.pth', wide)
    before = _weights(runner)
    for mode in ('strict', 'partial', 'finetune'):
        with pytest.raises(RuntimeError) as info:
            runner.load_checkpoint(path, mode=mode)
        message = str(info.value)
        assert f'{path} does not match the model (BYOV)' in message
        assert 'key(s) of another shape' in message
        assert '[48, 32] in the checkpoint, [32, 32] in the model' in message
    assert 'not even with --partial-load' in message or mode != 'strict'
    after = _weights(runner)
    assert all(torch.equal(before[k], after[k]) for k in before)  # nothing copied


def test_half_the_keys_fail_strictly_and_load_partially(runner, cfg, tmp_path):
    source = _model(cfg).state_dict()
    keys = sorted(source)
    kept = {k: source[k] for i, k in enumerate(keys) if i % 2 == 0}
    path = _save(tmp_path / 'half.pth', kept)
    before = _weights(runner)
    with pytest.raises(RuntimeError) as info:
        runner.load_checkpoint(path, mode='strict')
    message = str(info.value)
    dropped = [k for k in keys if k not in kept]
    assert f'{len(dropped)} missing key(s)' in message
    first = next(k for k in runner.model.state_dict() if k in dropped)  # model order
    assert first in message and '--partial-load' in message
    assert f'({len(dropped) - 5} more)' in message  # the first five, then a count
    assert all(torch.equal(before[k], v) for k, v in _weights(runner).items())
    for mode in ('partial', 'finetune'):
        runner.load_checkpoint(path, mode=mode)
        now = _weights(runner)
        assert all(torch.equal(now[k], kept[k]) for k in kept)
        assert all(torch.equal(now[k], before[k]) for k in dropped)
        assert runner.checkpoint_load == dict(source=path, mode=mode, loaded=len(kept),
                                              missing=len(dropped), unexpected=0, ignored=0)


def test_a_tcc_checkpoint_does_not_evaluate_as_byov(runner, tmp_path):
    tcc = MODELS.build(dict(
        type='AlignmentModel',
        data_preprocessor=dict(type='EgoExoDataPreprocessor', size=32),
        stem=dict(type='FrameStem',
                  frame_encoder=dict(type='TinyPatchEncoder', embed_dims=32, patch_size=8,
                                     input_size=32),
                  token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=32, embed_dims=32,
                      num_layers=1, num_heads=2),
        num_frames=8,
        loss=dict(type='TCCLoss')))
    path = _save(tmp_path / 'tcc.pth', tcc)
    with pytest.raises(RuntimeError) as info:
        runner.load_checkpoint(path, mode='strict')
    message = str(info.value)
    # The backbones share their key names; BYOV's decoder is what the TCC model lacks.
    missing = [k for k in runner.model.state_dict() if k not in tcc.state_dict()]
    assert missing and all(k.startswith('decoder.') for k in missing)
    assert f'{len(missing)} missing key(s)' in message and missing[0] in message


def test_unexpected_keys_fail_strictly_and_are_skipped_in_training(runner, cfg, tmp_path):
    state = dict(_model(cfg).state_dict(), **{'head.fc.weight': torch.zeros(3, 32)})
    path = _save(tmp_path / 'extra.pth', state)
    with pytest.raises(RuntimeError, match=r"1 unexpected key\(s\) .*head\.fc\.weight"):
        runner.load_checkpoint(path, mode='strict')
    runner.load_checkpoint(path, mode='finetune')
    assert torch.equal(runner.model.state_dict()['backbone.pre_norm.weight'],
                       state['backbone.pre_norm.weight'])


@pytest.mark.parametrize('input_type', ['patch_tokens', 'frame_vectors'])
def test_feature_cache_model_loads_a_full_checkpoint_ignoring_the_frame_encoder(
        cfg, tmp_path, input_type):
    """A full checkpoint (CLIP tower included, as the reference converter writes) into a
    model that reads cached features: exactly the frame encoder's keys are ignored."""
    frames_cfg = copy.deepcopy(cfg)
    frames_cfg.model.stem.frame_encoder = dict(type='CLIPVisionEncoder', pretrained=None,
                                          config=TINY_CLIP)
    full = _model(frames_cfg)
    path = _save(tmp_path / 'full.pth', full)
    clip_keys = [k for k in full.state_dict() if k.startswith('stem.frame_encoder.')]
    assert len(clip_keys) == 39  # the 39 CLIP keys a strict load used to fail on

    feature_cfg = copy.deepcopy(cfg)
    feature_cfg.model.stem.update(input_type=input_type, frame_encoder=None)
    feature_cfg.model.data_preprocessor.input_type = input_type
    feature_runner = build_runner(feature_cfg)
    model = feature_runner.model
    with pytest.raises(RuntimeError, match='Unexpected key'):  # plain torch: strict fails
        copy.deepcopy(model).load_state_dict(full.state_dict(), strict=True)
    feature_runner.load_checkpoint(path, mode='strict')
    for key, value in full.state_dict().items():
        if not key.startswith('stem.frame_encoder.'):
            assert torch.equal(model.state_dict()[key], value), key
    # ... and only those: half the temporal weights missing still fails
    half = {k: v for i, (k, v) in enumerate(sorted(full.state_dict().items())) if i % 2}
    with pytest.raises(RuntimeError, match='missing key'):
        feature_runner.load_checkpoint(_save(tmp_path / 'half.pth', half), mode='strict')


# ---------------------------------------------------------------- damaged files
def _zero(path):
    open(path, 'wb').close()


def _truncated(path):
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, path)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])


def _truncated_legacy(path):
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, path,
               _use_new_zipfile_serialization=False)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 3])


def _random(path):
    open(path, 'wb').write(os.urandom(4096))


def _random_after_a_pickle_header(path):
    open(path, 'wb').write(b'\x80\x02' + bytes(range(90, 100)) + os.urandom(4096))


@pytest.mark.parametrize('damage, detail', [
    (_zero, 'the file is empty, 0 bytes'), (_truncated, 'cut short'),
    (_truncated_legacy, ''), (_random, 'neither a zip archive nor a pickle'),
    (_random_after_a_pickle_header, 'unpickling failed: ')])
def test_damaged_checkpoint_is_named_with_the_fix(runner, tmp_path, damage, detail):
    path = str(tmp_path / 'epoch_3.pth')
    damage(path)
    for load in (lambda: load_checkpoint_file(path),
                 lambda: runner.load_checkpoint(path, mode='strict')):
        with pytest.raises(CheckpointFormatError) as info:
            load()
        message = str(info.value)
        assert message.startswith(f'{path} is truncated or not a checkpoint (')
        assert detail in message and message.endswith('re-download / re-save it.')
        assert not isinstance(info.value, UnsafeCheckpointError)
        assert 'would run code' not in message


def test_resume_of_a_weights_only_checkpoint_says_what_to_use(runner, cfg, tmp_path):
    path = _save(tmp_path / 'weights.pth', _model(cfg))
    with pytest.raises(CheckpointFormatError) as info:
        runner.resume(path)
    message = str(info.value)
    assert message.startswith(f'--resume {path}: this checkpoint holds no training state')
    assert 'meta.epoch' in message and 'message_hub' in message
    assert f'load_from={path}' in message and f'tools/test.py CONFIG {path}' in message


# ---------------------------------------------------------------- through tools/test.py
def test_tools_test_refuses_a_mismatched_checkpoint_unless_partial_load(
        tiny_synthetic, cfg, tmp_path):
    data_root, cache_dir = tiny_synthetic
    tool_cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'work'))
    config = write_config(tool_cfg, str(tmp_path / 'tiny.py'))
    state = _model(cfg).state_dict()
    path = _save(tmp_path / 'half.pth', {k: v for i, (k, v) in
                                         enumerate(sorted(state.items())) if i % 2})
    proc = run_tool(['tools/test.py', config, path], check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f'{path} does not match the model (BYOV)' in output and '--partial-load' in output
    assert not osp.exists(osp.join(tmp_path, 'work', 'results.json'))
    proc = run_tool(['tools/test.py', config, path, '--partial-load'])
    assert 'loaded the' in proc.stdout + proc.stderr
    assert osp.exists(osp.join(tmp_path, 'work', 'results.json'))
