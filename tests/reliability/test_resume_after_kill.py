"""A training run killed with SIGKILL mid-epoch and resumed with ``--resume`` ends with
the same weights, optimizer state and test metrics as an uninterrupted run with the same
seed (``--deterministic --seed 0``).

The setting is the harder one: two persistent data-loader workers and a validation after
every epoch, which draw from torch's global generator at times that differ between the
two runs. byov's IterationSeedHook (on in configs/_base_/default_runtime.py) makes each
iteration's randomness a function of (seed, iteration); the pair dataset and
EpochAwareSampler make the data a function of (seed, epoch, index). Tolerance: none,
the comparison is exact (max |difference| == 0) on this CPU with one intra-op thread.
"""
import os.path as osp
import shutil
import signal

import pytest
import torch

from byov.utils.checkpoint import TRUST_ENV, load_checkpoint_file
from tiny_run import build_runner, run_tool, stop_workers, tiny_config, write_config

TOLERANCE = 0.0  # max |difference| allowed in weights, optimizer state and metrics


def _max_abs_diff(a, b):
    """Largest |a - b| over all tensors of two (nested) checkpoint parts."""
    if isinstance(a, torch.Tensor):
        return (a.double() - b.double()).abs().max().item() if a.numel() else 0.0
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return max([_max_abs_diff(a[k], b[k]) for k in a] + [0.0])
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        return max([_max_abs_diff(x, y) for x, y in zip(a, b)] + [0.0])
    assert a == b, (a, b)
    return 0.0


def _test_metrics(cfg, checkpoint, work_dir):
    cfg = cfg.copy()
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                'val_dataloader', 'val_cfg', 'val_evaluator'):
        cfg[key] = None  # as tools/test.py
    runner = build_runner(cfg, load_from=checkpoint, work_dir=work_dir, resume=False)
    return runner.test()


@pytest.mark.slow
def test_resume_after_sigkill_matches_an_uninterrupted_run(
        tiny_synthetic, tmp_path, one_thread, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)  # the toolkit's checkpoints need no opt-in
    data_root, cache_dir = tiny_synthetic
    killed_dir, full_dir = str(tmp_path / 'killed'), str(tmp_path / 'full')
    # 3 epochs x 2 iterations, checkpoint and validation after every epoch
    cfg = tiny_config(data_root, cache_dir, killed_dir, max_epochs=3, num_workers=2,
                      validate=True)

    # 1. tools/train.py, killed by SIGKILL before iteration 4 of 6 (epoch 2, batch 2)
    kill_cfg = tiny_config(data_root, cache_dir, killed_dir, max_epochs=3, num_workers=2,
                           validate=True, plugins=True)
    kill_cfg.custom_hooks = [dict(type='KillAtIterationHook', iteration=3)]
    path = write_config(kill_cfg, str(tmp_path / 'kill.py'))
    proc = run_tool(['tools/train.py', path, '--seed', '0', '--deterministic'], check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    assert 'Epoch(train) [2][1/2]' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(killed_dir, 'epoch_1.pth'))
    assert not osp.exists(osp.join(killed_dir, 'epoch_2.pth'))

    # 2. --resume (auto: the latest checkpoint of the work dir), in this process
    resumed = build_runner(cfg, resume=True)
    resumed.train()
    assert resumed.iter == 6 and resumed.epoch == 3
    # 3. the same training, uninterrupted
    full = build_runner(cfg, work_dir=full_dir)
    full.train()
    stop_workers(resumed, full)

    a = load_checkpoint_file(osp.join(killed_dir, 'epoch_3.pth'))
    b = load_checkpoint_file(osp.join(full_dir, 'epoch_3.pth'))
    weights_diff = _max_abs_diff(a['state_dict'], b['state_dict'])
    optimizer_diff = _max_abs_diff(a['optimizer']['state'], b['optimizer']['state'])
    print(f'max |weights diff| = {weights_diff}, max |optimizer state diff| = '
          f'{optimizer_diff}')
    assert weights_diff <= TOLERANCE and optimizer_diff <= TOLERANCE
    # the weights moved, so the comparison means something
    assert _max_abs_diff(a['state_dict'], load_checkpoint_file(
        osp.join(full_dir, 'epoch_1.pth'))['state_dict']) > 1e-4

    # 4. test metrics of both final checkpoints (load_from, no opt-in)
    metrics_a = _test_metrics(cfg, osp.join(killed_dir, 'epoch_3.pth'), str(tmp_path / 'ta'))
    metrics_b = _test_metrics(cfg, osp.join(full_dir, 'epoch_3.pth'), str(tmp_path / 'tb'))
    print('test metrics', metrics_a)
    assert metrics_a.keys() == metrics_b.keys() and len(metrics_a) >= 6
    assert max(abs(metrics_a[k] - metrics_b[k]) for k in metrics_a) <= TOLERANCE


def test_without_the_iteration_seed_hook_a_resumed_run_differs(
        tiny_synthetic, tmp_path, one_thread):
    """The control: mmengine alone restores weights, optimizer and epoch but not the
    generator state, so the resumed epochs draw other masks."""
    data_root, cache_dir = tiny_synthetic
    full_dir, resumed_dir = tmp_path / 'full', tmp_path / 'resumed'
    cfg = tiny_config(data_root, cache_dir, str(full_dir), max_epochs=2)
    del cfg.default_hooks['iteration_seed']
    build_runner(cfg).train()
    resumed_dir.mkdir()
    shutil.copy(full_dir / 'epoch_1.pth', resumed_dir / 'epoch_1.pth')
    resumed = build_runner(cfg, work_dir=str(resumed_dir),
                           load_from=str(resumed_dir / 'epoch_1.pth'), resume=True)
    resumed.train()
    a = load_checkpoint_file(str(full_dir / 'epoch_2.pth'))['state_dict']
    b = load_checkpoint_file(str(resumed_dir / 'epoch_2.pth'))['state_dict']
    assert _max_abs_diff(a, b) > 1e-6
