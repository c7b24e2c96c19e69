"""The synthetic benchmark's comparison in minutes: every row, several seeds, whole and
cropped test videos, with the clock and with positions held, for several view gaps of
the semantic frame features; and the learning curves that choose its budget.

Two commands (docs/benchmark.md shows what they recorded):

    # learning curves: F1 at several training budgets (ceiling, BYOV, an AE2 objective)
    python benchmarks/sweep.py curves --seeds 0 1 2 \\
        --results-json docs/results/learning_curves_semantic.json
    # the table: every row of benchmarks/synthetic_comparison.py at one budget
    python benchmarks/sweep.py table --iters N --view-gaps 0 0.5 1 --seeds 0 1 2 \\
        --results-json docs/results/sweep_semantic.json

Both train and evaluate in this process and ``--workers`` forked copies of it
(:mod:`byov.engine.sweep`: the same config and seed give ``tools/train.py``'s weights and
``tools/test.py``'s scores, tested), with one intra-op thread each: each training runs on
one core and the workers share the machine's cores. The rows, their configs and which
depend on the seed are ``benchmarks/synthetic_comparison.py``'s (``--input``); a row's
config sets its model, data pipeline and optimiser, and the sweep sets only the number of
iterations, the seed and (semantic input) the view gap
(``model.stem.frame_encoder.view_gap``). "BYOV untrained" is BYOV's model at iteration 0
of its own training (the seeded initialisation). Every model is evaluated on the test
split (fit split: train) as ``tools/test.py`` does, on whole videos and on a seeded
random window of ``--temporal-crop`` of each (the same windows for every row), each with
the temporal encoder's positions as trained ("with clock") and held fixed ("held",
docs/time_leakage.md).

``table`` writes one results file (kind ``view_gap_sweep``): for each view gap the tables
``full``, ``crop``, ``full_held`` and ``crop_held`` in the format of
``synthetic_comparison.py --results-json`` (which it writes as such for an input without
view gaps), with every run's scores; ``tools/analysis/render_docs.py`` renders it into the
docs, the prose that reads the tables included. ``--add-to FILE`` adds rows to a recorded
file (same settings; its runs are kept). ``curves`` writes the scores at every checkpoint
and the budget its rule picks: the smallest checkpoint at which the supervised ceiling's
mean F1 (the mean of regular, ego2exo and exo2ego over whole and cropped videos,
averaged over the seeds) is within ``--tolerance`` of its best; ``--figure`` draws the
curves.
"""
import argparse
import json
import logging
import os
import os.path as osp
import shlex
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from a checkout without installing
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))

from synthetic_comparison import (CEILING, INPUT_FILES, ROWS, TIME_ONLY,  # noqa: E402
                                  ensure_dataset)

UNTRAINED = 'BYOV untrained'
EVALUATIONS = ('full', 'crop')
CLOCKS = ('with', 'held')
CURVE_ROWS = (CEILING, 'BYOV', 'DTW-contrastive')
CURVE_CHECKPOINTS = (0, 25, 50, 100, 200, 400, 800, 1600)
F1_KEYS = ('f1_regular', 'f1_ego2exo', 'f1_exo2ego')


def table_name(evaluation, clock):
    return evaluation if clock == 'with' else f'{evaluation}_held'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('mode', choices=('curves', 'table'))
    parser.add_argument('--input', choices=sorted(ROWS), default='semantic',
                        help='rows and input of benchmarks/synthetic_comparison.py')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='the synthetic benchmark (generated if absent)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--view-gaps', type=float, nargs='+', default=None,
                        help='semantic input: the SceneStateEncoder view gaps (table: one '
                             'results file each, default 0 0.5 1; curves: one, default 0.5)')
    parser.add_argument('--iters', type=int, default=None,
                        help='table: training iterations of every trained row')
    parser.add_argument('--checkpoints', type=int, nargs='+', default=list(CURVE_CHECKPOINTS),
                        help='curves: the iterations at which each model is evaluated')
    parser.add_argument('--rows', nargs='+', metavar='NAME', default=None,
                        help=f'rows to run (default: table all, curves {list(CURVE_ROWS)})')
    parser.add_argument('--temporal-crop', type=float, default=0.5)
    parser.add_argument('--crop-seed', type=int, default=0)
    parser.add_argument('--tolerance', type=float, default=0.01,
                        help='curves: how close to its best the ceiling\'s mean F1 must be')
    parser.add_argument('--workers', type=int, default=None,
                        help='processes (default: the cores, at most the jobs)')
    parser.add_argument('--results-json', help='the results file to write, e.g. under '
                                               'docs/results/')
    parser.add_argument('--figure', help='curves: draw the curves into this PNG')
    parser.add_argument('--add-to', metavar='FILE',
                        help='table: add the --rows to the runs recorded in FILE (same '
                             'settings), e.g. new methods beside a recorded sweep')
    args = parser.parse_args(argv)
    names = [r[0] for r in ROWS[args.input]]
    if args.add_to and not args.rows:
        parser.error('--add-to needs --rows: the rows to add to the recorded ones')
    if args.add_to and args.mode != 'table':
        parser.error('--add-to is an option of table')
    rows = args.rows or (list(CURVE_ROWS) if args.mode == 'curves' else names)
    unknown = [n for n in rows if n not in names]
    if unknown:
        parser.error(f'--rows: no row {unknown} with --input {args.input}; rows: {names}')
    args.rows = rows
    if args.mode == 'table' and args.iters is None:
        parser.error('table needs --iters (the budget the learning curves chose)')
    if args.view_gaps is None:
        args.view_gaps = [0.5] if args.mode == 'curves' else [0.0, 0.5, 1.0]
    if args.mode == 'curves' and len(args.view_gaps) != 1:
        parser.error('curves: one --view-gaps value')
    if args.input != 'semantic':
        args.view_gaps = [None]
    return args


# ------------------------------------------------------------------ one job (a worker)
_DATA = {}


def _quiet():
    """Errors only: a sweep evaluates hundreds of models, and what the metrics warn about
    (e.g. Kendall's tau pairs left out) is in the recorded numbers (tau_dropped_pairs)."""
    from mmengine.logging import MMLogger
    logging.getLogger('mmengine').setLevel(logging.ERROR)
    MMLogger.get_instance('mmengine').setLevel(logging.ERROR)
    os.environ['BYOV_NO_PROGRESS'] = '1'


def _init_worker():
    import torch
    torch.set_num_threads(1)
    _quiet()


def load_config(path, data_root, view_gap):
    """The row's config as written, pointed at ``data_root``, with the view gap set."""
    from mmengine.config import Config

    from byov.datasets.config_utils import apply_data_options
    cfg = Config.fromfile(osp.join(ROOT, path))
    apply_data_options(cfg, data_root=data_root)
    if view_gap is not None and cfg.model.get('type') != 'TimeOnlyBaseline':
        encoder = cfg.model.get('stem', {}).get('frame_encoder', {})
        if encoder.get('type') != 'SceneStateEncoder':
            raise SystemExit(f'{path}: no SceneStateEncoder to set view_gap on')
        encoder['view_gap'] = float(view_gap)
    return cfg


def _data(cfg, args):
    """The config's evaluation data, loaded once per process and pipeline."""
    from byov.engine.sweep import EvaluationData
    key = json.dumps([cfg.test_dataloader.dataset.to_dict(),
                      cfg.test_cfg.fit_dataloader.dataset.to_dict()], sort_keys=True,
                     default=str)
    if key not in _DATA:
        _DATA[key] = EvaluationData(cfg, temporal_crop=args.temporal_crop,
                                    crop_seed=args.crop_seed)
    return _DATA[key]


def _scores(model, data, clocks=CLOCKS):
    from byov.engine.sweep import evaluate_model
    scores = evaluate_model(model, data, clocks=clocks)
    return {table_name(ev, clock): {k.rsplit('/', 1)[-1]: float(v)
                                    for k, v in scores[(clock, ev)].items()}
            for (clock, ev) in scores}


def run_job(job):
    """One (row, seed, view gap): ``[(row name, seed, gap, iteration, scores, seconds)]``."""
    name, config, trained, seed, gap, checkpoints, args = job
    from byov.engine.sweep import build_model, train_model
    from mmengine.runner.utils import set_random_seed
    start = time.time()
    cfg = load_config(config, args.data_root, gap)
    data = _data(cfg, args)
    out = []
    if not trained:
        set_random_seed(0)
        model = build_model(cfg)
        model.init_weights()
        out.append((name, None, gap, 0, _scores(model, data), time.time() - start))
        return out
    last = time.time()
    for it, model in train_model(cfg, seed, checkpoints, path=config):
        trained_s = time.time() - last
        scores = _scores(model, data, CLOCKS if args.mode == 'table' else ('with',))
        row = UNTRAINED if (it == 0 and name == 'BYOV' and args.mode == 'table') else name
        out.append((row, seed, gap, it, scores, trained_s))
        last = time.time()
    return out


def run_jobs(jobs, workers):
    """Run the jobs (longest first) on ``workers`` processes; returns every result."""
    results = []
    if workers <= 1:
        _init_worker()
        for job in jobs:
            results += run_job(job)
            _progress(results, len(jobs))
        return results
    import multiprocessing as mp
    with mp.get_context('fork').Pool(workers, initializer=_init_worker) as pool:
        for out in pool.imap_unordered(run_job, jobs):
            results += out
            _progress(results, len(jobs))
    return results


_DONE = [0]


def _progress(results, total):
    _DONE[0] += 1
    name, seed, gap, it = results[-1][:4]
    where = f'gap {gap:g}, ' if gap is not None else ''
    print(f'[{_DONE[0]}/{total}] {name} ({where}seed {seed}, iteration {it})', flush=True)


def _machine(load_before):
    return dict(cores=os.cpu_count(), load_before=list(load_before),
                load_after=list(os.getloadavg()))


# ------------------------------------------------------------------ table
def _previous_runs(args):
    """``--add-to FILE``: the runs it recorded, as ``run_job`` results, and its sweeps;
    refuses a file of other settings or one that already holds a requested row."""
    with open(args.add_to) as f:
        previous = json.load(f)
    records = previous['gaps'] if previous.get('kind') == 'view_gap_sweep' else {
        'none': previous}
    gaps = previous.get('view_gaps', [None])
    mine = dict(input=args.input, iters=args.iters, seeds=args.seeds,
                temporal_crop=args.temporal_crop, view_gaps=args.view_gaps)
    theirs = dict(input=previous.get('input'), iters=previous.get('iters'),
                  seeds=previous.get('seeds'), temporal_crop=previous.get('temporal_crop'),
                  view_gaps=gaps)
    if previous.get('crop_seed', records[next(iter(records))].get('crop_seed')) != \
            args.crop_seed:
        theirs['crop_seed'], mine['crop_seed'] = 'other', args.crop_seed
    if mine != theirs:
        sys.exit(f'--add-to {args.add_to}: recorded with {theirs}, this sweep has {mine}; '
                 'rows of one table need the same settings (or write another file).')
    results = []
    for gap, record in zip(gaps, records.values()):
        for seed, rows in record['per_seed'].items():
            for name, scores in rows.items():
                if name in args.rows:
                    sys.exit(f'--add-to {args.add_to}: row {name!r} is recorded there '
                             'already; --rows lists the rows to add.')
                seconds = record.get('train_s', {}).get(f'{name}, seed {seed}')
                results.append((name, None if seed == 'None' else int(seed), gap,
                                args.iters, scores, seconds))
    return results, previous.get('sweeps') or [dict(
        produced_by=previous.get('produced_by'), wall_s=previous.get('wall_s'),
        workers=previous.get('workers'), machine=previous.get('machine'),
        rows=[n for n in (records[next(iter(records))].get('rows') or [])])]


def table(args):
    from byov.evaluation.seed_stats import aggregate, seed_markdown, stats_to_json
    rows = [r for r in ROWS[args.input] if r[0] in args.rows]
    if UNTRAINED in args.rows and 'BYOV' not in args.rows:
        sys.exit(f'--rows: {UNTRAINED!r} is BYOV at iteration 0; add "BYOV"')
    previous, sweeps = _previous_runs(args) if args.add_to else ([], [])
    jobs = []
    for gap in args.view_gaps:
        for name, config, trained, seeded in rows:
            if name == UNTRAINED:
                continue  # iteration 0 of BYOV's job
            if not trained:
                jobs.append((name, config, False, None, gap, None, args))
                continue
            for seed in args.seeds:
                points = [0, args.iters] if name == 'BYOV' and UNTRAINED in args.rows \
                    else [args.iters]
                jobs.append((name, config, True, seed, gap, points, args))
    jobs.sort(key=lambda j: not j[2])  # trainings first: the evaluations fill the gaps
    load, start = os.getloadavg(), time.time()
    results = run_jobs(jobs, args.workers)
    wall = time.time() - start
    print(f'Wall time: {wall:.0f} s on {args.workers} worker(s), {os.cpu_count()} cores')
    sweeps = sweeps + [dict(produced_by='python benchmarks/sweep.py ' + shlex.join(args.argv),
                            wall_s=wall, workers=args.workers, machine=_machine(load),
                            rows=list(args.rows))]
    results = previous + results
    recorded = {r[0] for r in results}
    records = {}
    for gap in args.view_gaps:
        runs, per_seed, times = {}, {}, {}
        for name, seed, g, it, scores, seconds in results:
            if g != gap:
                continue
            runs.setdefault(name, []).append(scores)
            per_seed.setdefault(str(seed), {})[name] = scores
            times[f'{name}, seed {seed}'] = seconds
        order = [r[0] for r in ROWS[args.input] if r[0] in recorded and r[0] in runs]
        reference = TIME_ONLY if TIME_ONLY in order else None
        tables = {}
        for ev in EVALUATIONS:
            for clock in CLOCKS:
                t = table_name(ev, clock)
                stats = aggregate({n: [r[t] for r in runs[n]] for n in order})
                tables[t] = stats_to_json(stats, reference)
                if clock == 'with':
                    print(f'\nview gap {gap}, {t}:\n' + seed_markdown(stats, reference))
        gap_text = f', view gap {gap:g}' if gap is not None else ''
        records[gap] = dict(
            kind='seed_comparison', input=args.input, view_gap=gap, iters=args.iters,
            budget=(f'{args.iters} iterations (batch 4) per trained row, seeds '
                    f'{", ".join(map(str, args.seeds))}, input {args.input}{gap_text}'),
            seeds=args.seeds, temporal_crop=args.temporal_crop, crop_seed=args.crop_seed,
            reference=reference, rows=order, tables=tables, per_seed=per_seed,
            train_s=times)
    # the last sweep's command and time first; every sweep that added rows in `sweeps`
    common = dict(input=args.input, iters=args.iters, seeds=args.seeds,
                  temporal_crop=args.temporal_crop, wall_s=sum(
                      s['wall_s'] or 0 for s in sweeps), workers=args.workers,
                  machine=sweeps[-1]['machine'], produced_by=' && '.join(
                      s['produced_by'] for s in sweeps if s['produced_by']),
                  sweeps=sweeps)
    if args.view_gaps == [None]:  # one table set: synthetic_comparison's format
        record = dict(records[None], **common)
    else:
        record = dict(kind='view_gap_sweep', view_gaps=args.view_gaps,
                      gaps={f'{g:g}': r for g, r in records.items()}, **common)
    if args.results_json:
        _write_json(args.results_json, record)
        print(f'wrote {args.results_json}')


def _write_json(path, record):
    from byov.utils.atomic import atomic_write
    with atomic_write(path, 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=2)
        f.write('\n')


# ------------------------------------------------------------------ curves
def choose_budget(curves, tolerance):
    """The smallest checkpoint at which the ceiling's seed-mean F1 (regular, ego2exo,
    exo2ego over whole and cropped videos) is within ``tolerance`` of its best; returns
    (budget, {checkpoint: mean F1})."""
    by_point = {}
    for seed_curve in curves[CEILING].values():
        for point, scores in seed_curve.items():
            value = sum(scores[ev][k] for ev in EVALUATIONS for k in F1_KEYS) / (
                len(EVALUATIONS) * len(F1_KEYS))
            by_point.setdefault(int(point), []).append(value)
    means = {p: sum(v) / len(v) for p, v in sorted(by_point.items())}
    best = max(means.values())
    budget = min(p for p, v in means.items() if v >= best - tolerance)
    return budget, means


def curves(args):
    gap = args.view_gaps[0]
    rows = {r[0]: r for r in ROWS[args.input]}
    jobs = [(name, rows[name][1], True, seed, gap, args.checkpoints, args)
            for name in args.rows for seed in args.seeds]
    load, start = os.getloadavg(), time.time()
    results = run_jobs(jobs, args.workers)
    wall = time.time() - start
    out = {}
    for name, seed, _, it, scores, seconds in results:
        entry = {ev: scores[ev] for ev in EVALUATIONS}
        entry['train_s'] = seconds
        out.setdefault(name, {}).setdefault(str(seed), {})[str(it)] = entry
    record = dict(kind='learning_curves', input=args.input, view_gap=gap,
                  checkpoints=sorted(args.checkpoints), seeds=args.seeds,
                  temporal_crop=args.temporal_crop, rows=list(args.rows), curves=out,
                  wall_s=wall, workers=args.workers, machine=_machine(load),
                  produced_by='python benchmarks/sweep.py ' + shlex.join(args.argv))
    if CEILING in out:
        budget, means = choose_budget(out, args.tolerance)
        record.update(budget=budget, tolerance=args.tolerance,
                      ceiling_mean_f1={str(k): v for k, v in means.items()},
                      rule=('the smallest checkpoint at which the supervised ceiling\'s '
                            'seed-mean F1 (regular, ego2exo, exo2ego over whole and '
                            f'cropped videos) is within {args.tolerance:g} of its best'))
        print(f'ceiling mean F1 per checkpoint: ' + ', '.join(
            f'{k}: {v:.3f}' for k, v in means.items()) + f'\nchosen budget: {budget}')
    print(f'Wall time: {wall:.0f} s on {args.workers} worker(s)')
    if args.results_json:
        _write_json(args.results_json, record)
        print(f'wrote {args.results_json}')
    if args.figure:
        draw_curves(record, args.figure)
        print(f'wrote {args.figure}')


def draw_curves(record, path):
    """F1 regular and cross-view (mean of ego2exo and exo2ego) against the iterations,
    whole and cropped videos; mean over seeds with the min-max band."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    import numpy as np
    fig = Figure(figsize=(11, 7))
    FigureCanvasAgg(fig)
    panels = [(ev, what) for ev in EVALUATIONS for what in ('regular', 'cross-view')]
    points = record['checkpoints']
    x = [max(p, 1) for p in points]  # iteration 0 drawn at 1 on the log axis
    for k, (ev, what) in enumerate(panels):
        ax = fig.add_subplot(2, 2, k + 1)
        for name, by_seed in record['curves'].items():
            values = np.array([[
                by_seed[s][str(p)][ev]['f1_regular'] if what == 'regular' else
                (by_seed[s][str(p)][ev]['f1_ego2exo'] + by_seed[s][str(p)][ev]['f1_exo2ego'])
                / 2 for p in points] for s in sorted(by_seed)])
            line, = ax.plot(x, values.mean(0), marker='o', label=name)
            ax.fill_between(x, values.min(0), values.max(0), alpha=0.2,
                            color=line.get_color())
        if record.get('budget') is not None:
            ax.axvline(max(record['budget'], 1), color='grey', linestyle='--', linewidth=1)
        ax.set_xscale('log')
        ax.set_xlabel('training iterations (0 drawn at 1)')
        ax.set_ylabel(f'F1 {what}')
        ax.set_title(f'{"whole" if ev == "full" else "cropped"} test videos, F1 {what}')
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=8)
    gap = record.get('view_gap')
    fig.suptitle(f'Learning curves, {record["input"]} input'
                 + (f', view gap {gap:g}' if gap is not None else '')
                 + f'; mean over seeds {record["seeds"]} with min-max band; dashed: budget')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)


def main(argv=None):
    args = parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    args.data_root = osp.abspath(args.data_root)
    ensure_dataset(args.data_root, INPUT_FILES[args.input])
    if args.workers is None:
        args.workers = os.cpu_count() or 1
    _quiet()
    (curves if args.mode == 'curves' else table)(args)


if __name__ == '__main__':
    main()
