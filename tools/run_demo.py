"""The main job, end to end on the built-in synthetic benchmark, on a CPU.

1. generate the synthetic ego-exo benchmark if it is absent;
2. train the CPU demo config (BYOV with a weight-free tiny frame encoder);
3. evaluate on the test split, side by side: the frozen frame features, the time-only
   baseline (embedding = t/L, no pixels), the untrained (randomly initialised) encoder,
   and the trained BYOV;
4. print one table (and write it as Markdown and JSON into the work dir).

    python tools/run_demo.py [--work-dir work_dirs/demo] [--epochs N]

What it shows and what it does not: see docs/getting_started.md. The tiny frame
encoder has no semantic features, so expect BYOV to stay near its untrained encoder and
every row to be read against the time-only floor.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = 'configs/byov/byov_tiny_synthetic_demo.py'
ROWS = [  # (row name, config, checkpoint: None = no weights, 'trained' = the demo run's)
    ('frozen frame features', 'configs/baselines/frozen_features_tiny_synthetic.py', None),
    ('time only (t/L)', 'configs/baselines/time_only_synthetic.py', None),
    ('BYOV untrained', DEMO_CONFIG, None),
    ('BYOV trained', DEMO_CONFIG, 'trained'),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='where the synthetic benchmark lives (generated if absent)')
    parser.add_argument('--cache-dir', default=None,
                        help='frame cache folder (default: the config\'s, data/cache/frames)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the demo schedule (train_cfg.max_epochs)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--skip-train', action='store_true',
                        help='reuse the last checkpoint in the work dir')
    return parser.parse_args()


def run(cmd, log_path):
    """Run a tool in its own process (own logger and default scope), log to a file."""
    print('$ ' + ' '.join(cmd), flush=True)
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    if proc.returncode != 0:
        with open(log_path) as log:
            tail = ''.join(log.readlines()[-40:])
        sys.exit(f'{cmd[1]} failed (exit {proc.returncode}); last lines of {log_path}:\n'
                 f'{tail}')
    print(f'  done in {time.time() - start:.0f} s (log: {log_path})', flush=True)


def ensure_dataset(data_root, seed):
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    if osp.isfile(osp.join(data_root, LABEL_FILE)):
        print(f'Synthetic benchmark found in {data_root}')
        return
    print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
    start = time.time()
    generate_synthetic_egoexo(data_root, seed=seed, workers=2)
    print(f'  done in {time.time() - start:.0f} s', flush=True)


def main():
    args = parse_args()
    start = time.time()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = osp.abspath(args.data_root)
    ensure_dataset(data_root, args.seed)

    data_opts = []
    for loader in ('train_dataloader', 'test_dataloader', 'test_cfg.fit_dataloader'):
        data_opts.append(f'{loader}.dataset.data_root={data_root}')
        if args.cache_dir:
            data_opts.append(f'{loader}.dataset.cache_dir={osp.abspath(args.cache_dir)}')
    train_dir = osp.join(work_dir, 'byov_trained')
    if not args.skip_train:
        opts = list(data_opts)
        if args.epochs is not None:
            opts.append(f'train_cfg.max_epochs={args.epochs}')
        run([sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir', train_dir,
             '--seed', str(args.seed), '--no-validate', '--cfg-options', *opts],
            osp.join(work_dir, 'train.log'))
    checkpoint = _last_checkpoint(train_dir)

    rows = {}
    for name, config, weights in ROWS:
        row_dir = osp.join(work_dir, name.split(' (')[0].replace(' ', '_'))
        ckpt = checkpoint if weights == 'trained' else 'none'
        run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir', row_dir,
             '--cfg-options', *data_opts, f'randomness.seed={args.seed}'],
            osp.join(row_dir + '.log'))
        with open(osp.join(row_dir, 'results.json')) as f:
            rows[name] = json.load(f)['metrics']

    from byov.evaluation.table import results_table, results_markdown
    table = results_table(rows)
    table.title = 'Synthetic ego-exo benchmark, test split (reference protocol)'
    print(table)
    with open(osp.join(work_dir, 'demo_results.md'), 'w') as f:
        f.write(results_markdown(rows) + '\n')
    with open(osp.join(work_dir, 'demo_results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    print(f'Total wall time: {time.time() - start:.0f} s; results in {work_dir}')


def _last_checkpoint(train_dir):
    marker = osp.join(train_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        sys.exit(f'No checkpoint in {train_dir}: train first (drop --skip-train).')
    with open(marker) as f:
        return f.read().strip()


if __name__ == '__main__':
    main()
