"""Every method on the synthetic ego-exo benchmark, one budget each, one table.

Rows: the reference rows (time only, frozen tiny features, untrained BYOV), BYOV (the
CPU demo config), each BYOV ablation, and AE2's alignment objectives (TCC, soft-DTW,
DTW-contrastive, VAVA) on the same tiny backbone. Every trained row gets the same
budget (``--epochs`` of the demo schedule: 40 pairs per epoch at batch 4, i.e. 10
iterations per epoch) and the same seeds; every row is evaluated on the test split with
the reference protocol. Each training and evaluation runs as its own ``tools/train.py``
/ ``tools/test.py`` process, as a user would run it.

    python benchmarks/synthetic_comparison.py [--epochs 8] [--seeds 0 1 2] \\
        [--work-dir work_dirs/synthetic_comparison] [--only 'ROW NAME' ...] [--reuse]

The benchmark is generated into ``--data-root`` if absent. Prints the table (with
several seeds: mean +- standard deviation over the seeds, then one table per seed) and
writes ``comparison.md`` / ``comparison.json`` with the wall times into the work dir.
The tiny frame encoder is a fixed random projection, not a semantic feature extractor:
read every row against the time-only row (docs/time_leakage.md).
"""
import argparse
import json
import statistics
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from a checkout without installing

BYOV = 'configs/byov/byov_tiny_synthetic_demo.py'
ABLATION = 'configs/byov/ablations/byov_{}_tiny_synthetic.py'
BASELINE = 'configs/baselines/{}_tiny_synthetic.py'
ROWS = [  # (row name, config, trained?)
    ('time only (t/L)', 'configs/baselines/time_only_synthetic.py', False),
    ('frozen tiny features', 'configs/baselines/frozen_features_tiny_synthetic.py', False),
    ('BYOV untrained', BYOV, False),
    ('BYOV', BYOV, True),
    ('BYOV w/o STM', ABLATION.format('no-stm'), True),
    ('BYOV w/o causal mask', ABLATION.format('no-causal'), True),
    ('BYOV w/o MSM', ABLATION.format('no-msm'), True),
    ('BYOV w/o MCM', ABLATION.format('no-mcm'), True),
    ('BYOV tail masking', ABLATION.format('tail-masking'), True),
    ('BYOV block masking', ABLATION.format('block-masking'), True),
    ('TCC', BASELINE.format('tcc'), True),
    ('soft-DTW', BASELINE.format('soft-dtw'), True),
    ('DTW-contrastive', BASELINE.format('dtw-contrastive'), True),
    ('VAVA', BASELINE.format('vava'), True),
]
ITERS_PER_EPOCH = 10  # 40 training videos (pooled ego + exo) per epoch, batch 4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/synthetic_comparison')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='the synthetic benchmark (generated if absent)')
    parser.add_argument('--cache-dir', default='data/cache/frames',
                        help='decoded-frame cache (its own folder)')
    parser.add_argument('--epochs', type=int, default=8,
                        help='training budget of every trained row (10 iterations each)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='one run of every row per seed (default: 0)')
    parser.add_argument('--only', nargs='+', metavar='NAME', choices=[r[0] for r in ROWS],
                        help='run only these rows (names as in the table, quoted)')
    parser.add_argument('--reuse', action='store_true',
                        help="keep rows whose results.json exists (resume an interrupted run)")
    return parser.parse_args()


def run(cmd, log_path):
    """Run a tool in its own process, logging to a file; returns the wall time."""
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


def ensure_dataset(data_root):
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    if osp.isfile(osp.join(data_root, LABEL_FILE)):
        return
    print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
    generate_synthetic_egoexo(data_root)


def data_options(loaders, data_root, cache_dir):
    """--cfg-options pointing ``loaders`` at the benchmark and its frame cache."""
    opts = []
    for loader in loaders:
        opts += [f'{loader}.dataset.data_root={data_root}',
                 f'{loader}.dataset.cache_dir={cache_dir}']
    return opts


def last_checkpoint(train_dir):
    with open(osp.join(train_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def run_row(name, config, trained, seed, args, data):
    row_dir = osp.join(args.work_dir, f'seed{seed}',
                       name.split(' (')[0].replace(' ', '_').replace('/', ''))
    results = osp.join(row_dir, 'results.json')
    times = {}
    if args.reuse and osp.isfile(results):
        with open(results) as f:
            return row_dir, json.load(f).get('benchmark_times', {})
    os.makedirs(row_dir, exist_ok=True)
    checkpoint = 'none'
    if trained:
        train_dir = osp.join(row_dir, 'train')
        times['train_s'] = run(
            [sys.executable, 'tools/train.py', config, '--work-dir', train_dir, '--seed',
             str(seed), '--no-validate', '--cfg-options',
             *data_options(['train_dataloader'], *data),
             f'train_cfg.max_epochs={args.epochs}'], osp.join(row_dir, 'train.log'))
        checkpoint = last_checkpoint(train_dir)
    times['test_s'] = run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', row_dir,
         '--cfg-options', *data_options(['test_dataloader', 'test_cfg.fit_dataloader'], *data),
         f'randomness.seed={seed}'],
        osp.join(row_dir, 'test.log'))
    print(f'  {name}, seed {seed}: ' + ', '.join(f'{k} {v:.0f}' for k, v in times.items()),
          flush=True)
    with open(results) as f:  # keep the wall times with the row's results
        record = json.load(f)
    record['benchmark_times'] = times
    with open(results, 'w') as f:
        json.dump(record, f, indent=2)
    return row_dir, times


def mean_std(per_seed):
    """``{seed: {row: metrics}}`` -> ``{row: {key: 'mean +- std'}}`` (sample std)."""
    rows = {}
    for name in next(iter(per_seed.values())):
        keys = per_seed[next(iter(per_seed))][name]
        cells = {}
        for key in keys:
            values = [per_seed[s][name][key] for s in per_seed]
            cells[key] = (f'{statistics.mean(values):.4f} +- {statistics.stdev(values):.4f}'
                          if len(values) > 1 else values[0])
        rows[name] = cells
    return rows


def main():
    args = parse_args()
    start = time.time()
    args.work_dir = osp.abspath(args.work_dir)
    os.makedirs(args.work_dir, exist_ok=True)
    data = osp.abspath(args.data_root), osp.abspath(args.cache_dir)
    ensure_dataset(data[0])

    from byov.evaluation.table import read_results, results_markdown, results_table
    rows = [r for r in ROWS if not args.only or r[0] in args.only]
    per_seed, times = {}, {}
    for seed in args.seeds:
        per_seed[seed] = {}
        for name, config, trained in rows:
            row_dir, times[f'{name}, seed {seed}'] = run_row(
                name, config, trained, seed, args, data)
            per_seed[seed][name] = read_results(osp.join(row_dir, 'results.json'))['metrics']
    wall = time.time() - start

    budget = (f'{args.epochs} epochs x {ITERS_PER_EPOCH} iterations (batch 4) per trained '
              f'row, seeds {", ".join(map(str, args.seeds))}')
    title = f'Synthetic ego-exo benchmark, test split ({budget})'
    sections = []
    if len(args.seeds) > 1:
        summary = mean_std(per_seed)
        print(results_table(summary, title=title + ': mean +- std over the seeds'))
        sections.append(f'Mean +- standard deviation over seeds {args.seeds}:\n\n'
                        f'{results_markdown(summary)}\n')
    for seed, metrics in per_seed.items():
        print(results_table(metrics, title=f'{title}: seed {seed}'))
        sections.append(f'Seed {seed}:\n\n{results_markdown(metrics)}\n')
    with open(osp.join(args.work_dir, 'comparison.md'), 'w') as f:
        f.write(f'{budget}; total wall time {wall:.0f} s\n\n' + '\n'.join(sections))
    with open(osp.join(args.work_dir, 'comparison.json'), 'w') as f:
        json.dump(dict(budget=budget, epochs=args.epochs, seeds=args.seeds, wall_s=wall,
                       times=times, metrics={str(k): v for k, v in per_seed.items()}),
                  f, indent=2)
    print(f'Total wall time: {wall:.0f} s; results in {args.work_dir}')

if __name__ == '__main__':
    main()
