"""benchmarks/soft_dtw_speed.py runs on tiny shapes and writes a results file that
render_docs.py shows."""
import json
import statistics
import sys
from pathlib import Path

from tests.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'soft_dtw_speed.py'
sys.path.insert(0, str(SCRIPT.parents[1] / 'tools' / 'analysis'))
import render_docs  # noqa: E402


def test_soft_dtw_speed_results_file(tmp_path, capsys):
    script = load_script(SCRIPT)
    argv = ['--frames', '4', '--batch', '1', '--dims', '3', '--repeats', '3', '--threads', '1',
            '--results-json', str(tmp_path / 'speed.json')]
    script.main(argv)
    assert 'anti-diagonal' in capsys.readouterr().out
    record = json.loads((tmp_path / 'speed.json').read_text())
    assert record['kind'] == 'soft_dtw_speed' and record['threads'] == 1
    assert record['produced_by'] == 'python benchmarks/soft_dtw_speed.py ' + ' '.join(argv)
    fast, slow = record['seconds']['soft_dtw'], record['seconds']['soft_dtw_reference']
    assert len(fast) == len(slow) == 3 and record['float64_max_rel_diff'] < 1e-9
    rows = render_docs.render_soft_dtw_speed(record).split('\n\n')[1].split('\n')
    ratio = statistics.median(s / f for f, s in zip(fast, slow))
    assert rows[2] == (f'| anti-diagonal (`soft_dtw`) | {statistics.median(fast) * 1e3:.1f} | '
                       f'{ratio:.1f}x |')
