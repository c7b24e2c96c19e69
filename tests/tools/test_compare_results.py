"""tools/analysis/compare_results.py and the results-file readers of
byov/evaluation/table.py, on fake results.json files: grouping, order (floor rows first
in a glob), --percent on F1/mAP only, and refusing (or marking) runs whose data or
protocol differ."""
import json
import os.path as osp
import sys
from pathlib import Path

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
    # --percent scales F1 and mAP only: progression and tau keep their scale
    assert '| byov | 80.0 | 70.0 | 60.0 | 50.0 | 40.0 | 30.0 | 0.7 | 0.9 |' in text


def _provenance(folder, weights='checkpoint', labels='a' * 64, append_time=False,
                crop=None):
    """Add what tools/test.py records about data, protocol and weights."""
    path = folder / 'results.json'
    record = json.loads(path.read_text())
    split = dict(split='test', num_videos=4, num_frames=90, split_sha256='b' * 64,
                 labels_sha256=labels, data_root='data/synthetic_egoexo', layout='csv')
    record.update(
        weights=weights, eval_temporal_crop=crop,
        data=dict(eval=split, fit=dict(split, split='train', labels_sha256='c' * 64)),
        protocol=dict(PhaseProgressionMetric=dict(variant='reference',
                                                  append_time=append_time),
                      KendallsTauMetric=dict(stride=5)))
    path.write_text(json.dumps(record))
    return str(path)


def test_order_is_kept_and_a_glob_puts_floor_rows_first(tmp_path, capsys):
    runs = tmp_path / 'runs'
    a = _provenance(Path(_write(runs / 'byov', 0.8)).parent)
    b = _provenance(Path(_write(runs / 'tcc', 0.6)).parent)
    _provenance(Path(_write(runs / 'zz_time_only', 0.3)).parent, weights='none')
    compare_results.main([b, a])
    out = capsys.readouterr().out
    assert out.index('| tcc ') < out.index('| byov ')  # as given, not sorted
    # what tools/run_demo.py leaves beside the work dirs: a table of its own whose name
    # ends in results.json, a log, a timing file
    (runs / 'demo_results.json').write_text(json.dumps({'byov': _metrics(0.8)}))
    (runs / 'byov.log').write_text('log')
    (runs / 'demo_timing.json').write_text('{"total": 1.0}')
    compare_results.main([str(runs / '*')])
    captured = capsys.readouterr()
    out = captured.out
    assert out.index('| zz_time_only ') < out.index('| byov ') < out.index('| tcc ')
    assert 'left out 3 match(es)' in captured.err and 'demo_results.json' in captured.err
    with pytest.raises(SystemExit, match='has no "metrics" dict'):  # named: an error
        compare_results.main([str(runs / 'demo_results.json')])


@pytest.mark.parametrize('change, expected', [
    (dict(labels='d' * 64), 'eval data labels_sha256: aaaaaaaaaaaa vs dddddddddddd'),
    (dict(append_time=True), 'PhaseProgressionMetric.append_time: False vs True'),
    (dict(crop=dict(fraction=0.5, seed=0)),
     "temporal crop: None vs {'fraction': 0.5, 'seed': 0}"),
])
def test_runs_on_other_data_or_protocol_are_refused_or_marked(tmp_path, capsys, change,
                                                              expected):
    a = _provenance(Path(_write(tmp_path / 'byov', 0.8)).parent)
    b = _provenance(Path(_write(tmp_path / 'tcc', 0.6)).parent, **change)
    with pytest.raises(SystemExit) as info:
        compare_results.main([a, b])
    message = str(info.value)
    assert f'synthetic_egoexo: these runs are not comparable with {a}' in message
    assert f'{b}: ' in message and expected in message and '--allow-mismatch' in message
    with pytest.raises(ValueError, match='not comparable'):
        collect_results([a, b])

    md = tmp_path / 'table.md'
    compare_results.main([a, b, '--allow-mismatch', '--markdown', str(md)])
    out = capsys.readouterr().out
    assert '| tcc *' in out and f'* tcc: differs from byov: {expected}' in out
    assert '| tcc * |' in md.read_text() and expected in md.read_text()
    # the same data and protocol: no mark
    c = _provenance(Path(_write(tmp_path / 'again', 0.7)).parent)
    assert list(collect_results([a, c])['synthetic_egoexo']) == ['byov', 'again']


def test_files_without_provenance_are_compared_with_a_note(tmp_path, capsys):
    a = _write(tmp_path / 'old', 0.8)
    b = _provenance(Path(_write(tmp_path / 'new', 0.6)).parent)
    compare_results.main([a, b])
    captured = capsys.readouterr()
    assert '| old ' in captured.out and '| new ' in captured.out
    assert f'no data fingerprint in {a}' in captured.err


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


def test_dropped_pairs_column_follows_tau_and_stays_a_count():
    from byov.evaluation.table import results_markdown
    text = results_markdown({'m': {'ae2/tau_ego_ego': 0.3, 'ae2/tau_dropped_pairs': 2,
                                   'ae2/tau': 0.5, 'ae2/f1_regular': 0.8}},
                            percent=True, digits=1)
    assert text.splitlines()[0] == ("| Method | F1 regular | Kendall's tau | "
                                    'tau pairs dropped | tau_ego_ego |')
    assert text.splitlines()[2] == '| m | 80.0 | 0.5 | 2 | 0.3 |'
