"""tools/analysis/compare_results.py and the results-file readers of
byov/evaluation/table.py, on fake results.json files."""
import json
import os.path as osp
import sys

import pytest

from byov.evaluation.table import collect_results, dataset_name, read_results

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import compare_results  # noqa: E402


def _metrics(f1):
    return {'ae2/f1_regular': f1, 'ae2/f1_ego2exo': f1 - 0.1, 'ae2/f1_exo2ego': f1 - 0.2,
            'ae2/map@10_regular': 0.5, 'ae2/map@10_ego2exo': 0.4, 'ae2/map@10_exo2ego': 0.3,
            'ae2/progression': 0.7, 'ae2/tau': 0.9}


def _write(folder, f1, data_root='data/synthetic_egoexo'):
    folder.mkdir(parents=True)
    # what write_results_json stores: metrics plus the config's pretty text
    text = (f"data_root = 'data/ae2/break_eggs'\ntest_dataloader = dict(\n    batch_size=1,\n"
            f"    dataset=dict(\n        cache_dir='c',\n        data_root='{data_root}',\n"
            f"        split='test'))\n")
    record = dict(metrics=_metrics(f1), eval_split='test', config_text=text)
    (folder / 'results.json').write_text(json.dumps(record))
    return str(folder / 'results.json')


def test_runs_are_grouped_by_dataset_and_named_after_their_work_dir(tmp_path):
    a = _write(tmp_path / 'byov', 0.8)
    b = _write(tmp_path / 'tcc', 0.6)
    c = _write(tmp_path / 'tcc_eggs', 0.5, data_root='/data/ae2/break_eggs/')
    grouped = collect_results([a, str(tmp_path / 'tcc'), c])
    assert list(grouped) == ['synthetic_egoexo', 'break_eggs']
    assert list(grouped['synthetic_egoexo']) == ['byov', 'tcc']
    assert grouped['break_eggs']['tcc_eggs']['ae2/f1_regular'] == 0.5
    named = collect_results([a, b], names=['BYOV', 'TCC'])
    assert list(named['synthetic_egoexo']) == ['BYOV', 'TCC']
    with pytest.raises(ValueError, match='one name per file'):
        collect_results([a, b], names=['BYOV'])
    assert dataset_name(dict(metrics={})) == 'unknown'


def test_tool_prints_one_table_per_dataset_and_writes_markdown(tmp_path, capsys):
    _write(tmp_path / 'runs' / 'byov', 0.8)
    _write(tmp_path / 'runs' / 'tcc', 0.6)
    _write(tmp_path / 'runs' / 'eggs', 0.5, data_root='data/ae2/break_eggs')
    (tmp_path / 'runs' / 'empty').mkdir()  # a work dir without results: skipped by a glob
    (tmp_path / 'runs' / 'summary.json').write_text('{}')  # not a results file: skipped
    md = tmp_path / 'table.md'
    compare_results.main([str(tmp_path / 'runs' / '*'), '--markdown', str(md), '--percent',
                          '--digits', '1'])
    out = capsys.readouterr().out
    assert 'synthetic_egoexo' in out and 'break_eggs' in out
    assert 'F1 ego2exo' in out and "Kendall's tau" in out
    assert '80.0' in out and '70.0' in out  # byov F1 regular / ego2exo, in percent
    text = md.read_text()
    assert '### synthetic_egoexo' in text and '| byov | 80.0 | 70.0 | 60.0 |' in text
    assert text.index('| byov |') < text.index('| tcc |')


def test_missing_or_corrupt_results_name_the_file(tmp_path, capsys):
    missing = str(tmp_path / 'nope' / 'results.json')
    with pytest.raises(FileNotFoundError, match='nope'):
        read_results(missing)
    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'results.json').write_text('{"metrics": {"ae2/f1_regular": 0.')
    with pytest.raises(ValueError, match=r'bad.results\.json is not a valid results file'):
        read_results(str(bad))
    (bad / 'results.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='no "metrics"'):
        read_results(str(bad / 'results.json'))
    (bad / 'results.json').write_text('{"metrics": {"row": {"ae2/tau": 1.0}}}')
    with pytest.raises(ValueError, match='no "metrics" dict of numbers'):
        read_results(str(bad / 'results.json'))
    with pytest.raises(SystemExit, match='nope'):
        compare_results.main([missing])
