"""The shipped Ego-Exo4D configs run end to end with byov's tools on a generated root in
the official format: BYOV and an AE2 objective train, the evaluation scores the keystep
protocol and the four tasks, and a damaged root stops before training."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d.generate import DAMAGE_KINDS, write_egoexo4d_root

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = 'configs/byov/byov_omnivore_egoexo4d-tiny_keystep_demo.py'
DTW = 'configs/baselines/dtw-contrastive_omnivore_egoexo4d_keystep.py'
pytestmark = pytest.mark.slow
QUIET_LOADERS = ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                 'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
                 'val_cfg.fit_dataloader.num_workers=0',
                 'test_cfg.fit_dataloader.num_workers=0']


def _run(cmd, expect_ok=True, timeout=400):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, BYOV_NO_PROGRESS='1', OMP_NUM_THREADS='1'))
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == expect_ok, f'{" ".join(cmd)}: rc {proc.returncode}\n' \
                                                f'{out[-4000:]}'
    return out


@pytest.fixture(scope='module')
def release(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('e4d') / 'egoexo4d')
    write_egoexo4d_root(root, num_takes=12, seed=1)
    return root, str(tmp_path_factory.mktemp('e4d_cache'))


def test_byov_trains_and_the_evaluation_scores_every_task(release, tmp_path):
    root, cache = release
    data = ['--data-root', root, '--cache-dir', cache]
    work = str(tmp_path / 'byov')
    out = _run([sys.executable, 'tools/train.py', DEMO, '--work-dir', work, '--seed', '0',
                '--no-validate', *data, '--cfg-options', 'train_cfg.max_epochs=2'])
    assert 'Epoch(train) [2]' in out
    test_dir = str(tmp_path / 'test')
    _run([sys.executable, 'tools/test.py', DEMO, osp.join(work, 'epoch_2.pth'),
          '--work-dir', test_dir, *data])
    metrics = json.load(open(osp.join(test_dir, 'results.json')))['metrics']
    # the keystep protocol scored every val segment of the benchmark file, on ego streams
    segments = fmt.read_benchmark_segments(root, 'val')
    assert metrics['keystep/num_eval_segments'] == len(segments) > 0
    assert metrics['keystep/missing_eval_segments'] == 0
    assert 0 <= metrics['keystep/top1'] <= 100
    for key in ('ae2/f1_regular', 'ae2/f1_ego2exo', 'ae2/f1_exo2ego', 'ae2/map@10_regular',
                'ae2/progression', 'ae2/tau'):
        assert key in metrics
    # Kendall's tau compared the streams of each val take only: 3 streams, 6 ordered pairs
    val_takes = {s.take_uid for s in segments}
    assert metrics['ae2/tau_pairs'] == 6 * len(val_takes)


def test_an_ae2_objective_trains_on_unpaired_streams(release, tmp_path):
    root, cache = release
    out = _run([sys.executable, 'tools/train.py', DTW, '--work-dir', str(tmp_path / 'dtw'),
                '--seed', '0', '--no-validate', '--data-root', root, '--cache-dir', cache,
                '--cfg-options', 'train_cfg.max_epochs=1', 'model.num_frames=16',
                'train_dataloader.dataset.pipeline.0.num_frames=16',
                'model.backbone.num_layers=2', *QUIET_LOADERS])
    assert 'Epoch(train) [1]' in out and 'loss' in out


def test_a_damaged_root_stops_before_training_naming_every_take(tmp_path):
    root = str(tmp_path / 'damaged')
    summary = write_egoexo4d_root(root, num_takes=16, feature_dim=1536,
                                  damage=DAMAGE_KINDS)
    out = _run([sys.executable, 'tools/train.py', DEMO, '--work-dir', str(tmp_path / 'w'),
                '--data-root', root, '--cache-dir', str(tmp_path / 'c')], expect_ok=False)
    assert 'Epoch(train)' not in out
    for damage in summary['damage']:
        assert damage['take_name'] in out or damage['take_uid'] in out, damage
