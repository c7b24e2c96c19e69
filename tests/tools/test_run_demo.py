"""The main job (tools/run_demo.py) end to end on tiny synthetic data: train, then the
four rows side by side in one table."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


def test_run_demo_prints_one_table_with_four_rows(tiny_synthetic, tmp_path):
    data_root, cache_dir = tiny_synthetic
    work_dir = tmp_path / 'demo'
    proc = subprocess.run(
        [sys.executable, 'tools/run_demo.py', '--work-dir', str(work_dir), '--data-root',
         data_root, '--cache-dir', cache_dir, '--epochs', '1'],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    rows = json.load(open(work_dir / 'demo_results.json'))
    assert list(rows) == ['frozen frame features', 'time only (t/L)', 'BYOV untrained',
                          'BYOV trained']
    for metrics in rows.values():
        assert {'ae2/f1_regular', 'ae2/f1_ego2exo', 'ae2/map@10_exo2ego', 'ae2/tau'} <= set(
            metrics)
    # the untrained and trained encoders differ (training changed the weights)
    assert rows['BYOV untrained'] != rows['BYOV trained']
    for name in rows:
        assert name in proc.stdout
    # the note on the time-only floor comes right after the table's last row
    after_table = proc.stdout.split('BYOV trained')[-1]
    assert "'time only (t/L)' embeds a frame as its position alone" in after_table
    assert 'random patch projection' in after_table and 'evaluation_protocol.md' in after_table
    assert (work_dir / 'demo_results.md').read_text().count('\n') >= 6
    # progress on the console, the set-up report (environment, config) in the log files
    assert 'Epoch(train) [1][' in proc.stdout and 'Results written to' in proc.stdout
    assert 'System environment' not in proc.stdout and 'Config:' not in proc.stdout
    logs = [osp.join(base, f) for base, _, files in os.walk(work_dir / 'byov_trained')
            for f in files if f.endswith('.log')]
    assert logs and 'System environment' in open(logs[0]).read()
    assert 'Intra-op threads:' in (work_dir / 'train.log').read_text()
