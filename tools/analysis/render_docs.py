"""Regenerate the numbers in the docs from the results files kept in ``docs/results/``.

A doc holds a generated region between two markers; everything between them is
rewritten from one results file::

    <!-- table: demo_main_job columns=combined digits=3 -->
    ...generated, do not edit...
    <!-- /table -->

``demo_main_job`` names ``docs/results/demo_main_job.json``; the other words are options
of the renderer. The renderer is the results file's ``"kind"`` unless the marker says
``renderer=KIND``. Results files are written by runs (``record`` below, or a benchmark
script), never by hand, and say which command produced them (``"produced_by"``).

    python tools/analysis/render_docs.py            # rewrite every generated region
    python tools/analysis/render_docs.py --check    # exit 1 and show a diff if a doc is stale
    python tools/analysis/render_docs.py --list     # regions, results files, commands
    python tools/analysis/render_docs.py --figures  # rerun the figure commands (figures.json)
    python tools/analysis/render_docs.py record demo_main_job \\
        --rows work_dirs/demo/demo_results.json --produced-by 'python tools/run_demo.py'
    python tools/analysis/render_docs.py record my_table \\
        --row 'BYOV=runs/s0/results.json,runs/s1/results.json' --row 'TCC=runs/tcc/results.json'
    python benchmarks/synthetic_comparison.py --seeds 0 1 2 \\
        --results-json docs/results/synthetic_frames_comparison.json   # writes its own

Adding a kind of table is one function decorated with ``@renderer('name')`` that takes the
results dict and the marker's options and returns Markdown. ``metrics_rows`` covers the
usual case: methods as rows, metrics as columns, one value per metric, or a list of values
(one per seed) shown as mean ± standard deviation (``seed=N`` in the marker picks one
seed). A marker such as ``<!-- table: synthetic_comparison columns=combined digits=3 -->``
then shows the recorded rows. ``benchmarks/synthetic_comparison.py --results-json`` writes
kind ``seed_comparison``, several tables in one file: ``<!-- table: NAME table=full -->``
shows one (mean ± std, seed count, † from ``byov.evaluation.seed_stats``), and
``renderer=seed_differences table=full pairs=A:B,C:D`` the differences between rows
with their seed spread. The speed benchmarks write their own files too (``--results-json``,
with the command and the machine's cores and load average before and after the run):
``tools/analysis/benchmark_metrics.py`` (kind ``evaluation_speed``), ``benchmarks/threads.py``
(``threads``), ``benchmarks/gpu_check.py`` (``gpu_check``), ``benchmarks/soft_dtw_speed.py``
(``soft_dtw_speed``), ``benchmarks/feature_cache_throughput.py``
(``feature_cache_throughput``) and ``benchmarks/ae2_scale_cache.py`` (``ae2_scale_cache``).
"""
import argparse
import difflib
import glob
import json
import math
import os
import os.path as osp
import re
import shlex
import subprocess
import sys

from byov.structures import EVAL_VIEWS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS_DIR = 'docs/results'
DOC_GLOBS = ('README.md', 'docs/**/*.md', 'configs/**/README.md')
OPEN_RE = re.compile(r'^<!-- table: (\S+)((?: [\w-]+=\S+)*) -->$')
CLOSE = '<!-- /table -->'
RENDERERS = {}


def renderer(kind):
    """Register ``func(results: dict, **options) -> str`` as the renderer of ``kind``."""
    def register(func):
        RENDERERS[kind] = func
        return func
    return register


class DocError(ValueError):
    """A doc or results file that cannot be rendered; the message names it and the fix."""


# ---------------------------------------------------------------- metric tables
AE2_SPLIT = [(f'F1 {v}', [f'f1_{v}']) for v in EVAL_VIEWS] + \
    [(f'mAP@10 {v}', [f'map@10_{v}']) for v in EVAL_VIEWS] + \
    [('Progression', ['progression']), ("Kendall's tau", ['tau'])]
AE2_COMBINED = [('F1 reg / ego2exo / exo2ego', [f'f1_{v}' for v in EVAL_VIEWS]),
                ('mAP@10 reg / ego2exo / exo2ego', [f'map@10_{v}' for v in EVAL_VIEWS]),
                ('Progression', ['progression']), ('tau', ['tau'])]
COLUMN_SETS = {'split': AE2_SPLIT, 'combined': AE2_COMBINED}
AE2_SPLIT_TITLES = [(keys[0], title) for title, keys in AE2_SPLIT]


def mean_std(values):
    """Mean and sample standard deviation (n - 1; 0 for one value) of a list of floats."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var)


def format_value(value, digits):
    """One cell: a number rounded once to ``digits``; a list is 'mean ± std'."""
    if value is None:
        return '-'
    if isinstance(value, list):
        if not value:
            return '-'
        mean, std = mean_std([float(v) for v in value])
        return f'{mean:.{digits}f} ± {std:.{digits}f}'
    if isinstance(value, float) and math.isnan(value):
        return 'nan'
    return f'{float(value):.{digits}f}'


def _plain(metrics):
    return {key.rsplit('/', 1)[-1]: value for key, value in metrics.items()}


def markdown_table(header, body):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in body]
    return '\n'.join(lines)


@renderer('metrics_rows')
def render_metrics_rows(results, columns='split', digits='4', rows=None, seed=None,
                        percent='false', percent_digits='2'):
    """Methods as rows and AE2 metrics as columns.

    ``results['rows']``: list of ``{'name': str, 'metrics': {key: float | [float, ...]}}``
    (keys with or without the ``ae2/`` prefix). ``columns``: ``split`` (one column per
    number), ``combined`` (the three views in one cell) or a comma-separated list of
    metric keys. ``rows``: comma-separated row names to keep, ``_`` for a space (default all).
    ``seed``: show that seed's value of rows recorded over several seeds (default: mean ± std).
    ``percent=true``: F1 and mAP x 100 with ``percent_digits`` decimals, as the model zoo
    prints them (progression and tau stay fractions).
    """
    digits = int(digits)
    if columns in COLUMN_SETS:
        spec = COLUMN_SETS[columns]
    else:
        spec = [(key, [key]) for key in columns.split(',')]
    wanted = rows.replace('_', ' ').split(',') if rows else None
    body = []
    for row in _rows(results, wanted):
        metrics = _plain(row['metrics'])
        if seed is not None:
            metrics = _one_seed(row, metrics, int(seed))
        cells = [row['name']]
        for title, keys in spec:
            missing = [k for k in keys if k not in metrics]
            if missing:
                raise DocError(f'row {row["name"]!r} has no metric {missing[0]!r} for column '
                               f'{title!r}; available: {sorted(metrics)}')
            cells.append(' / '.join(_cell(metrics[k], k, digits, percent == 'true',
                                          int(percent_digits)) for k in keys))
        body.append(cells)
    return markdown_table(['Method'] + [title for title, _ in spec], body)


def _cell(value, key, digits, percent, percent_digits):
    if percent and key.startswith(('f1_', 'map@')):
        scaled = [100 * v for v in value] if isinstance(value, list) else \
            None if value is None else 100 * value
        return format_value(scaled, percent_digits)
    return format_value(value, digits)


def _one_seed(row, metrics, seed):
    seeds = row.get('seeds') or []
    if seed not in seeds:
        raise DocError(f'row {row["name"]!r} has no seed {seed}; seeds: {seeds}')
    index = seeds.index(seed)
    return {k: v[index] if isinstance(v, list) else v for k, v in metrics.items()}


def _rows(results, wanted):
    rows = results.get('rows')
    if not isinstance(rows, list):
        raise DocError('a metrics results file needs "rows": [{"name": ..., "metrics": {...}}]')
    if wanted is None:
        return rows
    by_name = {row['name']: row for row in rows}
    for name in wanted:
        if name not in by_name:
            raise DocError(f'no row {name!r}; rows: {list(by_name)}')
    return [by_name[name] for name in wanted]


@renderer('metrics_printout')
def render_metrics_printout(results, row, title='test split'):
    """One row as the evaluation loop prints it (``byov.engine.results``), in a code block.
    ``row``: the row's name with ``_`` for spaces."""
    sys.path.insert(0, ROOT)
    from byov.engine.results import format_metrics_table
    (found,) = _rows(results, [row.replace('_', ' ')])
    return '```\n' + format_metrics_table(found['metrics'], title=title.replace('_', ' ')) \
        + '\n```'


@renderer('rows')
def render_rows(results, digits=None):
    """A free-form table of recorded values: ``header`` and ``rows`` (lists of cells).
    Numbers are rounded to the file's ``digits`` (one per column, null for text) once;
    lists are shown as mean ± std."""
    header = results['header']
    col_digits = results.get('digits') or [None] * len(header)
    body = []
    for row in results['rows']:
        if len(row) != len(header):
            raise DocError(f'row {row} has {len(row)} cells for {len(header)} columns')
        body.append([cell if d is None or isinstance(cell, str) else format_value(cell, d)
                     for cell, d in zip(row, col_digits)])
    return markdown_table(header, body)


@renderer('time_only_scores')
def render_time_only_scores(results, digits='2'):
    """Classifiers given only t/L (``byov.datasets.synthetic.time_only_scores``): per
    dataset variant, test F1 with the val F1 in brackets."""
    digits = int(digits)
    body = [[row['name']] + [f'{format_value(row["test"][clf], digits)} '
                             f'(val {format_value(row["val"][clf], digits)})'
                             for clf in ('svc', 'tree')] for row in results['rows']]
    return markdown_table(['timing', 'SVC, protocol classifier', 'depth-4 decision tree'], body)


@renderer('cache_modes')
def render_cache_modes(results, digits='4'):
    """``benchmarks/feature_cache_modes.py``: each test metric (rows) for every mode and
    seed (``runs['<mode>_seed<s>']``), then compact - exact (mean over seeds) and the
    spread (max - min) of exact over the seeds."""
    digits = int(digits)
    runs, seeds, modes = results['runs'], results['seeds'], results['modes']
    titles = dict(AE2_SPLIT_TITLES)
    header = ['test metric'] + [f'{m} s{s}' for s in seeds for m in modes] + \
        ['compact - exact (mean)', 'exact: seed spread']
    body = []
    for key, title in titles.items():
        values = {(m, s): _plain(runs[f'{m}_seed{s}'])[key] for s in seeds for m in modes}
        diff = sum(values['compact', s] - values['exact', s] for s in seeds) / len(seeds)
        exact = [values['exact', s] for s in seeds]
        body.append([title] + [format_value(values[m, s], digits) for s in seeds for m in modes]
                    + [f'{diff:+.{digits}f}', format_value(max(exact) - min(exact), digits)])
    return markdown_table(header, body)


def _seed_table(results, table):
    """One table of a seed-comparison results file as ``{row: {metric: SeedStat}}``."""
    sys.path.insert(0, ROOT)
    from byov.evaluation.seed_stats import stats_from_json
    tables = results.get('tables')
    if not isinstance(tables, dict) or table not in tables:
        raise DocError(f'no table {table!r} (the marker\'s table=...); tables: '
                       f'{sorted(tables or {})}')
    return stats_from_json(tables[table])


@renderer('seed_comparison')
def render_seed_comparison(results, table, digits='3'):
    """``benchmarks/synthetic_comparison.py --results-json``: the rows of one of its
    tables (``table``: ``full``, ``crop``) as mean ± std over the seeds with the seed
    count, † on cells that do not beat the file's ``reference`` row by more than the seed
    spread (``byov.evaluation.seed_stats``)."""
    from byov.evaluation.seed_stats import seed_markdown
    return seed_markdown(_seed_table(results, table), results.get('reference'), int(digits))


@renderer('seed_differences')
def render_seed_differences(results, table, pairs, digits='3'):
    """Differences between rows of one table of a seed-comparison results file, read
    against the seed spread: ``pairs=A:B,C:D`` (``_`` for a space) gives one row per
    pair, cells ``mean_A - mean_B (spread)``, bold beyond the spread
    (``byov.evaluation.seed_stats.differences_markdown``). Use with ``renderer=``."""
    from byov.evaluation.seed_stats import differences_markdown
    parsed = []
    for pair in pairs.split(','):
        if pair.count(':') != 1:
            raise DocError(f'pairs: {pair!r} is not ROW_A:ROW_B')
        parsed.append(tuple(n.replace('_', ' ') for n in pair.split(':')))
    try:
        return differences_markdown(_seed_table(results, table), parsed, int(digits))
    except ValueError as err:
        raise DocError(str(err)) from None


# ---------------------------------------------------------------- the view-gap sweep
SWEEP_UNTRAINED = 'BYOV untrained'
SWEEP_CEILING = 'supervised ceiling'
SWEEP_TIME = 'time only (t/L)'
CROSS_VIEW = ('f1_ego2exo', 'f1_exo2ego')
F1S = ('f1_regular',) + CROSS_VIEW
# the self-supervised objectives BYOV is compared with, as the comparison names its rows
OBJECTIVES = ('TCC', 'soft-DTW', 'DTW-contrastive', 'VAVA', 'TCN (single-view)',
              'CARL (SCL)', 'LAV', 'GTA')


def _gap_record(results, gap):
    gaps = results.get('gaps')
    if not isinstance(gaps, dict) or gap not in gaps:
        raise DocError(f'no view gap {gap!r} (the marker\'s gap=...); gaps: {sorted(gaps or {})}')
    return gaps[gap]


@renderer('view_gap_sweep')
def render_view_gap_sweep(results, gap, table, digits='3'):
    """``benchmarks/sweep.py table`` (semantic input): one table of one view gap
    (``gap=0.5 table=crop``; tables ``full``, ``crop``, ``full_held``, ``crop_held``), as
    ``seed_comparison`` shows it."""
    from byov.evaluation.seed_stats import seed_markdown
    record = _gap_record(results, gap)
    return seed_markdown(_seed_table(record, table), record.get('reference'), int(digits))


@renderer('gap_differences')
def render_gap_differences(results, gap, table, pairs, digits='3'):
    """Row differences with their seed spread in one table of one view gap
    (``seed_differences`` for a ``view_gap_sweep`` file)."""
    return render_seed_differences(_gap_record(results, gap), table, pairs, digits)


@renderer('gap_clock')
def render_gap_clock(results, gap, digits='3'):
    """F1 regular / ego2exo / exo2ego of every row of one view gap, whole and cropped test
    videos, with the clock (positions as trained) and with positions held; seed means,
    and the largest seed standard deviation of the row's twelve cells."""
    record = _gap_record(results, gap)
    digits = int(digits)
    tables = {t: _seed_table(record, t) for t in ('full', 'full_held', 'crop', 'crop_held')}
    body = []
    for name in tables['full']:
        cells, spread = [name], 0.0
        for t in ('full', 'full_held', 'crop', 'crop_held'):
            stats = tables[t][name]
            cells.append(' / '.join(f'{stats[k].mean:.{digits}f}' for k in F1S))
            spread = max([spread] + [stats[k].std for k in F1S])
        body.append(cells + [f'{spread:.{digits}f}'])
    return markdown_table(['Method', 'whole, clock', 'whole, held', 'cropped, clock',
                           'cropped, held', 'largest std'], body)


def _verdict(stats, a, b, keys, digits=3):
    """('above'|'below'|'level', text) for rows a and b over ``keys`` (F1s), by the seed
    spread of each difference."""
    parts, signs = [], []
    for key in keys:
        diff, spread = stats[a][key].minus(stats[b][key])
        signs.append(1 if diff > spread else -1 if -diff > spread else 0)
        shown = f'{diff:+.{digits}f}'
        if float(shown) == 0:  # no '-0.000'
            shown = f'{0:.{digits}f}'
        parts.append(f'{key.replace("f1_", "")} {shown} ({spread:.{digits}f})')
    return signs, ', '.join(parts)


def _sign_words(signs, keys):
    above = [k.replace('f1_', '') for k, s in zip(keys, signs) if s > 0]
    below = [k.replace('f1_', '') for k, s in zip(keys, signs) if s < 0]
    if not above and not below:
        return 'within the seed spread on every one'
    words = []
    if above:
        words.append('above on ' + ', '.join(above))
    if below:
        words.append('below on ' + ', '.join(below))
    return '; '.join(words)


def _gap_facts(record, table):
    """What one table of one gap shows, as numbers: the ceiling, BYOV and each AE2
    objective against the untrained encoder, and BYOV against each of them."""
    stats = _seed_table(record, table)
    facts = dict(stats=stats)
    for name in (SWEEP_CEILING, 'BYOV') + OBJECTIVES:
        if name in stats and SWEEP_UNTRAINED in stats:
            facts[name] = _verdict(stats, name, SWEEP_UNTRAINED, F1S)
    if 'BYOV' in stats:
        facts['byov_vs'] = {o: _verdict(stats, 'BYOV', o, CROSS_VIEW)
                            for o in OBJECTIVES if o in stats}
    return facts


@renderer('gap_findings')
def render_gap_findings(results, style='long'):
    """The prose that reads a ``view_gap_sweep`` file, written from its numbers: for each
    view gap and evaluation (whole videos, cropped; with the clock), where the supervised
    ceiling, BYOV and the other objectives (AE2's and the papers' other baselines present
    in the file) stand against the untrained encoder, and where BYOV's cross-view F1 beats
    each of them beyond the seed spread. ``style=short``:
    the one paragraph of the README."""
    gaps = results['view_gaps']
    titles = {'full': 'whole test videos', 'crop': 'cropped test videos'}
    wins, ceiling_ok, lines = [], [], []
    for gap in gaps:
        key = f'{gap:g}'
        record = _gap_record(results, key)
        for table in ('full', 'crop'):
            facts = _gap_facts(record, table)
            if SWEEP_CEILING in facts:
                signs, text = facts[SWEEP_CEILING]
                ceiling_ok.append((key, table, [k.replace('f1_', '') for k, s in
                                                zip(F1S, signs) if s <= 0]))
                lines.append(f'- **View gap {key}, {titles[table]}.** The supervised ceiling '
                             f'against BYOV untrained (F1, difference (spread)): {text}: '
                             f'{_sign_words(signs, F1S)}.')
            if 'BYOV' in facts:
                signs, text = facts['BYOV']
                lines.append(f'  BYOV against BYOV untrained: {text}: '
                             f'{_sign_words(signs, F1S)}.')
                beaten = [o for o, (s, _) in facts['byov_vs'].items() if all(x > 0 for x in s)]
                level = [o for o, (s, _) in facts['byov_vs'].items()
                         if not all(x > 0 for x in s) and not any(x < 0 for x in s)]
                behind = [o for o, (s, _) in facts['byov_vs'].items() if any(x < 0 for x in s)]
                cross_up = signs[1] > 0 and signs[2] > 0
                if cross_up and len(beaten) == len(facts['byov_vs']):
                    wins.append((key, table))
                lines.append('  On both cross-view F1s BYOV is above '
                             + (', '.join(beaten) if beaten else 'no other objective')
                             + ' beyond the seed spread'
                             + (f'; level with {", ".join(level)}' if level else '')
                             + (f'; below {", ".join(behind)} on at least one' if behind
                                else '') + '.')
            others = [o for o in OBJECTIVES if o in facts]
            if others:
                up = [o for o in others if facts[o][0][1] > 0 and facts[o][0][2] > 0]
                lines.append('  Other objectives above BYOV untrained on both cross-view F1s: '
                             + (', '.join(up) if up else 'none') + '.')
    where = ', '.join(f'view gap {g} ({titles[t]})' for g, t in wins)
    broken = [f'view gap {g}, {titles[t]} (within the spread or below on '
              f'{", ".join(short)})' for g, t, short in ceiling_ok if short]
    summary = (
        f'BYOV beats both the untrained encoder and every other objective on both '
        f'cross-view F1s beyond the seed spread at: {where}.' if wins else
        'Nowhere in this sweep does BYOV beat both the untrained encoder and every other '
        'objective on both cross-view F1s beyond the seed spread.')
    ceiling = ('The supervised ceiling is above the untrained encoder beyond the seed '
               'spread on all three F1s in every setting' + (
                   ', so the benchmark can tell learning from none.' if not broken else
                   ' except ' + '; '.join(broken) + '.'))
    if style == 'short':
        margins = []
        for gap in gaps:
            facts = _gap_facts(_gap_record(results, f'{gap:g}'), 'crop')
            parts = [f'{name} {facts[name][1]}' for name in (SWEEP_CEILING, 'BYOV')
                     if name in facts]
            if parts:
                margins.append(f'view gap {gap:g}: ' + '; '.join(parts))
        detail = (' Against the untrained encoder on cropped test videos (F1 difference '
                  '(seed spread)): ' + ' | '.join(margins) + '.') if margins else ''
        return f'{ceiling} {summary}{detail}'
    return '\n'.join(lines + ['', f'**In short.** {ceiling} {summary}'])


@renderer('sweep_runs')
def render_sweep_runs(results):
    """The sweeps that recorded a ``benchmarks/sweep.py table`` file: each one's rows,
    command, wall time, workers and the machine's load average before and after it."""
    body = []
    for sweep in results.get('sweeps') or []:
        machine = sweep.get('machine') or {}
        load = (f'{machine["load_before"][0]:.1f} / {machine["load_after"][0]:.1f}'
                if machine.get('load_before') else '-')
        body.append([', '.join(sweep.get('rows') or []), f'`{sweep["produced_by"]}`',
                     f'{sweep["wall_s"]:.0f} s', f'{sweep.get("workers")} on '
                     f'{machine.get("cores", "?")} cores', load])
    if not body:
        raise DocError('no "sweeps" in the file: record it with benchmarks/sweep.py table')
    return markdown_table(['rows', 'command', 'wall time', 'workers', 'load before / after'],
                          body)


@renderer('learning_curves')
def render_learning_curves(results, digits='3'):
    """``benchmarks/sweep.py curves``: per checkpoint, each row's F1 regular and mean
    cross-view F1 (whole / cropped videos; mean ± std over the seeds), the ceiling's
    mean F1 that the budget rule reads, and the budget chosen."""
    digits = int(digits)
    rows = results['rows']
    header = ['iterations'] + [f'{r}: F1 regular, whole / cropped' for r in rows] + \
        [f'{r}: F1 cross-view, whole / cropped' for r in rows]
    if results.get('ceiling_mean_f1'):
        header.append('ceiling mean F1 (budget rule)')
    body = []
    for point in results['checkpoints']:
        cells = [str(point)]
        for what in ('regular', 'cross'):
            for row in rows:
                by_seed = results['curves'][row]
                parts = []
                for ev in ('full', 'crop'):
                    values = []
                    for seed in sorted(by_seed):
                        scores = by_seed[seed][str(point)][ev]
                        values.append(scores['f1_regular'] if what == 'regular' else
                                      (scores['f1_ego2exo'] + scores['f1_exo2ego']) / 2)
                    parts.append(format_value(values, digits))
                cells.append(' / '.join(parts))
        if results.get('ceiling_mean_f1'):
            value = results['ceiling_mean_f1'][str(point)]
            mark = ' (budget)' if point == results.get('budget') else ''
            cells.append(f'{value:.{digits}f}{mark}')
        body.append(cells)
    text = markdown_table(header, body)
    if results.get('budget') is not None:
        text += (f'\n\nBudget: **{results["budget"]} iterations**, {results["rule"]}.')
    return text


@renderer('figures')
def render_figures(results):
    """The list of figures in the docs and the command that draws each."""
    body = [[f'`{fig["file"]}`', fig['what'], f'`{fig["command"]}`']
            for fig in results['figures']]
    return markdown_table(['figure', 'what it shows', 'command'], body)


# ---------------------------------------------------------------- benchmark runs
def _machine_line(results):
    machine = results.get('machine') or {}
    if not machine:
        return ''
    before, after = machine['load_before'][0], machine['load_after'][0]
    return (f'{machine["cores"]} CPU cores, load average {before:.1f} before the run and '
            f'{after:.1f} after it')


@renderer('threads')
def render_threads(results, digits='3'):
    """``benchmarks/threads.py --results-json``: per variant, the threads it ran, the
    median over the repeats of its wall time, mmengine's mean time per iteration and
    its CPU time, the ratios to the fastest variant, and the range of the repeats' time
    per iteration (their spread on a shared machine)."""
    from statistics import median
    digits = int(digits)
    runs = results['runs']
    med = {name: {key: median(r[key] for r in rs) for key in ('wall', 'iter_time', 'cpu')}
           for name, rs in runs.items()}
    best = {key: min(m[key] for m in med.values()) for key in ('wall', 'iter_time')}
    body = []
    for name, rs in runs.items():
        m, iters = med[name], [r['iter_time'] for r in rs]
        body.append([name, rs[0]['threads'], f'{m["wall"]:.1f}',
                     f'{m["wall"] / best["wall"]:.2f}', f'{m["iter_time"]:.{digits}f}',
                     f'{m["iter_time"] / best["iter_time"]:.2f}',
                     f'{min(iters):.{digits}f}-{max(iters):.{digits}f}', f'{m["cpu"]:.1f}'])
    table = markdown_table(['variant', 'threads', 'wall s', '/ best', 's / iteration',
                            '/ best', 's / iteration, range', 'CPU s'], body)
    return (f'Demo training, {results["epochs"]} epochs of 10 iterations, median of '
            f'{results["repeats"]} run(s) per variant; {_machine_line(results)}.\n\n' + table)


EVAL_TASK_TITLES = {'classification': 'classification', 'retrieval': 'retrieval',
                    'progression': 'progression', 'kendall': "Kendall's tau",
                    'few_shot': 'few-shot'}


@renderer('evaluation_speed')
def render_evaluation_speed(results, digits='2', implementations=None):
    """``tools/analysis/benchmark_metrics.py --results-json``: wall / CPU seconds of each
    task (rows) for each implementation (columns, in the run's order; ``implementations=
    a,b`` keeps those), the four tasks' totals, their ratio to the ``reference``
    implementation (when shown), the peak memory of the classification process, then
    the run's identity checks."""
    digits = int(digits)
    rows, impls = results['rows'], results['implementations']
    if implementations:
        unknown = [i for i in implementations.split(',') if i not in impls]
        if unknown:
            raise DocError(f'implementations: no {unknown[0]!r} in this run; it ran {impls}')
        impls = implementations.split(',')
    cell = {(r['task'], r['impl']): r for r in rows}
    tasks = list(dict.fromkeys(r['task'] for r in rows))
    body = [[EVAL_TASK_TITLES.get(t, t)] +
            [f'{cell[t, i]["seconds"]:.{digits}f} / {cell[t, i]["cpu"]:.{digits}f}'
             if (t, i) in cell else '-' for i in impls] for t in tasks]
    four = [t for t in tasks if t in ('classification', 'retrieval', 'progression', 'kendall')]
    totals = {i: (sum(cell[t, i]['seconds'] for t in four), sum(cell[t, i]['cpu'] for t in four))
              for i in impls if all((t, i) in cell for t in four)}
    if len(four) > 1 and totals:
        body.append([f'**{len(four)} tasks**'] + [
            f'**{totals[i][0]:.{digits}f} / {totals[i][1]:.{digits}f}**' if i in totals
            else '-' for i in impls])
        if 'reference' in totals:
            ref = totals['reference']
            body.append(['vs the reference'] + [
                '1x' if i == 'reference' else
                f'{ref[0] / totals[i][0]:.1f}x wall, {ref[1] / totals[i][1]:.1f}x CPU'
                if i in totals else '-' for i in impls])
    if 'classification' in tasks:
        body.append(['peak RSS MB (classification)'] + [
            f'{cell["classification", i]["peak_mb"]:.0f}'
            if ('classification', i) in cell else '-' for i in impls])
    table = markdown_table(['task: wall s / CPU s'] + impls, body)
    split = results['split']
    text = (f'Fit split {split["fit_frames"]:,} frames in {split["fit_videos"]} videos, eval '
            f'split {split["eval_frames"]:,} frames in {split["eval_videos"]} videos, '
            f'{split["dim"]} dims, {split["classes"]} phases; {_machine_line(results)}.\n\n'
            + table)
    # 'task: IMPL vs BASE: ...' lines of the implementations shown
    checks = [line for line in results.get('identity') or []
              if line.split(': ')[1].split(' vs ')[0] in impls]
    if checks:
        text += '\n\nChecks of this run:\n' + '\n'.join(f'- {line}' for line in checks)
    return text


@renderer('speed_target')
def render_speed_target(results, target='25', impl='byov'):
    """From an ``evaluation_speed`` run: the wall time ``impl``'s four tasks may take to
    be ``target`` times faster than the reference's, and what it leaves for
    classification after the other three tasks."""
    cell = {(r['task'], r['impl']): r['seconds'] for r in results['rows']}
    four = ('classification', 'retrieval', 'progression', 'kendall')
    missing = [(t, i) for t in four for i in ('reference', impl) if (t, i) not in cell]
    if missing:
        raise DocError(f'speed_target needs all four tasks of reference and {impl}; the run '
                       f'lacks {missing[0][0]} of {missing[0][1]}')
    reference = sum(cell[t, 'reference'] for t in four)
    budget = reference / float(target)
    others = sum(cell[t, impl] for t in four[1:])
    now = sum(cell[t, impl] for t in four)
    return (f'In the recorded run the reference\'s four tasks took {reference:.1f} s, so '
            f'{target}x means {budget:.2f} s for {impl}\'s four (it took {now:.2f} s, '
            f'{reference / now:.1f}x); retrieval, progression and Kendall\'s tau take '
            f'{others:.2f} s of it, which leaves {budget - others:.2f} s for classification '
            f'(it took {cell["classification", impl]:.2f} s).')


def _three_digits(value):
    """3 significant digits, without an exponent: 0.755, 6.49, 4,060."""
    if abs(value) < 1000:
        return f'{value:.3g}'
    return f'{float(f"{value:.3g}"):,.0f}'


@renderer('gpu_check')
def render_gpu_check(results):
    """``benchmarks/gpu_check.py --results-json``: its table (rate to 3 significant
    digits, no exponent, peak memory in MB: CUDA's peak allocation per row, or the process's peak
    resident memory on a CPU), after a line naming the device and the machine."""
    cuda = results['device'] != 'CPU'
    body = [[r['check'], r['input'], r['batch'], r['amp'],
             '-' if r['rate'] is None else f'{_three_digits(r["rate"])} {r["unit"]}',
             '-' if r['peak_mb'] is None else f'{r["peak_mb"]:.0f}', r['note']]
            for r in results['rows']]
    table = markdown_table(['check', 'input', 'batch', 'amp', 'rate',
                            'peak CUDA MB' if cuda else 'peak RSS MB (process)', 'note'], body)
    return (f'{results["device"]}, torch {results["torch"]}, model {results["shape"]}, '
            f'{results["iters"]} timed steps per row; {_machine_line(results)}.\n\n' + table)


@renderer('soft_dtw_speed')
def render_soft_dtw_speed(results):
    """``benchmarks/soft_dtw_speed.py --results-json``: median forward + backward time of
    each method over the repeats, the median of the per-repeat speed-ups, and how far
    the two agree in float64."""
    from statistics import median
    fast, slow = (results['seconds'][k] for k in ('soft_dtw', 'soft_dtw_reference'))
    ratio = median(s / f for f, s in zip(fast, slow))
    table = markdown_table(['method', 'forward + backward ms (median)', 'speed-up'], [
        ['anti-diagonal (`soft_dtw`)', f'{median(fast) * 1e3:.1f}', f'{ratio:.1f}x'],
        ['double loop (`soft_dtw_reference`)', f'{median(slow) * 1e3:.1f}', '1.0x']])
    return (f'T={results["frames"]}, batch {results["batch"]}, E={results["dims"]}, '
            f'{results["device"]}, {results["threads"]} thread(s), median of '
            f'{results["repeats"]}; {_machine_line(results)}. In float64 the two agree to '
            f'{results["float64_max_rel_diff"]:.1e} relative (loss and gradients).\n\n'
            + table)


def _ratio(value, base):
    ratio = value / base
    return f'{ratio:.0f}x' if ratio >= 10 else f'{ratio:.1f}x'


@renderer('feature_cache_throughput')
def render_feature_cache_throughput(results):
    """``benchmarks/feature_cache_throughput.py --results-json``: per model and input,
    training clips/s and clips per CPU second, batch loading ms per step, evaluation
    frames/s and per CPU second, peak memory, each with its ratio to the model's
    ``frames`` row, and the cache's KiB and build ms per frame. Rates show 3 significant
    digits."""
    rows = results['rows']
    base = {r['model']: r for r in rows if r['input'] == 'frames'}
    cuda = str(results.get('device', 'cpu')).startswith('cuda')
    body = []
    for r in rows:
        b = base.get(r['model'])
        if b is None:
            raise DocError(f'model {r["model"]!r} has no frames row to compare with')
        peak, base_peak = ((r['peak_cuda_mb'], b['peak_cuda_mb']) if cuda else
                           (r['peak_rss_mb'], b['peak_rss_mb']))
        cells = [r['model'], r['input']]
        for key in ('clips_per_s', 'clips_per_cpu_s'):
            cells += [_three_digits(r[key]), _ratio(r[key], b[key])]
        cells.append(f'{1000 * r["load_s"]:.1f}')
        for key in ('eval_frames_per_s', 'eval_frames_per_cpu_s'):
            cells += [_three_digits(r[key]), _ratio(r[key], b[key])]
        cells += [f'{peak:.0f}', f'{peak / base_peak:.2f}x',
                  '-' if r['cache_bytes_per_frame'] is None else
                  f'{r["cache_bytes_per_frame"] / 1024:.1f}',
                  '-' if r['build_s_per_frame'] is None else
                  f'{1000 * r["build_s_per_frame"]:.1f}']
        body.append(cells)
    table = markdown_table(
        ['model', 'input', 'train clips/s', 'ratio', 'clips/CPU-s', 'ratio', 'load ms/step',
         'eval frames/s', 'ratio', 'frames/CPU-s', 'ratio',
         'peak CUDA MB' if cuda else 'peak RSS MB', 'ratio', 'cache KiB/frame',
         'build ms/frame'], body)
    return (f'{results["device"]}, {results["threads"]} torch thread(s) per process; '
            f'{_machine_line(results)}.\n\n' + table)


@renderer('ae2_scale_cache')
def render_ae2_scale_cache(results):
    """``benchmarks/ae2_scale_cache.py --results-json``: the cache builds (killed,
    resumed, one file damaged) with throughput and disk use, and the loader's pairs/s by
    number of workers."""
    builds, disk, loader = [], [], []
    for r in results['rows']:
        if r['run'] == 'killed':
            builds.append([r['cache'], 'build, SIGKILLed', f'{r["cached"]}/{r["total"]} cached',
                           f'{r["wall_s"]:.1f}', f'{r["cpu_s"]:.1f}', '-',
                           f'{r["disk_mb"]:,.0f}', f'{r["tmp_left"]} `*.tmp` left'])
        elif r['run'] == 'resumed':
            builds.append([r['cache'], 'rerun', f'{r["built"]} built, {r["kept"]} kept',
                           f'{r["wall_s"]:.1f}', f'{r["cpu_s"]:.1f}',
                           f'{r["frames"] / r["wall_s"]:,.0f} / {r["frames"] / r["cpu_s"]:,.0f}',
                           f'{r["disk_mb"]:,.0f}', f'{r["files"]}/{r["total"]} files; '
                           f'{r["progress_updates"]} progress updates'])
        elif r['run'] == 'truncated':
            builds.append([r['cache'], 'rerun, 1 file truncated',
                           '1 rebuilt' if r['rebuilt'] else 'NOT rebuilt',
                           f'{r["wall_s"]:.1f}', f'{r["cpu_s"]:.1f}', '-',
                           f'{r["disk_mb"]:,.0f}',
                           f'{r["untouched"]}/{r["others"]} others untouched; warning '
                           + ('printed' if r['warned'] else 'NOT printed')])
        elif r['run'] == 'disk per frame':
            disk.append(f'{r["cache"]} {r["kib_per_frame"]:.1f} KiB')
        else:
            rate = r['items'] / r['wall_s']
            loader.append([str(r['workers']) + (' (main process)' if not r['workers'] else ''),
                           f'{rate:.1f}', f'{rate / max(1, r["workers"]):.1f}',
                           f'{1000 / rate:.0f}', f'{r["mb_per_item"]:.1f}'])
    videos = ', '.join(f'{split} {ego} + {exo}' for split, (ego, exo) in
                       results['videos'].items())
    made = ('reused from an earlier run' if results['generate_s'] is None else
            f'generated in {results["generate_s"]:.0f} s')
    head = (f'{results["total_videos"]} videos ({videos}; ego + exo), '
            f'{results["frames"]:,} frames, rendered at {results["render_size"]}x'
            f'{results["render_size"]} px, {made}; frame cache at {results["frame_size"]}x'
            f'{results["frame_size"]}; first builds killed at {results["kill_at"]:.0%} of '
            f'the videos; {_machine_line(results)}. Disk per frame: {", ".join(disk)}.')
    return '\n\n'.join([head, markdown_table(
        ['cache', 'run', 'videos', 'wall s', 'CPU s', 'frames/s (wall / CPU)', 'disk MiB',
         'note'], builds), f'Training pairs ({results["clip_frames"]} frames per clip, '
        'two clips) read from the frame cache:', markdown_table(
        ['loader workers', 'pairs/s', 'pairs/s per worker', 'ms per pair', 'MiB per pair'],
        loader)])


@renderer('egoexo4d_scale')
def render_egoexo4d_scale(results):
    """``benchmarks/egoexo4d_scale.py --results-json``: the generated root's sizes, the
    split index built cold and from its cache (wall time, peak memory), and resident
    memory while loading pairs and whole streams."""
    sizes = results['file_sizes_mb']
    files = ', '.join(f'`{name}` {mb:,.1f} MiB' for name, mb in sizes.items())
    made = ('reused from an earlier run' if results['generate_s'] is None else
            f'generated in {results["generate_s"]:.0f} s')
    head = (f'{results["num_takes"]:,} takes, {results["feature_files"]:,} feature files '
            f'({results["feature_dim"]} numbers a step), {made}; {files}; '
            f'{_machine_line(results)}.')
    index = []
    for label, key in (('cold (empty cache)', 'index_cold'), ('from the cache', 'index_cached')):
        r = results[key]
        index.append([label, f'{r["seconds"]:.2f}', f'{r["train"]["streams"]:,} / '
                      f'{r["val"]["streams"]:,}', f'{r["train"]["steps"]:,} / '
                      f'{r["val"]["steps"]:,}', f'{r["rss_after_imports_mb"]:,.0f}',
                      f'{r["peak_rss_mb"]:,.0f}'])
    loading = []
    for label, key, unit in (('training pairs (batch 4)', 'pairs', 'batches'),
                             ('whole val streams', 'videos', 'streams')):
        r = results[key]
        loading.append([label, f'{r["batches"]:,} {unit}', f'{r["seconds"]:.1f}',
                        f'{r["rss_after_imports_mb"]:,.0f}',
                        f'{r.get("rss_after_20_batches_mb", float("nan")):,.0f}',
                        f'{r["rss_end_mb"]:,.0f}', f'{r["peak_rss_mb"]:,.0f}'])
    return '\n\n'.join([head, markdown_table(
        ['index (train + val)', 'wall s', 'streams train / val', 'steps train / val',
         'RSS after imports MiB', 'peak RSS MiB'], index), markdown_table(
        ['reading', 'read', 'wall s', 'RSS after imports MiB', 'RSS after 20 batches MiB',
         'RSS at the end MiB', 'peak RSS MiB'], loading)])


# ---------------------------------------------------------------- docs
def load_results(name, root=ROOT):
    path = osp.join(root, RESULTS_DIR, name + '.json')
    if not osp.isfile(path):
        raise DocError(f'{RESULTS_DIR}/{name}.json does not exist: record it from a run '
                       f'(python tools/analysis/render_docs.py record {name} ...)')
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise DocError(f'{RESULTS_DIR}/{name}.json is not valid JSON: {err}') from None


def render_region(name, option_text, root=ROOT):
    results = load_results(name, root)
    options = dict(opt.split('=', 1) for opt in option_text.split())
    kind = options.pop('renderer', results.get('kind'))
    if kind not in RENDERERS:
        raise DocError(f'{RESULTS_DIR}/{name}.json: unknown renderer {kind!r}; '
                       f'known: {sorted(RENDERERS)}')
    try:
        body = RENDERERS[kind](results, **options)
    except TypeError as err:
        raise DocError(f'renderer {kind!r} of {name}: {err}') from None
    source = f'*Generated from `{RESULTS_DIR}/{name}.json`'
    if results.get('produced_by'):
        source += f', recorded from `{results["produced_by"]}`'
    return body + '\n\n' + source + '; regenerate with `python tools/analysis/render_docs.py`.*'


def render_doc(text, doc, root=ROOT):
    """The doc's text with every generated region rewritten; ``doc`` names it in errors."""
    lines = text.split('\n')
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        match = OPEN_RE.match(line.strip())
        if line.strip().startswith('<!-- table:') and not match:
            raise DocError(f'{doc}:{i + 1}: malformed marker {line.strip()!r}; expected '
                           '"<!-- table: NAME [option=value ...] -->"')
        i += 1
        if not match:
            continue
        end = next((j for j in range(i, len(lines)) if lines[j].strip() == CLOSE), None)
        if end is None:
            raise DocError(f'{doc}:{i}: "{line.strip()}" has no closing "{CLOSE}"')
        try:
            out.append(render_region(match.group(1), match.group(2), root))
        except DocError as err:
            raise DocError(f'{doc}:{i}: {err}') from None
        out.append(CLOSE)
        i = end + 1
    return '\n'.join(out)


def doc_paths(root=ROOT):
    paths = set()
    for pattern in DOC_GLOBS:
        paths.update(glob.glob(osp.join(root, pattern), recursive=True))
    return sorted(p for p in paths if '<!-- table:' in open(p).read())


def regions(root=ROOT):
    for path in doc_paths(root):
        for n, line in enumerate(open(path).read().split('\n'), 1):
            match = OPEN_RE.match(line.strip())
            if match:
                yield osp.relpath(path, root), n, match.group(1)


def check(root=ROOT, write=False, stream=sys.stdout):
    """Render every doc; return the stale ones (rewritten when ``write``)."""
    stale = []
    for path in doc_paths(root):
        rel = osp.relpath(path, root)
        with open(path) as f:
            text = f.read()
        new = render_doc(text, rel, root)
        if new == text:
            continue
        stale.append(rel)
        if write:
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                f.write(new)
            os.replace(tmp, path)
            print(f'rewrote {rel}', file=stream)
        else:
            stream.writelines(difflib.unified_diff(
                text.splitlines(True), new.splitlines(True),
                f'{rel} (in the repository)', f'{rel} (rendered from {RESULTS_DIR}/)'))
    return stale


# ---------------------------------------------------------------- recording runs
@renderer('demo_wall_time')
def render_demo_wall_time(results):
    """The main job's wall time by step, from the ``timing`` a record kept
    (``record ... --timing work_dirs/demo/demo_timing.json``)."""
    timing = results.get('timing')
    if not timing:
        raise DocError('this results file has no timing: record it with --timing '
                       'work_dirs/demo/demo_timing.json (written by tools/run_demo.py)')
    steps = [(label, timing.get(key)) for key, label in (
        ('generation', 'generation'), ('training', 'training'),
        ('evaluations', 'the four evaluations'))]
    parts = [f'{label} {seconds:.0f} s' for label, seconds in steps if seconds is not None]
    cores = timing.get('cpu_count')
    return (f"{', '.join(parts)}: {timing['total']:.0f} s in all"
            + (f' on {cores} CPU cores' if cores else '') + '.')


def record(name, rows, produced_by, notes='', root=ROOT, timing=None):
    """Write ``docs/results/<name>.json`` (kind ``metrics_rows``) from run outputs.

    ``rows``: list of ``(row name, [results.json paths])``, several paths = several seeds
    (kept as lists: shown as mean ± std); or ``(None, [demo_results.json])`` for a file
    mapping row names to metrics, as ``tools/run_demo.py`` writes it.
    """
    out_rows, versions = [], None
    for row_name, paths in rows:
        loaded = []
        for path in paths:
            with open(path) as f:
                loaded.append(json.load(f))
        if row_name is None:
            for table in loaded:
                out_rows += _rows_of_table(table)
            continue
        versions = versions or loaded[0].get('versions')
        metrics = [r['metrics'] for r in loaded]
        keys = list(metrics[0])
        for path, m in zip(paths, metrics):
            if list(m) != keys:
                raise DocError(f'{path} has metrics {sorted(m)}, {paths[0]} has {sorted(keys)}')
        merged = {k: metrics[0][k] if len(metrics) == 1 else [m[k] for m in metrics]
                  for k in keys}
        out_rows.append(dict(name=row_name, metrics=merged,
                             seeds=[r.get('seed') for r in loaded]))
    data = dict(kind='metrics_rows', produced_by=produced_by, notes=notes,
                versions=versions, rows=out_rows)
    if timing:
        with open(timing) as f:
            data['timing'] = json.load(f)
    return write_results(name, data, root)


def _rows_of_table(table):
    """Rows from a run's table: ``{row: metrics}`` (``tools/run_demo.py``'s
    demo_results.json) or ``{'seeds': [...], 'metrics': {seed: {row: metrics}}}``
    (per-seed metrics of several rows: one list per metric)."""
    if table.get('kind') == 'seed_comparison' or 'per_seed' in table:
        raise DocError('this is benchmarks/synthetic_comparison.py\'s own table: write it '
                       'into docs/results/ with its --results-json and show it with '
                       '"<!-- table: NAME table=full -->" (nothing to record).')
    if 'metrics' not in table or 'seeds' not in table:
        return [dict(name=n, metrics=m) for n, m in table.items()]
    seeds = [str(s) for s in table['seeds']]
    names = list(table['metrics'][seeds[0]])
    rows = []
    for name in names:
        per_seed = [table['metrics'][s][name] for s in seeds]
        rows.append(dict(name=name, seeds=table['seeds'],
                         metrics={k: [m[k] for m in per_seed] for k in per_seed[0]}))
    return rows


def write_results(name, data, root=ROOT):
    """Write ``docs/results/<name>.json`` atomically (for scripts that record a run)."""
    return write_json_atomic(osp.join(root, RESULTS_DIR, name + '.json'), data)


def write_json_atomic(path, data):
    """Write ``data`` as JSON to a temporary file beside ``path``, then rename it into
    place: a reader never sees half a results file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(data, f, indent=2)
        f.write('\n')
    os.replace(path + '.tmp', path)
    return path


def run_header(kind, script, argv, load_before):
    """The fields a benchmark script's ``--results-json`` file starts with: ``kind``,
    ``produced_by`` (the command, as typed from the repository root) and ``machine``
    (cores this process may use, the machine's cores, load averages over 1, 5 and 15
    minutes before the run and now)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else None
    return dict(kind=kind, produced_by='python ' + shlex.join([script, *argv]),
                machine=dict(cores=cores or os.cpu_count(), cpu_count=os.cpu_count(),
                             load_before=[round(x, 2) for x in load_before],
                             load_after=[round(x, 2) for x in os.getloadavg()]))


def record_run(path, kind, script, argv, load_before, /, **fields):
    """Write a benchmark script's run as the results file ``path`` (atomically): the
    :func:`run_header` fields, then ``fields`` (which win over them, e.g. a run's own
    ``load_before``); say where it went."""
    record = run_header(kind, script, argv, load_before)
    record.update(fields)
    write_json_atomic(path, record)
    print(f'Results file: {path}')
    return path


def run_figures(root=ROOT):
    """Rerun the command of every figure listed in docs/results/figures.json."""
    commands = [fig['command'] for fig in load_results('figures', root)['figures']]
    for command in dict.fromkeys(commands):  # one command may draw several figures
        print('$ ' + command, flush=True)
        subprocess.run(shlex.split(command), cwd=root, check=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command')
    parser.add_argument('--check', action='store_true',
                        help='change nothing; exit 1 with a diff when a doc is stale')
    parser.add_argument('--list', action='store_true', help='list the generated regions')
    parser.add_argument('--figures', action='store_true',
                        help='rerun the commands of docs/results/figures.json')
    parser.add_argument('--root', default=ROOT,
                        help='repository root holding the docs (default: this checkout)')
    rec = sub.add_parser('record', help='write docs/results/NAME.json from run outputs')
    rec.add_argument('name')
    rec.add_argument('--rows', metavar='FILE',
                     help="a run's table: run_demo's demo_results.json (row name -> metrics) or "
                          "{seeds: [...], metrics: {seed: {row: metrics}}} (seeds kept as lists)")
    rec.add_argument('--row', action='append', default=[], metavar='NAME=FILE[,FILE...]',
                     help='one row from results.json files (several files: seeds)')
    rec.add_argument('--produced-by', required=True, help='the command that made the runs')
    rec.add_argument('--notes', default='')
    rec.add_argument('--timing', metavar='FILE',
                     help="a run's wall times by step (tools/run_demo.py's demo_timing.json)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.command == 'record':
            rows = [(None, [args.rows])] if args.rows else []
            for spec in args.row:
                if '=' not in spec:
                    raise DocError(f'--row {spec!r}: expected NAME=FILE[,FILE...]')
                row_name, files = spec.split('=', 1)
                rows.append((row_name, files.split(',')))
            if not rows:
                raise DocError('record needs --rows FILE or at least one --row NAME=FILE')
            print('wrote', record(args.name, rows, args.produced_by, args.notes, args.root,
                                      args.timing))
            return 0
        if args.list:
            for doc, line, name in regions(args.root):
                produced = load_results(name, args.root).get('produced_by', '?')
                print(f'{doc}:{line}  {RESULTS_DIR}/{name}.json  ({produced})')
            return 0
        if args.figures:
            run_figures(args.root)
            return 0
        stale = check(args.root, write=not args.check)
    except DocError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if args.check and stale:
        print(f'\n{len(stale)} doc(s) differ from their results files: '
              f'{", ".join(stale)}.\nRun python tools/analysis/render_docs.py to regenerate '
              'them (or record new results first).', file=sys.stderr)
        return 1
    if not stale:
        print('every generated region is up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
