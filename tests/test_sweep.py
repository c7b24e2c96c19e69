"""The in-process sweep engine (byov.engine.sweep) against byov's runner: the same config
and seed train to the same weights, and a model is scored as tools/test.py scores it,
with the clock and with positions held, on whole and cropped videos."""
import copy

import pytest
import torch
from mmengine.config import Config

from byov.datasets.transforms.temporal_crop import add_temporal_crop
from byov.engine.runner import ByovRunner
from byov.engine.sweep import (EvaluationData, SweepConfigError, evaluate_model,
                               train_model)
from tests.conftest import data_options

SEMANTIC_BYOV = 'configs/byov/byov_semantic_synthetic.py'
SEMANTIC_CEILING = 'configs/baselines/supervised_semantic_synthetic.py'


def _config(path, tiny_synthetic, work_dir, seed, epochs=2):
    cfg = Config.fromfile(path)
    opts = {}
    for opt in data_options(*tiny_synthetic):
        key, value = opt.split('=', 1)
        opts[key] = int(value) if value.isdigit() else (
            False if value == 'False' else value)
    cfg.merge_from_dict(opts)
    cfg.merge_from_dict({'train_cfg.max_epochs': epochs, 'randomness.seed': seed,
                         'work_dir': str(work_dir), 'default_hooks.logger.interval': 1})
    return cfg


def _runner_train(cfg):
    runner = ByovRunner.from_cfg(copy.deepcopy(cfg))
    model = runner.train()
    return runner, model, runner.train_loop.iter


@pytest.mark.parametrize('path', [SEMANTIC_BYOV, SEMANTIC_CEILING])
def test_sweep_trains_to_the_runners_weights(path, tiny_synthetic, tmp_path):
    """BYOV draws masks from the global generator each iteration and the ceiling draws
    none: both must end where byov's runner ends, weight for weight."""
    cfg = _config(path, tiny_synthetic, tmp_path / 'run', seed=3)
    _, runner_model, iters = _runner_train(cfg)
    assert iters >= 2
    trained = None
    for it, model in train_model(cfg, seed=3, checkpoints=[iters], path=path):
        trained = {k: v.clone() for k, v in model.state_dict().items()}
        assert it == iters
    expected = runner_model.state_dict()
    assert trained.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(trained[key], value, rtol=0, atol=1e-6, msg=key)
    # and not merely because training changes nothing
    init = dict(next(iter(train_model(cfg, seed=3, checkpoints=[0], path=path)))[1]
                .state_dict())
    changed = [k for k in expected if not torch.equal(init[k], expected[k])]
    assert changed


def test_sweep_scores_as_the_test_tool_with_and_without_clock(tiny_synthetic, tmp_path):
    cfg = _config(SEMANTIC_BYOV, tiny_synthetic, tmp_path / 'run', seed=1)
    runner, _, iters = _runner_train(cfg)
    with_clock_full = runner.test()
    checkpoint = str(tmp_path / 'run' / f'epoch_{cfg.train_cfg.max_epochs}.pth')

    held = copy.deepcopy(cfg)
    held.merge_from_dict({'model.backbone.positions': 'held', 'load_from': checkpoint,
                          'work_dir': str(tmp_path / 'held')})
    add_temporal_crop(held, 0.5, seed=0)
    held_crop = ByovRunner.from_cfg(held).test()

    data = EvaluationData(cfg, temporal_crop=0.5, crop_seed=0)
    model = dict(train_model(cfg, seed=1, checkpoints=[iters]))[iters]
    scores = evaluate_model(model, data, clocks=('with', 'held'))
    assert set(scores) == {('with', 'full'), ('with', 'crop'), ('held', 'full'),
                           ('held', 'crop')}
    for expected, got in ((with_clock_full, scores[('with', 'full')]),
                          (held_crop, scores[('held', 'crop')])):
        for key in ('ae2/f1_regular', 'ae2/f1_ego2exo', 'ae2/map@10_regular',
                    'ae2/progression', 'ae2/tau'):
            assert got[key] == pytest.approx(expected[key], abs=1e-6), key
    # holding the positions changes the embedding, so the numbers are not all equal
    assert scores[('with', 'crop')] != scores[('held', 'crop')]
    assert model.backbone.positions == 'sincos'  # restored after evaluation


def test_sweep_refuses_a_config_that_is_not_trained(tiny_synthetic):
    cfg = Config.fromfile('configs/baselines/frozen_features_semantic_synthetic.py')
    with pytest.raises(SweepConfigError, match='not trained'):
        next(iter(train_model(cfg, seed=0, checkpoints=[1], path='frozen.py')))
