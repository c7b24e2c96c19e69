"""Results over several seeds: mean, std, count, and beating the time-only row by more
than the seed spread (byov.evaluation.seed_stats, compare_results --seeds)."""
import json
import os.path as osp
import statistics
import sys

import pytest

from byov.evaluation.seed_stats import (MARK, aggregate, beats_reference, collect_runs,
                                        differences_markdown, seed_markdown,
                                        stats_from_json, stats_to_json)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import compare_results  # noqa: E402


def test_mean_std_and_count_per_metric():
    runs = {'time': [{'ae2/f1_regular': 0.5, 'ae2/tau': 0.9}],
            'byov': [{'ae2/f1_regular': v, 'ae2/tau': t}
                     for v, t in ((0.6, 0.8), (0.7, 0.85), (0.65, 0.7))]}
    stats = aggregate(runs)
    s = stats['byov']['f1_regular']
    assert s.n == 3 and s.mean == pytest.approx(0.65)
    assert s.std == pytest.approx(statistics.stdev([0.6, 0.7, 0.65]))
    assert stats['time']['tau'].std == 0 and stats['time']['tau'].n == 1
    marks = beats_reference(stats, 'time')
    # F1: 0.65 - 0.5 = 0.15 > std 0.05; tau: below the reference
    assert marks == {'byov': {'f1_regular': True, 'tau': False}}
    table = seed_markdown(stats, 'time')
    assert '| byov | 3 | 0.650 ± 0.050 | 0.783 ± 0.076 ' + MARK in table
    assert '| time | 1 | 0.500 | 0.900 |' in table
    cell = stats_to_json(stats, 'time')['byov']['tau']
    assert cell['beats_reference'] is False and cell['n'] == 3
    assert seed_markdown(stats_from_json(stats_to_json(stats)), 'time') == table


def test_a_gain_inside_the_spread_is_not_a_win():
    runs = {'ref': [{'f1_regular': 0.50}, {'f1_regular': 0.52}],
            'a': [{'f1_regular': 0.51}, {'f1_regular': 0.57}]}  # +0.03, spread ~0.045
    stats = aggregate(runs)
    spread = (stats['a']['f1_regular'].std ** 2 + stats['ref']['f1_regular'].std ** 2) ** .5
    assert 0.03 < spread and not beats_reference(stats, 'ref')['a']['f1_regular']
    with pytest.raises(ValueError, match='run 1 of .b. has metrics'):
        aggregate({'b': [{'f1_regular': 1.0}, {'tau': 1.0}]})


def _write(folder, f1):
    folder.mkdir(parents=True)
    text = ("test_dataloader = dict(\n    dataset=dict(\n        data_root='data/synth',\n"
            "        split='test'))\n")
    record = dict(metrics={'ae2/f1_regular': f1, 'ae2/tau': 0.9}, eval_split='test',
                  config_text=text)
    (folder / 'results.json').write_text(json.dumps(record))


def test_compare_results_aggregates_same_named_runs(tmp_path, capsys):
    for seed, (a, b) in enumerate(((0.5, 0.70), (0.5, 0.74), (0.5, 0.72))):
        _write(tmp_path / f'seed{seed}' / 'time_only', a)
        _write(tmp_path / f'seed{seed}' / 'BYOV', b)
    grouped = collect_runs([str(p) for p in sorted(tmp_path.glob('seed*/*'))])
    assert [len(v) for v in grouped['synth'].values()] == [3, 3]
    out = tmp_path / 'table.md'
    compare_results.main([str(tmp_path / 'seed*' / '*'), '--seeds', '--reference',
                          'time_only', '--digits', '3', '--markdown', str(out)])
    text = out.read_text()
    assert '| BYOV | 3 | 0.720 ± 0.020 | 0.900 ± 0.000 ' + MARK in text
    with pytest.raises(SystemExit, match="--reference 'nope' is not a row"):
        compare_results.main([str(tmp_path / 'seed*' / '*'), '--seeds', '--reference',
                              'nope'])


def test_differences_against_the_seed_spread():
    a = [{'f1_regular': v, 'tau': t} for v, t in ((0.70, 0.90), (0.74, 0.91), (0.72, 0.92))]
    b = [{'f1_regular': v, 'tau': t} for v, t in ((0.60, 0.9102), (0.62, 0.9098),
                                                    (0.61, 0.9100))]
    stats = aggregate({'a': a, 'b': b})
    table = differences_markdown(stats, [('a', 'b'), ('b', 'a')])
    lines = table.split('\n')
    assert lines[0] == "| Difference | seeds | F1 regular | Kendall's tau |"
    f1_diff = statistics.mean([0.70, 0.74, 0.72]) - statistics.mean([0.60, 0.62, 0.61])
    f1_spread = (statistics.stdev([0.70, 0.74, 0.72]) ** 2
                 + statistics.stdev([0.60, 0.62, 0.61]) ** 2) ** .5
    assert f1_diff > f1_spread  # bold: beyond the spread
    tau_spread = (statistics.stdev([0.90, 0.91, 0.92]) ** 2
                  + statistics.stdev([0.9102, 0.9098, 0.9100]) ** 2) ** .5
    assert lines[2] == (f'| a − b | 3/3 | **+{f1_diff:.3f} ({f1_spread:.3f})** | '
                        f'0.000 ({tau_spread:.3f}) |')  # a rounded zero has no sign
    assert lines[3].startswith(f'| b − a | 3/3 | **-{f1_diff:.3f} ')
    with pytest.raises(ValueError, match="no row 'c'"):
        differences_markdown(stats, [('a', 'c')])
