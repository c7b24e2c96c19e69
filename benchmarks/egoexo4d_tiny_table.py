"""The Ego-Exo4D keystep configs end to end on a generated root: a results table with the
keystep protocol and the four ego-exo tasks, between the time-only floor and the
supervised ceiling.

    python benchmarks/egoexo4d_tiny_table.py [--work-dir DIR] [--num-takes 24]
        [--seeds 0 1 2] [--epochs 30] [--lr 1e-4] [--record egoexo4d_tiny]

Generates a root in the official format (``tools/data/generate_egoexo4d.py``, seed 0,
the generator's defaults otherwise: 1536-wide features, two scenarios, an Aria and two
GoPros per take), then, with byov's own tools and the shipped Ego-Exo4D configs
(``--data-root`` / ``--cache-dir`` pointing at it):

- evaluates the time-only floor and the frozen features (``tools/test.py ... none``);
- trains BYOV, AE2's DTW-contrastive objective (unpaired pairs), multi-view TCN
  (synchronised pairs) and the supervised ceiling for ``--epochs`` epochs at learning
  rate ``--lr`` (every row the same schedule; the configs' own recipe is for the
  release), one run per seed, and evaluates each last checkpoint on val.

The data are made up: the table shows that every part runs and what each row reads from
such features, not how the methods compare on Ego-Exo4D.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

EVAL_ROWS = (
    ('time-only floor', 'configs/baselines/time_only_egoexo4d_keystep.py'),
    ('Omnivore features (frozen)',
     'configs/baselines/frozen_features_omnivore_egoexo4d_keystep.py'),
)
TRAINED_ROWS = (
    ('BYOV', 'configs/byov/byov_omnivore_egoexo4d_keystep.py'),
    ('DTW-contrastive (AE2, unpaired)',
     'configs/baselines/dtw-contrastive_omnivore_egoexo4d_keystep.py'),
    ('multi-view TCN (synchronised)',
     'configs/baselines/tcn-multi-view_omnivore_egoexo4d_keystep.py'),
    ('supervised ceiling', 'configs/baselines/supervised_omnivore_egoexo4d_keystep.py'),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--work-dir', default='work_dirs/egoexo4d_tiny_table')
    p.add_argument('--num-takes', type=int, default=24)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--record', metavar='NAME',
                   help='write docs/results/NAME.json (rendered by render_docs.py)')
    return p.parse_args(argv)


def run(cmd, log):
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                              env=dict(os.environ, OMP_NUM_THREADS='2', BYOV_NO_PROGRESS='1'))
    if proc.returncode:
        with open(log) as f:
            tail = f.read()[-3000:]
        sys.exit(f'{" ".join(cmd)} failed (log {log}):\n{tail}')


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.join(work_dir, 'egoexo4d')
    os.makedirs(work_dir, exist_ok=True)
    from byov.datasets.egoexo4d.generate import write_egoexo4d_root
    summary = write_egoexo4d_root(data_root, num_takes=args.num_takes, seed=0,
                                  overwrite=True)
    print(f'generated {data_root}: takes {summary["takes"]}, {summary["num_labels"]} keysteps',
          flush=True)
    data_opts = ['--data-root', data_root, '--cache-dir', osp.join(work_dir, 'cache')]
    rows = []
    for name, config in EVAL_ROWS:
        out = osp.join(work_dir, name.split(' ')[0].replace('-', '_'))
        run([sys.executable, 'tools/test.py', config, 'none', '--work-dir', out,
             '--brief-console', *data_opts], out + '.log')
        rows.append((name, [osp.join(out, 'results.json')]))
        print(f'{name}: evaluated', flush=True)
    schedule = [f'train_cfg.max_epochs={args.epochs}', f'optim_wrapper.optimizer.lr={args.lr}']
    for name, config in TRAINED_ROWS:
        extra = []
        if 'supervised' in name:  # the generated keysteps + background
            extra = [f'model.loss.num_classes={summary["num_labels"] + 1}']
        paths = []
        for seed in args.seeds:
            out = osp.join(work_dir, f'{osp.basename(config)[:-3]}_seed{seed}')
            run([sys.executable, 'tools/train.py', config, '--work-dir', out, '--seed',
                 str(seed), '--no-validate', '--brief-console', *data_opts,
                 '--cfg-options', *schedule, *extra], out + '.train.log')
            with open(osp.join(out, 'last_checkpoint')) as f:
                checkpoint = f.read().strip()
            run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
                 osp.join(out, 'test'), '--brief-console', *data_opts,
                 *(['--cfg-options', *extra] if extra else [])], out + '.test.log')
            paths.append(osp.join(out, 'test', 'results.json'))
            print(f'{name}, seed {seed}: trained and evaluated', flush=True)
        rows.append((name, paths))
    for name, paths in rows:
        with open(paths[0]) as f:
            metrics = json.load(f)['metrics']
        print(name, {k: round(v, 3) for k, v in metrics.items()
                     if k.endswith(('top1', 'f1_regular', 'f1_ego2exo', 'f1_exo2ego'))})
    print(f'wall time {time.time() - start:.0f} s')
    if args.record:
        from tools.analysis.render_docs import record
        produced_by = 'python ' + ' '.join(
            ['benchmarks/egoexo4d_tiny_table.py', *(argv if argv is not None else
                                                    sys.argv[1:])])
        print('wrote', record(args.record, rows, produced_by,
                              notes=f'{summary["takes"]} takes (generated, seed 0); '
                                    f'{args.epochs} epochs at lr {args.lr}; seeds '
                                    f'{args.seeds}; wall {time.time() - start:.0f} s'))


if __name__ == '__main__':
    main()
