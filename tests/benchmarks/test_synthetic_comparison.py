"""benchmarks/synthetic_comparison.py end to end on tiny data: two rows, one seed, one
epoch, with frame inputs and with box inputs, through the real tools (in process)."""
import importlib.util
import json
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'synthetic_comparison', osp.join(ROOT, 'benchmarks', 'synthetic_comparison.py'))
synthetic_comparison = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic_comparison)


@pytest.mark.slow
@pytest.mark.parametrize('input_type', ['frames', 'boxes'])
def test_two_rows_one_seed_end_to_end(tiny_synthetic, tmp_path, input_type):
    data_root, cache_dir = tiny_synthetic
    work_dir = tmp_path / 'work'
    results_json = tmp_path / 'results.json'
    rows = [synthetic_comparison.TIME_ONLY, 'BYOV']
    synthetic_comparison.main([
        '--input', input_type, '--only', *rows, '--seeds', '0', '--epochs', '1',
        '--in-process', '--workers', '0', '--data-root', data_root, '--cache-dir',
        cache_dir, '--work-dir', str(work_dir), '--results-json', str(results_json)])
    record = json.loads(results_json.read_text())
    assert record['input'] == input_type and record['seeds'] == [0]
    assert record['not_run'] == []
    table = record['tables']['full']
    assert list(table) == rows
    # each cell is the one run's own number (n=1, no spread), read back from the run's
    # results.json as tools/test.py wrote it
    for name in rows:
        run_dir = work_dir / 'seed0' / synthetic_comparison.row_dir_name(name)
        metrics = json.loads((run_dir / 'results.json').read_text())['metrics']
        assert table[name], name
        for key, cell in table[name].items():
            assert cell['n'] == 1 and cell['std'] == 0.0
            assert cell['mean'] == pytest.approx(metrics[key] if key in metrics
                                                 else metrics[f'ae2/{key}'])
    # the trained row read what --input says: its training log names the input's loader
    train_log = (work_dir / 'seed0' / 'BYOV' / 'train.log').read_text()
    assert ('LoadClipBoxes' in train_log) == (input_type == 'boxes')
