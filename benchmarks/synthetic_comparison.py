"""Every method on the synthetic ego-exo benchmark, one budget each, over several seeds.

Rows: the reference rows (time only, frozen features of the tiny encoder and of a random
and an ImageNet ResNet-50, untrained BYOV), BYOV, each BYOV
ablation, AE2's alignment objectives (TCC, soft-DTW, DTW-contrastive, VAVA) on the
same backbone, and the supervised ceiling (the same backbone and budget trained with the
phase labels of both views: what the backbone can learn when told the answer).
``--input frames`` (default) reads pixels through the weight-free tiny patch encoder;
``--input boxes`` reads the benchmark's hand-object boxes (``det_bounding_box.pickle``)
through the weight-free box-geometry encoder
(docs/box_input.md). Every trained row gets the same budget (``--epochs`` of the demo
schedule: 40 pairs per epoch at batch 4, i.e. 10 iterations per epoch) and the same
seeds; every row is evaluated on the test split with the reference protocol, and with
``--temporal-crop F`` also on a seeded random window of F of each test video. Each
training and evaluation runs as its own ``tools/train.py`` / ``tools/test.py`` process,
as a user would run it.

    python benchmarks/synthetic_comparison.py --input boxes --seeds 0 1 2 \\
        --temporal-crop 0.5 --results-json docs/results/synthetic_boxes.json

The benchmark is generated into ``--data-root`` if absent. Prints one table per
evaluation (full videos, cropped): ``mean ± std`` over the seeds with the seed count,
cells marked † where the row does not beat the time-only row by more than the seed
spread (:mod:`byov.evaluation.seed_stats`); writes ``comparison.md`` /
``comparison.json`` (with wall times) into the work dir. Rows that do not depend on the
seed (time only, frozen features) run once. Read every row against the time-only row
(docs/time_leakage.md).

On a loaded machine: ``--in-process`` runs each tool's main() inside this process (no
interpreter start per run), ``--workers 0`` loads data in the main process, ``--reuse``
resumes (a training counts as done only at its last epoch), and several invocations with
different ``--seeds`` may share one work dir; ``--aggregate-only --seeds 0 1 2`` then
builds the tables from what finished, listing what did not.

A ``--results-json`` file under ``docs/results/`` is what the docs show: a region
``<!-- table: NAME table=full -->`` ... ``<!-- /table -->`` renders its ``full`` (or
``crop``) table, ``renderer=seed_differences pairs=A:B,...`` the differences between
rows; ``python tools/analysis/render_docs.py`` rewrites them (``--check`` tests them).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from a checkout without installing

TIME_ONLY = 'time only (t/L)'
# the same stem, backbone and budget trained with the phase labels (PhaseClassificationLoss):
# an upper reference for what the backbone learns, not a self-supervised method
CEILING = 'supervised ceiling'
BYOV = 'configs/byov/byov_tiny_synthetic_demo.py'
ABLATION = 'configs/byov/ablations/byov_{}_tiny_synthetic.py'
BASELINE = 'configs/baselines/{}_tiny_synthetic.py'
# (row name, config, trained?, depends on the seed?)
FRAME_ROWS = [
    (TIME_ONLY, 'configs/baselines/time_only_synthetic.py', False, False),
    ('frozen tiny features', 'configs/baselines/frozen_features_tiny_synthetic.py', False,
     False),
    # the papers' Random / ImageNet features rows: a frozen ResNet-50 (random weights from
    # the run's seed; torchvision's ImageNet weights, downloaded once), map averaged
    ('random ResNet-50 features', 'configs/baselines/frozen_features_resnet50-random_synthetic.py',
     False, True),
    ('ImageNet ResNet-50 features',
     'configs/baselines/frozen_features_resnet50-imagenet_synthetic.py', False, False),
    ('BYOV untrained', BYOV, False, True),
    ('BYOV', BYOV, True, True),
    ('BYOV w/o STM', ABLATION.format('no-stm'), True, True),
    ('BYOV w/o causal mask', ABLATION.format('no-causal'), True, True),
    ('BYOV w/o MSM', ABLATION.format('no-msm'), True, True),
    ('BYOV w/o MCM', ABLATION.format('no-mcm'), True, True),
    ('BYOV tail masking', ABLATION.format('tail-masking'), True, True),
    ('BYOV block masking', ABLATION.format('block-masking'), True, True),
    ('TCC', BASELINE.format('tcc'), True, True),
    ('soft-DTW', BASELINE.format('soft-dtw'), True, True),
    ('DTW-contrastive', BASELINE.format('dtw-contrastive'), True, True),
    ('VAVA', BASELINE.format('vava'), True, True),
    ('TCN (single-view)', BASELINE.format('tcn'), True, True),
    ('CARL (SCL)', BASELINE.format('carl'), True, True),
    ('LAV', BASELINE.format('lav'), True, True),
    ('GTA', BASELINE.format('gta'), True, True),
    (CEILING, BASELINE.format('supervised'), True, True),
]
BOX_BYOV = 'configs/byov/byov_box-geometry_synthetic.py'
BOX_ABLATION = 'configs/byov/ablations/byov_{}_box-geometry_synthetic.py'
BOX_BASELINE = 'configs/baselines/{}_box-geometry_synthetic.py'
# No "w/o STM" row: the box-geometry encoder gives one token per frame, which STM and
# mean pooling both return as it is, so that row would be BYOV's.
BOX_ROWS = [
    (TIME_ONLY, 'configs/baselines/time_only_synthetic.py', False, False),
    ('frozen box features', BOX_BASELINE.format('frozen_features'), False, False),
    ('BYOV untrained', BOX_BYOV, False, True),
    ('BYOV', BOX_BYOV, True, True),
    ('BYOV w/o causal mask', BOX_ABLATION.format('no-causal'), True, True),
    ('BYOV w/o MSM', BOX_ABLATION.format('no-msm'), True, True),
    ('BYOV w/o MCM', BOX_ABLATION.format('no-mcm'), True, True),
    ('BYOV tail masking', BOX_ABLATION.format('tail-masking'), True, True),
    ('BYOV block masking', BOX_ABLATION.format('block-masking'), True, True),
    ('TCC', BOX_BASELINE.format('tcc'), True, True),
    ('soft-DTW', BOX_BASELINE.format('soft-dtw'), True, True),
    ('DTW-contrastive', BOX_BASELINE.format('dtw-contrastive'), True, True),
    ('VAVA', BOX_BASELINE.format('vava'), True, True),
    ('TCN (single-view)', BOX_BASELINE.format('tcn'), True, True),
    ('CARL (SCL)', BOX_BASELINE.format('carl'), True, True),
    ('LAV', BOX_BASELINE.format('lav'), True, True),
    ('GTA', BOX_BASELINE.format('gta'), True, True),
    (CEILING, BOX_BASELINE.format('supervised'), True, True),
]
SEMANTIC_BYOV = 'configs/byov/byov_semantic_synthetic.py'
SEMANTIC_ABLATION = 'configs/byov/ablations/byov_{}_semantic_synthetic.py'
SEMANTIC_BASELINE = 'configs/baselines/{}_semantic_synthetic.py'
# The semantic frame features (SceneStateEncoder, view_gap 0.5 in the configs; the sweep,
# benchmarks/sweep.py, sets other gaps). One token per frame, as boxes: no "w/o STM" row.
SEMANTIC_ROWS = [
    (TIME_ONLY, 'configs/baselines/time_only_synthetic.py', False, False),
    ('frozen semantic features', SEMANTIC_BASELINE.format('frozen_features'), False, False),
    ('BYOV untrained', SEMANTIC_BYOV, False, True),
    ('BYOV', SEMANTIC_BYOV, True, True),
    ('BYOV w/o causal mask', SEMANTIC_ABLATION.format('no-causal'), True, True),
    ('BYOV w/o MSM', SEMANTIC_ABLATION.format('no-msm'), True, True),
    ('BYOV w/o MCM', SEMANTIC_ABLATION.format('no-mcm'), True, True),
    ('BYOV tail masking', SEMANTIC_ABLATION.format('tail-masking'), True, True),
    ('BYOV block masking', SEMANTIC_ABLATION.format('block-masking'), True, True),
    ('TCC', SEMANTIC_BASELINE.format('tcc'), True, True),
    ('soft-DTW', SEMANTIC_BASELINE.format('soft-dtw'), True, True),
    ('DTW-contrastive', SEMANTIC_BASELINE.format('dtw-contrastive'), True, True),
    ('VAVA', SEMANTIC_BASELINE.format('vava'), True, True),
    ('TCN (single-view)', SEMANTIC_BASELINE.format('tcn'), True, True),
    ('CARL (SCL)', SEMANTIC_BASELINE.format('carl'), True, True),
    ('LAV', SEMANTIC_BASELINE.format('lav'), True, True),
    ('GTA', SEMANTIC_BASELINE.format('gta'), True, True),
    (CEILING, SEMANTIC_BASELINE.format('supervised'), True, True),
]
ROWS = {'frames': FRAME_ROWS, 'boxes': BOX_ROWS, 'semantic': SEMANTIC_ROWS}
# what each input reads beside label.pickle (checked before anything runs)
INPUT_FILES = {'frames': None, 'boxes': 'det_bounding_box.pickle',
               'semantic': 'scene_state.pickle'}
ITERS_PER_EPOCH = 10  # 40 training videos (pooled ego + exo) per epoch, batch 4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--input', choices=sorted(ROWS), default='frames',
                        help='what the models read: frames (tiny patch encoder), boxes '
                             '(box-geometry encoder) or semantic (scene-state encoder)')
    parser.add_argument('--work-dir', default=None,
                        help='default: work_dirs/synthetic_comparison[_boxes]')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='the synthetic benchmark (generated if absent)')
    parser.add_argument('--cache-dir', default='data/cache/frames',
                        help='decoded-frame cache (its own folder)')
    parser.add_argument('--epochs', type=int, default=8,
                        help='training budget of every trained row (10 iterations each)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='one run of every seeded row per seed (default: 0)')
    parser.add_argument('--temporal-crop', type=float, default=None, metavar='FRACTION',
                        help='also evaluate every row on a seeded random window of this '
                             'fraction of each test video (tools/test.py --temporal-crop)')
    parser.add_argument('--only', nargs='+', metavar='NAME',
                        help='run only these rows (names as in the table, quoted)')
    parser.add_argument('--reuse', action='store_true',
                        help="keep runs whose results.json exists (resume an interrupted run)")
    parser.add_argument('--in-process', action='store_true',
                        help='run the tools inside this process (the same code as the '
                             'command lines, without a fresh interpreter per run: much '
                             'less start-up time on a loaded machine)')
    parser.add_argument('--workers', type=int, default=None,
                        help='dataloader workers of every loader (default: the configs\'); '
                             '0 loads in the main process (cheapest for box inputs)')
    parser.add_argument('--results-json', metavar='FILE',
                        help='also write the aggregated tables (mean, std, n, beats time '
                             'only) to this JSON file, e.g. under docs/results/')
    parser.add_argument('--aggregate-only', action='store_true',
                        help='run nothing: aggregate the results already in the work dir '
                             '(runs that are missing are listed and left out)')
    args = parser.parse_args(argv)
    names = [r[0] for r in ROWS[args.input]]
    for name in args.only or ():
        if name not in names:
            parser.error(f'--only: no row {name!r} with --input {args.input}; rows: '
                         + ', '.join(names))
    if args.work_dir is None:
        args.work_dir = 'work_dirs/synthetic_comparison' + (
            '' if args.input == 'frames' else f'_{args.input}')
    return args


def run(cmd, log_path):
    """Run a tool in its own process, logging to a file; returns the wall time."""
    if IN_PROCESS:
        return run_in_process(cmd, log_path)
    print('$ ' + ' '.join(cmd), flush=True)
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    if proc.returncode != 0:
        with open(log_path) as log:
            tail = ''.join(log.readlines()[-40:])
        sys.exit(f'{cmd[1]} failed (exit {proc.returncode}); last lines of {log_path}:\n{tail}')
    return time.time() - start


IN_PROCESS = False
WORKERS = None
_TOOLS = {}


def run_in_process(cmd, log_path):
    """``[python, tools/<train|test>.py, args...]`` run as the tool's main() in this
    process (its output into ``log_path``); returns the wall time."""
    import contextlib
    import gc
    import importlib.util
    import traceback
    tool = cmd[1]
    if tool not in _TOOLS:
        spec = importlib.util.spec_from_file_location(
            osp.splitext(osp.basename(tool))[0] + '_tool', osp.join(ROOT, tool))
        _TOOLS[tool] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_TOOLS[tool])
    print('$ (in process) ' + ' '.join(cmd[1:]), flush=True)
    time.sleep(1.1)  # mmengine names a run's logger and message hub by the second
    start, argv = time.time(), sys.argv
    os.environ['BYOV_NO_PROGRESS'] = '1'
    with open(log_path, 'w') as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        try:
            sys.argv = cmd[1:]
            _TOOLS[tool].main()
            failed = None
        except (Exception, SystemExit):  # noqa: BLE001  (reported below, with the log)
            failed = traceback.format_exc()
            log.write(failed)
        finally:
            sys.argv = argv
            gc.collect()
    if failed:
        sys.exit(f'{tool} failed in process; see {log_path}:\n{failed[-3000:]}')
    return time.time() - start


def ensure_dataset(data_root, need_file=None):
    """Generate the benchmark into ``data_root`` if absent; exit with the fix if it lacks
    ``need_file`` (written by a later generator version)."""
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    if osp.isfile(osp.join(data_root, LABEL_FILE)):
        if need_file and not osp.isfile(osp.join(data_root, need_file)):
            sys.exit(f'{data_root} has no {need_file}: it was generated by an earlier '
                     'version of the benchmark. Regenerate it '
                     f'(tools/data/generate_synthetic_egoexo.py {data_root} --overwrite) or '
                     'pass another --data-root.')
        return
    print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
    generate_synthetic_egoexo(data_root)


def data_options(loaders, data_root, cache_dir):
    """Command-line options pointing the tool at the benchmark and its frame cache (box
    pipelines read ``<data_root>/det_bounding_box.pickle``), with ``--workers`` loader
    processes per loader in ``loaders``: ``(tool options, --cfg-options)``."""
    opts = []
    if WORKERS is not None:
        for loader in loaders:
            opts += [f'{loader}.num_workers={WORKERS}',
                     f'{loader}.persistent_workers={WORKERS > 0}']
    return ['--data-root', data_root, '--cache-dir', cache_dir], opts


def last_checkpoint(train_dir):
    with open(osp.join(train_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def row_dir_name(name):
    return name.split(' (')[0].replace(' ', '_').replace('/', '')


def evaluate(config, checkpoint, out_dir, seed, args, data, crop=None):
    """tools/test.py on the test split (optionally on temporal crops); returns
    (metrics, wall time)."""
    results = osp.join(out_dir, 'results.json')
    if args.reuse and osp.isfile(results):
        with open(results) as f:
            record = json.load(f)
        return record['metrics'], record.get('benchmark_times', {}).get('test_s')
    os.makedirs(out_dir, exist_ok=True)
    extra = ['--temporal-crop', str(crop)] if crop else []
    tool_opts, cfg_opts = data_options(['test_dataloader', 'test_cfg.fit_dataloader'], *data)
    wall = run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', out_dir,
                *extra, *tool_opts, '--cfg-options', *cfg_opts, f'randomness.seed={seed}'],
               osp.join(out_dir, 'test.log'))
    with open(results) as f:  # keep the wall time with the run's results
        record = json.load(f)
    record['benchmark_times'] = dict(test_s=wall)
    with open(results, 'w') as f:
        json.dump(record, f, indent=2)
    return record['metrics'], wall


def run_row(name, config, trained, seed, args, data):
    """Train (if needed) and evaluate one row with one seed; returns
    ({'full': metrics[, 'crop': metrics]}, times)."""
    row_dir = osp.join(args.work_dir, f'seed{seed}', row_dir_name(name))
    times, checkpoint = {}, 'none'
    reuse = args.reuse
    if trained:
        train_dir = osp.join(row_dir, 'train')
        done = osp.isfile(osp.join(train_dir, 'last_checkpoint')) and last_checkpoint(
            train_dir).endswith(f'epoch_{args.epochs}.pth')
        if not (args.reuse and done):
            reuse = False  # new weights: evaluate them again
            for stale in (osp.join(row_dir, 'results.json'), osp.join(
                    row_dir, f'crop{args.temporal_crop or 0:g}', 'results.json')):
                if osp.isfile(stale):
                    os.remove(stale)
            os.makedirs(row_dir, exist_ok=True)
            tool_opts, cfg_opts = data_options(['train_dataloader'], *data)
            times['train_s'] = run(
                [sys.executable, 'tools/train.py', config, '--work-dir', train_dir, '--seed',
                 str(seed), '--no-validate', *tool_opts, '--cfg-options', *cfg_opts,
                 f'train_cfg.max_epochs={args.epochs}'], osp.join(row_dir, 'train.log'))
        checkpoint = last_checkpoint(train_dir)
    metrics = {}
    args = argparse.Namespace(**dict(vars(args), reuse=reuse))
    metrics['full'], times['test_s'] = evaluate(config, checkpoint, row_dir, seed, args, data)
    if args.temporal_crop:
        metrics['crop'], times['test_crop_s'] = evaluate(
            config, checkpoint, osp.join(row_dir, f'crop{args.temporal_crop:g}'), seed, args,
            data, crop=args.temporal_crop)
    print(f'  {name}, seed {seed}: ' + ', '.join(
        f'{k} {v:.0f}' for k, v in times.items() if v is not None), flush=True)
    return metrics, times


def existing_row(name, seed, args):
    """({'full': metrics[, 'crop': metrics]}, times) of a finished run, or None."""
    row_dir = osp.join(args.work_dir, f'seed{seed}', row_dir_name(name))
    dirs = {'full': row_dir}
    if args.temporal_crop:
        dirs['crop'] = osp.join(row_dir, f'crop{args.temporal_crop:g}')
    metrics, times = {}, {}
    for ev, folder in dirs.items():
        path = osp.join(folder, 'results.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            record = json.load(f)
        metrics[ev] = record['metrics']
        times['test_s' if ev == 'full' else 'test_crop_s'] = record.get(
            'benchmark_times', {}).get('test_s')
    return metrics, times


def tables(per_seed, evaluations):
    """``{evaluation: {row: SeedStat per metric}}`` from ``{seed: {row: {evaluation:
    metrics}}}``: a row missing from a seed (seed-independent rows) counts once."""
    from byov.evaluation.seed_stats import aggregate
    out = {}
    for ev in evaluations:
        runs = {}
        for seed_rows in per_seed.values():
            for name, by_eval in seed_rows.items():
                runs.setdefault(name, []).append(by_eval[ev])
        out[ev] = aggregate(runs)
    return out


def main(argv=None):
    args = parse_args(argv)
    global IN_PROCESS, WORKERS
    IN_PROCESS, WORKERS = args.in_process, args.workers
    start = time.time()
    args.work_dir = osp.abspath(args.work_dir)
    os.makedirs(args.work_dir, exist_ok=True)
    data = osp.abspath(args.data_root), osp.abspath(args.cache_dir)
    ensure_dataset(data[0], INPUT_FILES[args.input])

    from byov.evaluation.seed_stats import MARK, seed_markdown, stats_to_json
    rows = [r for r in ROWS[args.input] if not args.only or r[0] in args.only]
    per_seed, times, missing = {}, {}, []
    for k, seed in enumerate(args.seeds):
        per_seed[seed] = {}
        for name, config, trained, seeded in rows:
            if not seeded and k > 0:
                continue  # the same for every seed: run once
            if args.aggregate_only:
                found = existing_row(name, seed, args)
                if found is None:
                    missing.append(f'{name}, seed {seed}')
                else:
                    per_seed[seed][name], times[f'{name}, seed {seed}'] = found
                continue
            per_seed[seed][name], times[f'{name}, seed {seed}'] = run_row(
                name, config, trained, seed, args, data)
    # with --aggregate-only: the sum of the runs' own times (they ran elsewhere, maybe
    # in parallel), not this command's
    wall = sum(t for row in times.values() for t in row.values() if t) if (
        args.aggregate_only) else time.time() - start
    if missing:
        print('Not run (left out of the tables): ' + '; '.join(missing))

    evaluations = ['full'] + (['crop'] if args.temporal_crop else [])
    stats = tables(per_seed, evaluations)
    reference = TIME_ONLY if any(r[0] == TIME_ONLY for r in rows) else None
    budget = (f'{args.epochs} epochs x {ITERS_PER_EPOCH} iterations (batch 4) per trained '
              f'row, seeds {", ".join(map(str, args.seeds))}, input {args.input}')
    titles = {'full': 'test split, full videos'}
    if args.temporal_crop:
        titles['crop'] = (f'test split, random {args.temporal_crop:g} temporal crop of each '
                          'video')
    legend = (f'mean ± sample std over the seeds ("seeds" = runs; rows that do not depend '
              f'on the seed ran once); {MARK}: not above the time-only row by more than '
              'the seed spread.' if reference else 'mean ± sample std over the seeds.')
    sections = []
    for ev in evaluations:
        table = seed_markdown(stats[ev], reference)
        print(f'\n{titles[ev]} ({budget})\n{table}')
        sections.append(f'### {titles[ev]}\n\n{table}\n')
    print(legend)
    with open(osp.join(args.work_dir, 'comparison.md'), 'w') as f:
        what = 'sum of the runs\' wall times' if args.aggregate_only else 'total wall time'
        f.write(f'{budget}; {what} {wall:.0f} s. {legend}\n\n' + '\n'.join(sections))
    record = dict(kind='seed_comparison', budget=budget, input=args.input,
                  epochs=args.epochs, seeds=args.seeds, not_run=missing,
                  wall_is_sum_of_runs=args.aggregate_only,
                  temporal_crop=args.temporal_crop, reference=reference, wall_s=wall,
                  produced_by='python benchmarks/synthetic_comparison.py ' + ' '.join(
                      sys.argv[1:] if argv is None else argv),
                  tables={ev: stats_to_json(stats[ev], reference) for ev in evaluations},
                  per_seed={str(s): rows_ for s, rows_ in per_seed.items()}, times=times)
    with open(osp.join(args.work_dir, 'comparison.json'), 'w') as f:
        json.dump(record, f, indent=2)
    if args.results_json:
        os.makedirs(osp.dirname(osp.abspath(args.results_json)), exist_ok=True)
        with open(args.results_json, 'w') as f:
            json.dump({k: v for k, v in record.items() if k != 'times'}, f, indent=2)
            f.write('\n')
    what = "Sum of the runs' wall times" if args.aggregate_only else 'Total wall time'
    print(f'{what}: {wall:.0f} s; results in {args.work_dir}')


if __name__ == '__main__':
    main()
