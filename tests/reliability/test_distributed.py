"""Two CPU processes (gloo) give the same evaluation as one, and train on exactly the
samples of an epoch, split between the ranks."""
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch

from byov.datasets.samplers import EpochAwareSampler
from byov.utils.checkpoint import load_checkpoint_file
from tiny_run import ROOT, build_runner, free_port, run_tool, tiny_config, write_config


@pytest.mark.parametrize('length', [6, 5])
def test_epoch_aware_sampler_gives_each_rank_half_of_every_epoch(monkeypatch, length):
    import mmengine.dataset.sampler as sampler_module
    per_rank = {}
    for rank in (0, 1):
        monkeypatch.setattr(sampler_module, 'get_dist_info', lambda rank=rank: (rank, 2))
        sampler = EpochAwareSampler(list(range(length)), shuffle=True, seed=0)
        per_rank[rank] = []
        for epoch in range(3):
            sampler.set_epoch(epoch)
            per_rank[rank].append(list(sampler))
            assert len(sampler) == -(-length // 2)
    for epoch in range(3):
        both = per_rank[0][epoch] + per_rank[1][epoch]
        # every item of the epoch once; an odd length repeats one item (mmengine's padding)
        assert set(both) == set(range(epoch * length, (epoch + 1) * length))
        assert len(both) == length + length % 2


@pytest.mark.slow
def test_two_process_evaluation_equals_one_process(tiny_synthetic, tmp_path, one_thread):
    """The untrained tiny BYOV (weights from seed 0) on the fit split (6 videos) and a
    3-video test split, so that rank 1 gets a padding repeat to drop."""
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'unused'))
    cfg.test_dataloader.dataset.indices = 3
    path = write_config(cfg, str(tmp_path / 'eval.py'))
    two = str(tmp_path / 'two')
    debris = osp.join(ROOT, '.dist_test')  # mmengine's file-based gathering's folder
    had_debris = osp.exists(debris)
    proc = run_tool(['tools/dist_test.sh', path, 'none', '2', '--work-dir', two],
                    PORT=str(free_port()))
    assert 'Distributed launcher: pytorch' in proc.stdout + proc.stderr
    assert had_debris or not osp.exists(debris), 'dist_test.sh left .dist_test/ behind'
    assert 'broadcast_buffers' not in proc.stdout + proc.stderr

    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None  # as tools/test.py
    one = str(tmp_path / 'one')
    build_runner(cfg, work_dir=one).test()

    metrics = [json.load(open(osp.join(d, 'results.json')))['metrics'] for d in (one, two)]
    assert metrics[0] == metrics[1] and len(metrics[0]) >= 6
    for name in ('train_embeds.npy', 'train_label.npy', 'test_embeds.npy', 'test_label.npy',
                 'train_meta.json', 'test_meta.json'):
        a, b = (open(osp.join(d, 'embeddings', name), 'rb').read() for d in (one, two))
        assert a == b, f'{name} differs between 1 and 2 processes'
    assert np.load(osp.join(two, 'embeddings', 'test_embeds.npy')).shape[0] > 0
    assert len(json.load(open(osp.join(two, 'embeddings', 'test_meta.json')))
               ['video_names']) == 3


@pytest.mark.slow
def test_two_process_training_splits_each_epoch_and_skips_together(tiny_synthetic, tmp_path):
    """6 training items a epoch, batch 2: each rank trains on 3 (2 + 1) per epoch. The
    loss of rank 1 is NaN at its first step; with NanLossGuardHook(action='skip') both
    ranks skip that step (an all-reduced decision) and DDP carries on."""
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'work'), max_epochs=2,
                      plugins=True)
    cfg.train_dataloader.batch_size = 2
    cfg.model.update(type='NanOnceBYOV', nan_steps=[0], nan_rank=1)
    cfg.default_hooks.nan_guard.action = 'skip'
    path = write_config(cfg, str(tmp_path / 'train.py'))
    proc = run_tool(['tools/dist_train.sh', path, '2', '--seed', '0', '--deterministic'],
                    PORT=str(free_port()))
    out = proc.stdout + proc.stderr
    steps = re.findall(r'\[fault_plugins\] rank (\d) step (\d+) batch (\d+)', out)
    batches = {rank: [int(b) for r, _, b in sorted(steps, key=lambda s: int(s[1])) if r == rank]
               for rank in '01'}
    assert batches == {'0': [2, 1, 2, 1], '1': [2, 1, 2, 1]}, out[-3000:]
    for epoch in (1, 2):
        assert f'Epoch(train) [{epoch}][2/2]' in out
    assert 'Epoch(train) [1][3/' not in out
    assert 'skipped the step at epoch 1, iteration 1' in out
    assert "another rank's loss was not" in out  # rank 0's own loss was finite
    weights = load_checkpoint_file(str(tmp_path / 'work' / 'epoch_2.pth'))['state_dict']
    assert all(torch.isfinite(v).all() for v in weights.values())
