"""benchmarks/ae2_scale_cache.py end to end at a tiny scale: both cache tools are killed,
resumed and repaired, the loader rows come out, and the results file renders."""
import json
import sys
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'benchmarks' / 'ae2_scale_cache.py'
sys.path.insert(0, str(ROOT / 'tools' / 'analysis'))
import render_docs  # noqa: E402


@pytest.mark.slow
def test_ae2_scale_cache_small(tmp_path):
    script = load_script(SCRIPT)
    results = tmp_path / 'ae2_scale_cache.json'
    argv = ['--work-dir', str(tmp_path / 'work'), '--scale', '0.02', '--size', '32',
            '--frame-size', '32', '--loader-items', '2', '--workers', '0',
            '--clip-frames', '8', '--results-json', str(results)]
    rows = script.main(argv)
    total = 6  # 148 videos x 0.02, at least one per split and view
    by_run = {}
    for row in rows:
        by_run.setdefault(row['run'], []).append(row)
    assert len(by_run['killed']) == len(by_run['resumed']) == len(by_run['truncated']) == 2
    for killed, resumed, repaired in zip(by_run['killed'], by_run['resumed'],
                                         by_run['truncated']):
        assert resumed['built'] + resumed['kept'] == total
        assert resumed['kept'] == killed['cached']  # nothing finished was redone
        assert resumed['files'] == total
        assert repaired['rebuilt'] and repaired['warned']
        assert repaired['untouched'] == repaired['others'] == total - 1
    assert [row['workers'] for row in by_run['loader']] == [0]

    record = json.loads(results.read_text())
    assert record['kind'] == 'ae2_scale_cache' and record['rows'] == rows
    text = render_docs.render_ae2_scale_cache(record)
    assert f'{total}/{total} files' in text and '1 rebuilt' in text
    assert 'NOT' not in text
    # a second run over the same work dir builds its caches again instead of finding them
    first = {p: p.stat().st_mtime_ns for p in (tmp_path / 'work').rglob('*.npy')
             if 'frames' in p.parts or 'features' in p.parts}
    rows = script.main(argv)
    again = {p: p.stat().st_mtime_ns for p in first if p.exists()}
    assert first and all(again[p] > first[p] for p in again)
    assert sum(r['built'] for r in rows if r['run'] == 'resumed') + \
        sum(r['kept'] for r in rows if r['run'] == 'resumed') == 2 * total
