"""The docs' generated tables match their results files (tools/analysis/render_docs.py), and
the repository stands on its own (no references to notes outside it)."""
import io
import math
import json
import os
import os.path as osp
import re
import shutil
import statistics
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import render_docs  # noqa: E402
from byov.structures import EVAL_VIEWS  # noqa: E402

SCRIPT = osp.join(ROOT, 'tools', 'analysis', 'render_docs.py')


def _copy_docs(dst):
    """The parts of the repository the renderer reads, copied to ``dst``."""
    shutil.copy(osp.join(ROOT, 'README.md'), dst / 'README.md')
    shutil.copytree(osp.join(ROOT, 'docs'), dst / 'docs',
                    ignore=shutil.ignore_patterns('figures'))
    return dst


def _round_once(value, digits):
    """Independent rounding: the decimal expansion of the float, rounded once."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN))


def test_docs_match_their_results_files():
    out = io.StringIO()
    stale = render_docs.check(ROOT, write=False, stream=out)
    assert stale == [], ('docs differ from docs/results/ (run python '
                         f'tools/analysis/render_docs.py):\n{out.getvalue()}')


def test_every_results_file_is_used_and_every_region_has_one():
    used = {name for _, _, name in render_docs.regions(ROOT)}
    on_disk = {f[:-5] for f in os.listdir(osp.join(ROOT, 'docs', 'results'))
               if f.endswith('.json')}
    assert used, 'no generated region found in the docs'
    assert used == on_disk, f'unused: {on_disk - used}, missing: {used - on_disk}'


def test_readme_main_table_is_rounded_once_from_the_recorded_run():
    with open(osp.join(ROOT, 'docs', 'results', 'demo_main_job.json')) as f:
        rows = json.load(f)['rows']
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    for row in rows:
        m = {k.split('/')[-1]: v for k, v in row['metrics'].items()}
        f1 = ' / '.join(_round_once(m[f'f1_{v}'], 3) for v in EVAL_VIEWS)
        assert f'| {row["name"]} | {f1} |' in readme


def test_check_fails_on_an_edited_number(tmp_path):
    root = _copy_docs(tmp_path)
    readme = (root / 'README.md').read_text()
    start = readme.index('<!-- table: demo_main_job')
    line_start = readme.index('| time only (t/L) |', start)
    line_end = readme.index('\n', line_start)
    line = readme[line_start:line_end]
    cells = line.split(' | ')
    edited_cell = cells[1].replace(cells[1].split(' / ')[2], '0.709')  # a hand "correction"
    edited = line.replace(cells[1], edited_cell)
    assert edited != line
    (root / 'README.md').write_text(readme[:line_start] + edited + readme[line_end:])

    proc = subprocess.run([sys.executable, SCRIPT, '--check', '--root', str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert '-' + edited in proc.stdout and '+' + line in proc.stdout
    assert 'README.md' in proc.stderr and 'differ from their results files' in proc.stderr

    # regenerating puts the recorded number back
    assert render_docs.check(str(root), write=True, stream=io.StringIO()) == ['README.md']
    assert (root / 'README.md').read_text() == readme


def test_check_fails_when_a_results_file_changes(tmp_path):
    root = _copy_docs(tmp_path)
    path = root / 'docs' / 'results' / 'time_leakage.json'
    data = json.loads(path.read_text())
    data['rows'][0]['metrics']['ae2/tau'] = 0.5
    path.write_text(json.dumps(data))
    out = io.StringIO()
    stale = render_docs.check(str(root), stream=out)
    assert 'docs/time_leakage.md' in stale and 'docs/evaluation_protocol.md' in stale
    assert '| 0.500 |' in out.getvalue()


def test_mean_std_of_seeds_against_statistics():
    values = [0.61234, 0.65871, 0.60002]
    expected = (f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}')
    assert render_docs.format_value(values, 3) == expected
    assert render_docs.format_value([0.5], 2) == '0.50 ± 0.00'
    assert render_docs.format_value(0.70846611408823, 3) == '0.708'


def test_record_seeds_and_render(tmp_path):
    runs = []
    for seed, f1 in enumerate([0.5, 0.7]):
        path = tmp_path / f'run{seed}.json'
        metrics = {f'ae2/f1_{v}': f1 for v in EVAL_VIEWS}
        metrics.update({f'ae2/map@10_{v}': 0.25 for v in EVAL_VIEWS},
                       **{'ae2/progression': 0.1 * seed, 'ae2/tau': 0.9})
        path.write_text(json.dumps(dict(metrics=metrics, seed=seed, versions={})))
        runs.append(str(path))
    render_docs.record('seeds', [('BYOV', runs)], 'a test', root=str(tmp_path))
    results = render_docs.load_results('seeds', str(tmp_path))
    table = render_docs.RENDERERS[results['kind']](results, columns='split', digits='2')
    header, rule, row = table.split('\n')
    cells = row.strip('|').split(' | ')
    assert cells[0].strip() == 'BYOV'
    assert cells[1] == f'0.60 ± {statistics.stdev([0.5, 0.7]):.2f}'
    assert cells[7] == f'0.05 ± {statistics.stdev([0.0, 0.1]):.2f}'
    assert "Kendall's tau" in header and rule.count('---') == 9


def test_recorded_wall_time_by_step(tmp_path):
    """record --timing keeps run_demo's step times; the renderer rounds each once."""
    run = tmp_path / 'run.json'
    run.write_text(json.dumps(dict(metrics={'ae2/tau': 0.9}, seed=0, versions={})))
    timing = dict(generation=None, training=13.51, evaluations=31.49, total=46.2, cpu_count=2)
    (tmp_path / 'timing.json').write_text(json.dumps(timing))
    render_docs.record('walls', [('BYOV', [str(run)])], 'a test', root=str(tmp_path),
                       timing=str(tmp_path / 'timing.json'))
    results = render_docs.load_results('walls', str(tmp_path))
    text = render_docs.RENDERERS['demo_wall_time'](results)
    # data already there: no generation step; 13.51 -> 14, 31.49 -> 31, 46.2 -> 46
    assert text == 'training 14 s, the four evaluations 31 s: 46 s in all on 2 CPU cores.'
    del results['timing']
    with pytest.raises(render_docs.DocError, match='--timing'):
        render_docs.RENDERERS['demo_wall_time'](results)


def test_record_a_comparison_over_seeds(tmp_path):
    """benchmarks/synthetic_comparison.py's comparison.json: rows in order, seeds as lists."""
    views = EVAL_VIEWS
    metrics = {str(seed): {name: {f'ae2/f1_{v}': base + seed / 10 for v in views}
                           for name, base in (('time only', 0.3), ('BYOV', 0.5))}
               for seed in (0, 1, 2)}
    path = tmp_path / 'comparison.json'
    path.write_text(json.dumps(dict(seeds=[0, 1, 2], metrics=metrics)))
    render_docs.record('cmp', [(None, [str(path)])], 'a test', root=str(tmp_path))
    results = render_docs.load_results('cmp', str(tmp_path))
    assert [r['name'] for r in results['rows']] == ['time only', 'BYOV']
    cols = ','.join(f'f1_{v}' for v in views)
    table = render_docs.render_metrics_rows(results, columns=cols, digits='2')
    byov_row = table.split('\n')[3]
    values = [0.5, 0.6, 0.7]
    cell = f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'
    assert byov_row == '| BYOV | ' + ' | '.join([cell] * 3) + ' |'
    one = render_docs.render_metrics_rows(results, columns=cols, digits='2', seed='2')
    assert one.split('\n')[2] == '| time only | 0.50 | 0.50 | 0.50 |'
    with pytest.raises(render_docs.DocError, match='no seed 7'):
        render_docs.render_metrics_rows(results, columns=cols, seed='7')
    own = tmp_path / 'own.json'
    own.write_text(json.dumps(dict(kind='seed_comparison', tables={}, per_seed={})))
    with pytest.raises(render_docs.DocError, match='--results-json'):
        render_docs.record('own', [(None, [str(own)])], 'a test', root=str(tmp_path))


def test_percent_scales_only_f1_and_map():
    metrics = {'ae2/f1_regular': 0.123456, 'ae2/map@10_regular': 0.5, 'ae2/progression': 0.25,
               'ae2/tau': [0.5, 0.7]}
    results = dict(rows=[dict(name='m', metrics=metrics)])
    table = render_docs.render_metrics_rows(
        results, columns='f1_regular,map@10_regular,progression,tau', percent='true')
    assert table.split('\n')[2] == (f'| m | 12.35 | 50.00 | 0.2500 | '
                                     f'0.6000 ± {statistics.stdev([0.5, 0.7]):.4f} |')


def test_cache_modes_table_differences():
    keys = [k for k, _ in render_docs.AE2_SPLIT_TITLES]
    runs = {f'{mode}_seed{seed}': {f'ae2/{k}': 0.1 * i + 0.01 * seed + offset
                                   for i, k in enumerate(keys)}
            for seed in (0, 1)
            for mode, offset in (('frames', 0.0), ('exact', 0.002), ('compact', -0.003))}
    table = render_docs.render_cache_modes(
        dict(seeds=[0, 1], modes=['frames', 'exact', 'compact'], runs=runs))
    lines = table.split('\n')
    assert lines[0].startswith('| test metric | frames s0 | exact s0 | compact s0 | frames s1')
    tau = lines[-1].strip('|').split(' | ')
    assert tau[0].strip() == "Kendall's tau"
    assert tau[-2] == '-0.0050'  # compact - exact, both seeds
    assert tau[-1].strip() == '0.0100'  # exact seed 1 - seed 0


@pytest.mark.parametrize('doc, message', [
    ('<!-- table: nowhere -->\n<!-- /table -->\n', 'docs/results/nowhere.json does not exist'),
    ('<!-- table: demo_main_job -->\nno end\n', 'has no closing'),
    ('<!-- table: demo_main_job renderer=pie -->\n<!-- /table -->\n', "unknown renderer 'pie'"),
    ('<!-- table: demo_main_job columns=tau,nope -->\n<!-- /table -->\n', "no metric 'nope'"),
    ('<!-- table:demo_main_job -->\n<!-- /table -->\n', 'malformed marker'),
])
def test_bad_docs_name_the_doc_and_the_fix(doc, message):
    with pytest.raises(render_docs.DocError, match='page.md:1') as err:
        render_docs.render_doc(doc, 'page.md', ROOT)
    assert message in str(err.value)


def test_figures_listed_exist_and_every_figure_is_listed():
    with open(osp.join(ROOT, 'docs', 'results', 'figures.json')) as f:
        listed = {fig['file'] for fig in json.load(f)['figures']}
    on_disk = {f'docs/figures/{name}' for name in os.listdir(osp.join(ROOT, 'docs', 'figures'))}
    assert listed == on_disk


def test_no_reference_to_notes_outside_the_repository():
    names = [n + '.md' for n in ('METHOD', 'PROTOCOL', 'STYLE', 'STACK', 'ARCHITECTURE')]
    skip_dirs = {'.git', 'work_dirs', 'data', '__pycache__', '.venv', 'venv', 'build'}
    hits = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip_dirs and not d.endswith('.egg-info')]
        for name in files:
            if name.endswith(('.png', '.pth', '.npy', '.pickle', '.pyc', '.mp4')):
                continue
            with open(osp.join(folder, name), errors='replace') as f:
                text = f.read()
            rel = osp.relpath(osp.join(folder, name), ROOT)
            hits += [f'{rel}: {n}' for n in names if n in text]
    assert not hits, hits


# ------------------------------------------------ numbers quoted in prose
# A metric or a difference of two is in [-2, 2]: 0.xxx / 1.xxx, optionally signed
QUOTED_RE = re.compile(r'(?<![\d.])[01]\.\d+(?![\d.])')
# every page with generated tables (docs/box_input.md quotes no results)
SEED_DOCS = [osp.relpath(p, ROOT) for p in render_docs.doc_paths(ROOT)]


def _prose(section):
    """The section without generated regions, code blocks and inline code."""
    section = re.sub(r'^<!-- table: .*?^<!-- /table -->', '', section, flags=re.S | re.M)
    section = re.sub(r'```.*?```', '', section, flags=re.S)
    return re.sub(r'`[^`\n]*`', '', section)


def _quoted_numbers(text):
    """``(string, value, digits, signed)`` of each number in ``text``; a '+' / '-' right
    before it (not after a digit: '0.98-0.99' is a range) is its sign."""
    found = []
    for m in QUOTED_RE.finditer(text):
        start, sign = m.start(), ''
        if start and text[start - 1] in '+-−' and not (start > 1 and text[start - 2].isdigit()):
            sign = '-' if text[start - 1] in '-−' else '+'
        value = float(m.group()) * (-1 if sign == '-' else 1)
        found.append((sign + m.group(), value, len(m.group().split('.')[1]), bool(sign)))
    return found


def _derivable_values(doc_text, root):
    """Every value the doc's seed-comparison regions show or imply, from the results
    files themselves (not from the rendered text): each cell's mean and std, each row's
    difference from the file's reference row and its spread, and the difference and
    spread of every pair a ``seed_differences`` region lists."""
    values = []
    for match in re.finditer(r'^<!-- table: (\S+)((?: [\w-]+=\S+)*) -->$', doc_text, re.M):
        with open(osp.join(root, 'docs', 'results', match.group(1) + '.json')) as f:
            results = json.load(f)
        if results.get('kind') != 'seed_comparison':
            continue
        options = dict(o.split('=', 1) for o in match.group(2).split())
        for name, table in results['tables'].items():
            ref = table.get(results.get('reference'), {})
            for row in table.values():
                for key, cell in row.items():
                    values += [cell['mean'], cell['std']]
                    if key in ref:
                        values += [cell['mean'] - ref[key]['mean'],
                                   math.hypot(cell['std'], ref[key]['std'])]
            if options.get('renderer') == 'seed_differences' and options['table'] == name:
                for pair in options['pairs'].split(','):
                    a, b = (table[n.replace('_', ' ')] for n in pair.split(':'))
                    for key in a:
                        values += [a[key]['mean'] - b[key]['mean'],
                                   math.hypot(a[key]['std'], b[key]['std'])]
    return values


def _underivable_numbers(doc_text, root):
    """Numbers quoted in the prose of each ``## `` section that shows seed-comparison
    results, that no value of that section's results gives when rounded as quoted (a
    section's prose reads its own tables; values of other sections would let a stale
    number pass by coincidence)."""
    bad = []
    for section in re.split(r'\n(?=## )', doc_text):
        values = _derivable_values(section, root)
        if not values:
            continue
        for text, quoted, digits, signed in _quoted_numbers(_prose(section)):
            tolerance = 0.5 * 10 ** -digits + 1e-9
            if not any(abs(quoted - v) <= tolerance or
                       (not signed and abs(quoted - abs(v)) <= tolerance) for v in values):
                bad.append(text)
    return bad


@pytest.mark.parametrize('doc', SEED_DOCS)
def test_numbers_in_the_prose_come_from_the_results_files(doc):
    with open(osp.join(ROOT, doc)) as f:
        text = f.read()
    assert _underivable_numbers(text, ROOT) == [], (
        f'{doc} quotes numbers that its results files do not give (a stale or '
        'hand-typed number): quote cells of the generated tables')


def test_a_stale_number_in_the_prose_fails():
    with open(osp.join(ROOT, 'docs', 'benchmark.md')) as f:
        text = f.read()
    quoted = _quoted_numbers(_prose(text.split('### What the box-input tables show')[1]))
    assert len(quoted) > 20  # the check sees the prose's numbers
    assert ('+0.056', 0.056, 3, True) in quoted and ('0.98', 0.98, 2, False) in quoted
    assert ('-0.99', -0.99, 2, True) not in quoted  # '0.98-0.99' is a range
    stale = text.replace('ego2exo F1 +0.056 (spread 0.032)', 'ego2exo F1 +0.066 (spread 0.032)')
    assert stale != text
    assert _underivable_numbers(stale, ROOT) == ['+0.066']
    # a sign is checked too: no value of these results is -0.248 (the check cannot tell
    # which cell a number is meant to be: one that equals another derivable value passes)
    flipped = text.replace('+0.248 over frozen features', '-0.248 over frozen features')
    assert flipped != text
    assert _underivable_numbers(flipped, ROOT) == ['-0.248']


def test_seed_comparison_regions_render_the_results_file():
    """The rendered box table against the results file, cell by cell, and a difference
    cell against its own computation."""
    results = render_docs.load_results('synthetic_boxes_comparison')
    table = render_docs.RENDERERS['seed_comparison'](results, table='crop')
    cells = results['tables']['crop']
    lines = table.split('\n')[2:]
    assert [line.split(' | ')[0].lstrip('| ') for line in lines] == list(cells)
    byov = next(line for line in lines if line.startswith('| BYOV |')).split(' | ')
    f1 = cells['BYOV']['f1_regular']
    assert byov[2] == f'{_round_once(f1["mean"], 3)} ± {_round_once(f1["std"], 3)}'
    diffs = render_docs.RENDERERS['seed_differences'](
        results, table='full', pairs='BYOV:BYOV_untrained')
    a, b = (results['tables']['full'][n]['f1_ego2exo'] for n in ('BYOV', 'BYOV untrained'))
    diff, spread = a['mean'] - b['mean'], math.hypot(a['std'], b['std'])
    cell = diffs.split('\n')[2].split(' | ')[3]
    assert cell == f'**+{_round_once(diff, 3)} ({_round_once(spread, 3)})**' and diff > spread
    with pytest.raises(render_docs.DocError, match="no table 'middle'"):
        render_docs.RENDERERS['seed_comparison'](results, table='middle')
    with pytest.raises(render_docs.DocError, match="no row 'BYOV2'"):
        render_docs.RENDERERS['seed_differences'](results, table='full', pairs='BYOV2:BYOV')


# ------------------------------------------------ benchmark runs
MACHINE = dict(cores=2, cpu_count=2, load_before=[1.25, 1.0, 1.0], load_after=[0.85, 1.0, 1.0])


def test_threads_table_medians_and_ratios():
    """benchmarks/threads.py's results: medians of the repeats, ratios to the best."""
    runs = {'byov default': [dict(wall=9.0, iter_time=0.08, cpu=9.0, threads=1),
                             dict(wall=8.0, iter_time=0.07, cpu=8.0, threads=1),
                             dict(wall=30.0, iter_time=0.06, cpu=7.0, threads=1)],
            'torch default (2)': [dict(wall=20.0, iter_time=0.2, cpu=30.0, threads=2)] * 3}
    text = render_docs.render_threads(
        dict(kind='threads', epochs=3, repeats=3, machine=MACHINE, runs=runs))
    intro, _, table = text.split('\n', 2)
    assert intro == ('Demo training, 3 epochs of 10 iterations, median of 3 run(s) per '
                     'variant; 2 CPU cores, load average 1.2 before the run and 0.8 after it.')
    lines = table.strip().split('\n')
    assert lines[0] == ('| variant | threads | wall s | / best | s / iteration | / best | '
                        's / iteration, range | CPU s |')
    median_wall = statistics.median([9.0, 8.0, 30.0])  # 9.0, not the mean 15.7
    assert lines[2] == (f'| byov default | 1 | {median_wall:.1f} | 1.00 | 0.070 | 1.00 | '
                        '0.060-0.080 | 8.0 |')
    assert lines[3] == (f'| torch default (2) | 2 | 20.0 | {20.0 / median_wall:.2f} | 0.200 | '
                        f'{0.2 / 0.07:.2f} | 0.200-0.200 | 30.0 |')


def test_evaluation_speed_table_totals_and_ratios():
    """benchmark_metrics.py's results: per task wall / CPU s, totals over the four
    tasks, ratios to the reference, classification's peak memory, the run's checks."""
    times = {'reference': (10.0, 8.0), 'byov': (2.0, 1.0)}
    rows = [dict(task=task, impl=impl, seconds=times[impl][0] * k, cpu=times[impl][1] * k,
                 peak_mb=100.0 * k, rise_mb=0.0, values={})
            for k, task in enumerate(('classification', 'retrieval', 'progression',
                                      'kendall'), 1) for impl in times]
    split = dict(fit_frames=12000, fit_videos=40, eval_frames=4000, eval_videos=20, dim=256,
                 classes=4)
    results = dict(kind='evaluation_speed', machine=MACHINE, split=split, rows=rows,
                   implementations=['reference', 'byov'],
                   identity=['kendall: byov vs reference: same'])
    text = render_docs.render_evaluation_speed(results)
    paragraphs = text.split('\n\n')
    assert paragraphs[0].startswith('Fit split 12,000 frames in 40 videos, eval split 4,000 '
                                    'frames in 20 videos, 256 dims, 4 phases; 2 CPU cores')
    lines = paragraphs[1].split('\n')
    assert lines[0] == '| task: wall s / CPU s | reference | byov |'
    assert lines[2] == '| classification | 10.00 / 8.00 | 2.00 / 1.00 |'
    assert lines[5] == "| Kendall's tau | 40.00 / 32.00 | 8.00 / 4.00 |"
    # 1 + 2 + 3 + 4 = 10 times each task's unit
    assert lines[6] == '| **4 tasks** | **100.00 / 80.00** | **20.00 / 10.00** |'
    assert lines[7] == '| vs the reference | 1x | 5.0x wall, 8.0x CPU |'
    assert lines[8] == '| peak RSS MB (classification) | 100 | 100 |'
    assert paragraphs[2] == 'Checks of this run:\n- kendall: byov vs reference: same'


def test_record_run_writes_the_header_then_the_fields(tmp_path, capsys):
    path = str(tmp_path / 'run.json')
    render_docs.record_run(path, 'threads', 'benchmarks/threads.py', ['--epochs', '3'],
                           (1.0, 2.0, 3.0), load_before=(4.0, 5.0, 6.0), runs={'a': []})
    record = json.load(open(path))
    assert record['kind'] == 'threads'
    assert record['produced_by'] == 'python benchmarks/threads.py --epochs 3'
    assert record['load_before'] == [4.0, 5.0, 6.0] and record['runs'] == {'a': []}
    assert record['machine']['load_before'] == [1.0, 2.0, 3.0]
    assert capsys.readouterr().out == f'Results file: {path}\n'
    assert not any(p.name.endswith('.tmp') for p in tmp_path.iterdir())


def test_speed_target_sentence():
    """The budget a target ratio leaves: reference total / target, minus byov's other
    three tasks."""
    times = {'reference': [40.0, 14.0, 0.5, 0.5], 'byov': [3.0, 0.3, 0.5, 0.2]}
    tasks = ('classification', 'retrieval', 'progression', 'kendall')
    rows = [dict(task=t, impl=i, seconds=times[i][k]) for i in times
            for k, t in enumerate(tasks)]
    text = render_docs.render_speed_target(dict(rows=rows), target='25')
    # 55 s / 25 = 2.2 s; others 1.0 s; budget left 1.2 s; byov 4.0 s = 13.75x
    assert text == ("In the recorded run the reference's four tasks took 55.0 s, so 25x "
                    "means 2.20 s for byov's four (it took 4.00 s, 13.8x); retrieval, "
                    "progression and Kendall's tau take 1.00 s of it, which leaves 1.20 s "
                    "for classification (it took 3.00 s).")
    with pytest.raises(render_docs.DocError, match='lacks kendall of byov'):
        render_docs.render_speed_target(dict(rows=rows[:-1]))


def test_soft_dtw_speed_table_medians():
    results = dict(kind='soft_dtw_speed', machine=MACHINE, frames=32, batch=4, dims=128,
                   device='cpu', threads=2, repeats=3, float64_max_rel_diff=1.5e-12,
                   seconds=dict(soft_dtw=[0.010, 0.020, 0.040],
                                soft_dtw_reference=[0.200, 0.300, 0.200]))
    intro, table = render_docs.render_soft_dtw_speed(results).split('\n\n')
    assert intro.endswith('In float64 the two agree to 1.5e-12 relative (loss and gradients).')
    lines = table.split('\n')
    # medians 20 ms and 200 ms; per-repeat speed-ups 20, 15, 5: median 15
    assert lines[2] == '| anti-diagonal (`soft_dtw`) | 20.0 | 15.0x |'
    assert lines[3] == '| double loop (`soft_dtw_reference`) | 200.0 | 1.0x |'


def test_gpu_check_table_rows():
    rows = [dict(check='train', input='cache', batch=4, amp='on', rate=12.345, unit='it/s',
                 peak_mb=2048.4, note=''),
            dict(check='extract', input='frames -> cache', batch='-', amp='off', rate=4056.7,
                 unit='frames/s', peak_mb=491.0, note=''),
            dict(check='all-reduce', input='-', batch='-', amp='-', rate=None, unit='-',
                 peak_mb=None, note='skipped')]
    results = dict(kind='gpu_check', machine=MACHINE, device='NVIDIA X', torch='2.0',
                   shape='ViT-B/16', iters=10, rows=rows)
    intro, table = render_docs.render_gpu_check(results).split('\n\n')
    assert intro.startswith('NVIDIA X, torch 2.0, model ViT-B/16, 10 timed steps per row; ')
    lines = table.split('\n')
    assert lines[0] == '| check | input | batch | amp | rate | peak CUDA MB | note |'
    assert lines[2] == '| train | cache | 4 | on | 12.3 it/s | 2048 |  |'
    assert lines[3] == '| extract | frames -> cache | - | off | 4,060 frames/s | 491 |  |'
    assert lines[4] == '| all-reduce | - | - | - | - | - | skipped |'


def test_evaluation_speed_keeps_the_implementations_asked_for():
    rows = [dict(task='kendall', impl=impl, seconds=1.0, cpu=0.5, peak_mb=1.0, rise_mb=0.0,
                 values={}) for impl in ('reference', 'byov')]
    results = dict(kind='evaluation_speed', machine=MACHINE, rows=rows,
                   implementations=['reference', 'byov'],
                   split=dict(fit_frames=1, fit_videos=1, eval_frames=1, eval_videos=1,
                              dim=1, classes=2))
    results['identity'] = ['kendall: byov-rbf vs reference: same',
                           'kendall: byov vs reference: same']
    table = render_docs.render_evaluation_speed(results, implementations='byov')
    assert table.split('\n\n')[1].split('\n')[0] == '| task: wall s / CPU s | byov |'
    assert table.split('\n\n')[2] == 'Checks of this run:\n- kendall: byov vs reference: same'
    with pytest.raises(render_docs.DocError, match="no 'byov-rbf' in this run"):
        render_docs.render_evaluation_speed(results, implementations='byov-rbf')


def test_feature_cache_throughput_ratios_against_frames():
    def row(mode, clips, eval_frames, peak, cache=None, build=None):
        return dict(model='vit-b16', input=mode, clips_per_s=clips, clips_per_cpu_s=clips / 2,
                    load_s=0.0083, eval_frames_per_s=eval_frames,
                    eval_frames_per_cpu_s=eval_frames, peak_rss_mb=peak, peak_cuda_mb=None,
                    cache_bytes_per_frame=cache, build_s_per_frame=build)
    rows = [row('frames', 0.0663, 0.65, 1442.0),
            row('exact', 4.41, 1340.4, 781.0, cache=301056, build=2.0971)]
    text = render_docs.render_feature_cache_throughput(
        dict(kind='feature_cache_throughput', machine=MACHINE, device='cpu', threads=1,
             rows=rows))
    lines = text.split('\n\n')[1].split('\n')
    assert lines[2] == (f'| vit-b16 | frames | 0.0663 | 1.0x | {0.0663 / 2:.3g} | 1.0x | 8.3 | '
                        '0.65 | 1.0x | 0.65 | 1.0x | 1442 | 1.00x | - | - |')
    # 4.41 / 0.0663 = 66.5 -> 67x; 1340.4 / 0.65 = 2062x; 781 / 1442 = 0.54x; 294 KiB
    assert lines[3] == ('| vit-b16 | exact | 4.41 | 67x | 2.21 | 67x | 8.3 | 1,340 | 2062x | '
                        '1,340 | 2062x | 781 | 0.54x | 294.0 | 2097.1 |')
