"""tools/train.py -> tools/test.py on its checkpoint -> --resume, and tools/dist_train.sh
with two CPU processes, on the demo config and tiny synthetic data."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from tests.conftest import data_options

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/byov/byov_tiny_synthetic_demo.py'
pytestmark = pytest.mark.slow


def _run(cmd, env=None, timeout=400):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, BYOV_NO_PROGRESS='1', **(env or {})))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-4000:]}'
    return out


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_train_then_test_then_resume(tiny_synthetic, tmp_path):
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path / 'run')
    opts = data_options(data_root, cache_dir) + ['train_cfg.max_epochs=2']
    out = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
                '--seed', '0', '--cfg-options', *opts])
    assert 'Epoch(train) [2]' in out
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))

    test_dir = str(tmp_path / 'test')
    out = _run([sys.executable, 'tools/test.py', CONFIG, osp.join(work_dir, 'epoch_2.pth'),
                '--work-dir', test_dir, '--cfg-options', *data_options(data_root, cache_dir)])
    results = json.load(open(osp.join(test_dir, 'results.json')))
    for key in ('ae2/f1_regular', 'ae2/f1_ego2exo', 'ae2/f1_exo2ego', 'ae2/map@10_regular',
                'ae2/progression', 'ae2/tau'):
        assert 0 <= abs(results['metrics'][key]) <= 1 or key == 'ae2/progression', key
    assert results['checkpoint'].endswith('epoch_2.pth') and results['seed'] is not None
    for name in ('train_embeds.npy', 'train_label.npy', 'test_embeds.npy', 'test_label.npy'):
        assert osp.isfile(osp.join(test_dir, 'embeddings', name))
    assert '| ae2/f1' in out  # the printed table

    out = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
                '--cfg-options', *data_options(data_root, cache_dir),
                'train_cfg.max_epochs=3'])
    assert 'resumed epoch: 2' in out
    assert 'Epoch(train) [3]' in out and 'Epoch(train) [1]' not in out
    assert osp.isfile(osp.join(work_dir, 'epoch_3.pth'))


def test_dist_train_two_cpu_processes(tiny_synthetic, tmp_path):
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path / 'dist')
    out = _run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
                '--cfg-options', *data_options(data_root, cache_dir),
                'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2'],
               env=dict(PORT=str(_free_port()),
                        PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH']))
    assert 'Distributed training: True' in out
    for rank in (0, 1):
        assert f'[byov] rank {rank} of 2 ready' in out, out[-3000:]
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
