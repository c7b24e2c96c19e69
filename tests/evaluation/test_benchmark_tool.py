"""tools/analysis/benchmark_metrics.py runs and prints its table (tiny sizes)."""
import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis' / 'benchmark_metrics.py'


def test_benchmark_tool_in_process(capsys):
    spec = importlib.util.spec_from_file_location('benchmark_metrics', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(['--fit-frames', '400', '--eval-frames', '240', '--dim', '8', '--fit-videos',
               '8', '--eval-videos', '6', '--in-process', '--blas-threads', '1'])
    out = capsys.readouterr().out
    for task in ('classification', 'retrieval', 'progression', 'kendall', 'total (4 tasks)'):
        assert task in out
