"""benchmarks/egoexo4d_scale.py at a tiny scale: the index is built and then loaded from
its cache, the loading rows come out, and the results file renders."""
import json
import sys
from pathlib import Path

import pytest

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d.timing import expected_num_steps
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'benchmarks' / 'egoexo4d_scale.py'
sys.path.insert(0, str(ROOT / 'tools' / 'analysis'))
import render_docs  # noqa: E402


@pytest.mark.slow
def test_egoexo4d_scale_small(tmp_path):
    script = load_script(SCRIPT)
    results = tmp_path / 'egoexo4d_scale.json'
    root = tmp_path / 'root'
    script.main(['--root', str(root), '--num-takes', '24', '--pair-batches', '3',
                 '--video-items', '4', '--results-json', str(results)])
    record = json.loads(results.read_text())
    assert record['kind'] == 'egoexo4d_scale' and record['num_takes'] == 24
    # four scenarios x (an Aria + four GoPros) per take: 5 feature files a take
    assert record['feature_files'] == 120
    # the index's stream and step counts, against the files and the window rule
    takes = {t.take_uid: t for t in fmt.read_takes(str(root))}
    for split in ('train', 'val'):
        annotated = fmt.read_keystep_annotations(str(root), split)
        for key in ('index_cold', 'index_cached'):
            counts = record[key][split]
            assert counts['streams'] == 5 * len(annotated)
            assert counts['steps'] == 5 * sum(
                expected_num_steps(takes[uid].duration_sec) for uid in annotated)
    assert record['pairs']['batches'] == 3 and record['pairs']['items'] == 12
    assert record['videos']['batches'] == 4
    text = render_docs.RENDERERS['egoexo4d_scale'](record)
    assert '24 takes, 120 feature files' in text and 'from the cache' in text
