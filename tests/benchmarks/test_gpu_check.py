"""benchmarks/gpu_check.py runs end to end on a CPU with tiny shapes, so that the GPU
check cannot rot: every row is produced, training losses are finite (the script raises
otherwise), the feature cache is built and read, and the 2-process all-reduce sums."""
import json
import sys
from pathlib import Path

import pytest

from tests.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'gpu_check.py'
sys.path.insert(0, str(SCRIPT.parents[1] / 'tools' / 'analysis'))
import render_docs  # noqa: E402


def test_shrink_follows_the_shipped_config():
    gpu_check = load_script(SCRIPT)
    shape = gpu_check.SHAPES['tiny']
    cfg = gpu_check.model_config(gpu_check.parse_args([]).config, shape)
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get('type') == 'CLIPVisionEncoder':
                found.append(node)
            assert node.get('in_channels') != gpu_check.CONFIG_WIDTH
            assert node.get('out_channels') != gpu_check.CONFIG_WIDTH
            if 'num_frames' in node:
                assert node['num_frames'] == shape['num_frames']
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(cfg)
    assert len(found) == 1 and found[0]['pretrained'] is None
    assert found[0]['config'] == shape['clip']


def test_gpu_check_runs_on_cpu(tmp_path, capsys):
    torch = pytest.importorskip('torch')
    gpu_check = load_script(SCRIPT)
    torch.set_num_threads(1)
    rows = gpu_check.main(['--device', 'cpu', '--shape', 'tiny', '--iters', '1',
                           '--batch-sizes', '1', '--videos', '1', '--dist-backend', 'gloo',
                           '--allreduce-mb', '0.01', '--work-dir', str(tmp_path),
                           '--json', str(tmp_path / 'rows.json'),
                           '--results-json', str(tmp_path / 'results.json')])
    train = [r for r in rows if r['check'] == 'train']
    assert {(r['input'], r['amp']) for r in train} == {
        ('frames', 'off'), ('frames', 'on'), ('cache', 'off'), ('cache', 'on')}
    assert all(r['rate'] > 0 for r in rows if r['rate'] is not None)
    (extract,) = [r for r in rows if r['check'] == 'extract']
    assert extract['unit'] == 'frames/s' and extract['rate'] > 0
    (allreduce,) = [r for r in rows if r['check'] == 'all-reduce']
    assert allreduce['input'] == 'gloo, 2 processes' and allreduce['rate'] > 0
    out = capsys.readouterr().out
    assert 'gpu_check on CPU' in out and 'all-reduce' in out
    assert (tmp_path / 'rows.json').is_file()
    record = json.loads((tmp_path / 'results.json').read_text())
    assert record['kind'] == 'gpu_check' and record['device'] == 'CPU'
    assert record['produced_by'].startswith('python benchmarks/gpu_check.py --device cpu ')
    assert record['rows'] == json.loads(json.dumps(rows))
    table = render_docs.render_gpu_check(record).split('\n\n')[1].split('\n')
    assert len(table) == 2 + len(rows)
    assert table[2].startswith(f'| train | {train[0]["input"]} | 1 | {train[0]["amp"]} | '
                               f'{train[0]["rate"]:.3g} it/s |')
