"""benchmarks/feature_cache_throughput.py runs on the demo model and writes a results file
that render_docs.py shows."""
import json
import sys
from pathlib import Path

from tests.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'feature_cache_throughput.py'
sys.path.insert(0, str(SCRIPT.parents[1] / 'tools' / 'analysis'))
import render_docs  # noqa: E402


def test_feature_cache_throughput_results_file(tmp_path, capsys):
    script = load_script(SCRIPT)
    argv = ['--models', 'demo', '--iters', '1', '--eval-videos', '1', '--videos', '1',
            '--work-dir', str(tmp_path / 'work'), '--results-json', str(tmp_path / 'r.json')]
    script.main(argv)
    record = json.loads((tmp_path / 'r.json').read_text())
    assert record['kind'] == 'feature_cache_throughput'
    assert record['produced_by'] == ('python benchmarks/feature_cache_throughput.py '
                                     + ' '.join(argv))
    rows = record['rows']
    assert [(r['model'], r['input']) for r in rows] == [
        ('demo', 'frames'), ('demo', 'exact'), ('demo', 'compact')]
    assert rows[0]['cache_bytes_per_frame'] is None
    # the tiny encoder's exact cache: 64 float16 tokens of 128 dims; compact 128 float32;
    # plus each .npy file's header (128 bytes) spread over its frames
    assert 0 <= rows[1]['cache_bytes_per_frame'] - 64 * 128 * 2 < 128
    assert 0 <= rows[2]['cache_bytes_per_frame'] - 128 * 4 < 128
    lines = render_docs.render_feature_cache_throughput(record).split('\n\n')[1].split('\n')
    ratio = rows[2]['clips_per_s'] / rows[0]['clips_per_s']
    clips = render_docs._three_digits(rows[2]['clips_per_s'])
    assert lines[4].startswith(f'| demo | compact | {clips} | {ratio:.1f}x |')
