"""benchmarks/ae2_scale_cache.py end to end at a tiny scale: both cache tools are killed,
resumed and repaired, and the loader rows come out."""
from pathlib import Path

import pytest

from tests.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'ae2_scale_cache.py'


@pytest.mark.slow
def test_ae2_scale_cache_small(tmp_path):
    script = load_script(SCRIPT)
    rows = script.main(['--work-dir', str(tmp_path), '--scale', '0.02', '--size', '32',
                        '--frame-size', '32', '--loader-items', '2', '--workers', '0',
                        '--clip-frames', '8'])
    by_run = {}
    for row in rows:
        by_run.setdefault(row[1], []).append(row)
    total = 6  # 148 videos x 0.02, at least one per split and view
    for killed, resumed, repaired in zip(by_run['build, SIGKILLed'],
                                         by_run['rerun (resume)'],
                                         by_run['rerun, 1 file truncated']):
        built, kept = (int(part.split()[0]) for part in resumed[2].split(', '))
        assert built + kept == total
        assert f'{total}/{total} files' in resumed[7]
        assert repaired[2] == '1 rebuilt: True'
        assert repaired[7] == f'{total - 1} others untouched; warning printed: True'
    assert [row[1] for row in rows if row[0] == 'loader'] == ['0 workers']
