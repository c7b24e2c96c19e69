"""A NaN or infinite loss stops training, naming the iteration and the loss term, before
the weights are touched (or the step is skipped and counted); NaN embeddings stop the
evaluation, naming the split and the video."""
import os.path as osp

import numpy as np
import pytest
import torch

import fault_plugins  # noqa: F401  (registers NanOnceBYOV)
from byov.engine.hooks.nan_guard_hook import NanLossGuardHook
from byov.utils.checkpoint import load_checkpoint_file
from tiny_run import build_runner, tiny_config

# 6 training videos, batch 4: two iterations per epoch


def _config(tiny_synthetic, tmp_path, nan_steps, action='raise', value='nan', **hook):
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'work'), max_epochs=2,
                      plugins=True)
    cfg.model.type = 'NanOnceBYOV'
    cfg.model.update(nan_steps=nan_steps, value=value)
    cfg.default_hooks.nan_guard = dict(type='NanLossGuardHook', action=action, **hook)
    return cfg


def test_guards_are_on_by_default(tmp_path):
    """configs/_base_/default_runtime.py lists both hooks in default_hooks (a dict, merged
    on inheritance), so a config with custom_hooks of its own keeps them."""
    cfg = tiny_config('data/none', str(tmp_path), str(tmp_path))
    assert cfg.default_hooks.nan_guard == dict(type='NanLossGuardHook', action='raise')
    assert cfg.default_hooks.iteration_seed == dict(type='IterationSeedHook')
    cfg.custom_hooks = [dict(type='EmptyCacheHook')]  # a user's own hooks
    names = [type(h).__name__ for h in build_runner(cfg).hooks]
    assert 'EmptyCacheHook' in names
    assert 'IterationSeedHook' in names
    # the guard reports after the logger (the bad iteration is logged), before checkpoints
    assert names.index('LoggerHook') < names.index('NanLossGuardHook') < names.index(
        'CheckpointHook')


def _weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.mark.parametrize('value', ['nan', 'inf'])
def test_non_finite_loss_stops_training_naming_iteration_and_term(
        tiny_synthetic, tmp_path, one_thread, value):
    runner = build_runner(_config(tiny_synthetic, tmp_path, nan_steps=[2], value=value))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    print(message)
    assert 'epoch 2, iteration 3' in message and f'loss_msm={value}' in message
    assert 'loss_mcm' not in message  # only the bad term is named
    assert "action='skip'" in message  # and how to go on instead
    # the step was not applied: the weights are those saved after epoch 1
    saved = load_checkpoint_file(osp.join(runner.work_dir, 'epoch_1.pth'))['state_dict']
    now = _weights(runner)
    assert all(torch.equal(now[k], saved[k]) for k in saved)
    assert not osp.exists(osp.join(runner.work_dir, 'epoch_2.pth'))


def test_skip_drops_the_step_and_counts_it(tiny_synthetic, tmp_path, one_thread, caplog):
    runner = build_runner(_config(tiny_synthetic, tmp_path, nan_steps=[1], action='skip'))
    before = {}

    class Snapshot:  # the weights just before the bad step (iteration 2)
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.iter == 1:
                before.update(_weights(runner))
    runner.register_hook(_as_hook(Snapshot()), 'LOWEST')
    runner.train()
    guard = next(h for h in runner.hooks if isinstance(h, NanLossGuardHook))
    assert guard.num_skipped == 1
    assert runner.message_hub.get_info('train/nonfinite_steps_skipped') == 1
    assert runner.iter == 4  # the epochs ran their iterations
    final = _weights(runner)
    assert all(torch.isfinite(v).all() for v in final.values())
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert 'skipped the step at epoch 1, iteration 2' in log and 'loss_msm=nan' in log
    assert '1 step(s) skipped so far' in log
    assert before  # the snapshot was taken; the skipped step left them unchanged:
    saved = load_checkpoint_file(osp.join(runner.work_dir, 'epoch_1.pth'))['state_dict']
    assert all(torch.equal(before[k], saved[k]) for k in saved)


def test_skip_gives_up_after_consecutive_skips(tiny_synthetic, tmp_path, one_thread):
    runner = build_runner(_config(tiny_synthetic, tmp_path, nan_steps=[0, 1, 2],
                                  action='skip', max_consecutive_skips=3))
    with pytest.raises(FloatingPointError, match='3 consecutive steps .*diverged'):
        runner.train()


def test_guard_is_an_optim_wrapper_and_leaves_mmengine_alone(
        tiny_synthetic, tmp_path, one_thread):
    """The step is skipped by byov's registered optim wrapper, not by patching the live
    object; with mmengine's plain OptimWrapper, 'skip' is refused when training starts
    and 'raise' stops at the bad iteration, saying the step was applied."""
    from mmengine.optim import OptimWrapper
    original = OptimWrapper.update_params
    cfg = _config(tiny_synthetic, tmp_path, nan_steps=[1], action='skip')
    cfg.optim_wrapper.type = 'OptimWrapper'
    with pytest.raises(ValueError, match="optim_wrapper.type='NanGuardOptimWrapper'"):
        build_runner(cfg).train()
    cfg = _config(tiny_synthetic, tmp_path / 'raise', nan_steps=[1])
    cfg.optim_wrapper.type = 'OptimWrapper'
    runner = build_runner(cfg)
    with pytest.raises(FloatingPointError, match='The step was applied .*OptimWrapper'):
        runner.train()
    assert 'update_params' not in vars(runner.optim_wrapper)  # no instance patch
    assert OptimWrapper.update_params is original


@pytest.mark.parametrize('split', ['train', 'test'])
def test_nan_embeddings_fail_the_evaluation_naming_split_and_video(
        tiny_synthetic, tmp_path, one_thread, split):
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'work'))
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None  # as tools/test.py
    runner = build_runner(cfg)
    model = runner.model
    predict = model.predict

    def nan_predict(inputs, data_samples=None):
        outputs = predict(inputs, data_samples)
        for sample in outputs:
            if sample.split == split and sample.video_index == 1:
                sample.embeds[3] = np.nan
        return outputs
    model.predict = nan_predict
    with pytest.raises(ValueError) as info:
        runner.test()
    message = str(info.value)
    print(message)
    assert f'{split} split' in message and 'index 1' in message
    assert 'NaN or inf embeddings at 1 of' in message


def _as_hook(obj):
    from mmengine.hooks import Hook

    class Wrapped(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            obj.before_train_iter(runner, batch_idx, data_batch)
    return Wrapped()
