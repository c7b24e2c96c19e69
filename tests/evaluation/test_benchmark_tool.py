"""tools/analysis/benchmark_metrics.py runs and prints its table (tiny sizes)."""
import json
from pathlib import Path

from tests.scripts import load_script

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis' / 'benchmark_metrics.py'


def test_benchmark_tool_in_process(capsys):
    tool = load_script(TOOL)
    tool.main(['--fit-frames', '400', '--eval-frames', '240', '--dim', '8', '--fit-videos',
               '8', '--eval-videos', '6', '--in-process', '--blas-threads', '1'])
    out = capsys.readouterr().out
    for task in ('classification', 'retrieval', 'progression', 'kendall', 'total (4 tasks)'):
        assert task in out


def test_benchmark_tool_compares_with_the_reference_code(capsys, tmp_path):
    tool = load_script(TOOL)
    argv = ['--fit-frames', '300', '--eval-frames', '120', '--dim', '8', '--fit-videos',
            '6', '--eval-videos', '4', '--in-process', '--blas-threads', '1',
            '--implementations', 'reference', 'byov-rbf', 'byov',
            '--results-json', str(tmp_path / 'speed.json')]
    tool.main(argv)
    out = capsys.readouterr().out
    # the results file: the command, the machine, one row per task and implementation
    record = json.loads((tmp_path / 'speed.json').read_text())
    assert record['kind'] == 'evaluation_speed'
    assert record['produced_by'] == 'python tools/analysis/benchmark_metrics.py ' + ' '.join(
        argv)
    assert record['machine']['cores'] >= 1 and len(record['machine']['load_after']) == 3
    assert record['implementations'] == ['reference', 'byov-rbf', 'byov']
    assert [(r['task'], r['impl']) for r in record['rows']] == [
        (t, i) for t in ('classification', 'retrieval', 'progression', 'kendall')
        for i in ('reference', 'byov-rbf', 'byov')]
    assert all('predictions' not in r for r in record['rows'])
    assert record['identity'] and all(line in out for line in record['identity'])
    assert not list(tmp_path.glob('*.tmp'))
    assert 'byov: ' in out and 'faster than the reference' in out
    for impl in ('byov-rbf', 'byov'):
        assert (f'classification: {impl} vs reference: values differ by at most 0.00e+00; '
                'SVM predictions IDENTICAL (240/240 frames, all views)') in out
    assert 'DIFFERENT' not in out


def test_identity_report_flags_a_different_prediction():
    tool = load_script(TOOL)
    rows = [dict(task='classification', impl=name, values={'regular': 0.5},
                 predictions={'regular': pred}) for name, pred in
            (('reference', [0, 1, 2]), ('byov', [0, 1, 1]))]
    (line,) = tool.identity_report(rows)
    assert 'DIFFERENT (2/3 frames' in line
