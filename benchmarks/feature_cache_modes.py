"""Does the feature cache change the results? The CPU demo trained from frames, from the
exact cache and from the compact cache, same seed, test metrics side by side.

    python benchmarks/feature_cache_modes.py [--seeds 0 1] [--epochs 8] [--with-frames]
        [--data-root data/synthetic_egoexo] [--work-dir work_dirs/feature_cache_modes]

For each seed: builds both caches (tools/data/build_feature_cache.py), trains
configs/byov/byov_tiny_feature-cache_synthetic_demo.py (exact: patch tokens, STM on the
sampled clip, as on frames) and ...-compact_synthetic_demo.py (compact: STM vectors
against the next raw frame) with tools/train.py, and tests the last checkpoint with
tools/test.py. ``--with-frames`` also trains the image-path demo config, which exact mode
should match up to float16 rounding. Read the compact - exact differences against the
spread between seeds.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {
    'frames': 'configs/byov/byov_tiny_synthetic_demo.py',
    'exact': 'configs/byov/byov_tiny_feature-cache_synthetic_demo.py',
    'compact': 'configs/byov/byov_tiny_feature-cache-compact_synthetic_demo.py',
}
# the loaders each stage builds (training runs without validation)
LOADERS = {'train': ('train_dataloader',),
           'test': ('test_dataloader', 'test_cfg.fit_dataloader')}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--epochs', type=int, default=8)
    parser.add_argument('--with-frames', action='store_true')
    parser.add_argument('--data-root', default='data/synthetic_egoexo')
    parser.add_argument('--work-dir', default='work_dirs/feature_cache_modes')
    return parser.parse_args()


def run(cmd, log_path):
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    if proc.returncode:
        sys.exit(f'{" ".join(cmd[:3])} failed; see {log_path}')
    print(f'  {osp.basename(log_path)}: {time.time() - start:.0f} s', flush=True)


def main():
    args = parse_args()
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    data_root, work_dir = osp.abspath(args.data_root), osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    if not osp.isfile(osp.join(data_root, LABEL_FILE)):
        generate_synthetic_egoexo(data_root)
    frames_dir, features_dir = osp.join(work_dir, 'frames'), osp.join(work_dir, 'features')
    modes = ['frames', 'exact', 'compact'] if args.with_frames else ['exact', 'compact']

    def options(stage, mode):
        opts = [f'{k}.dataset.{key}={value}' for k in LOADERS[stage]
                for key, value in (('data_root', data_root), ('cache_dir', frames_dir))]
        if mode != 'frames':  # every loader's feature cache
            opts += [f'{k}.dataset.feature_cache.cache_dir={features_dir}'
                     for k in LOADERS[stage]]
        return opts

    for mode in modes[-2:]:
        run([sys.executable, 'tools/data/build_feature_cache.py', CONFIGS[mode],
             '--data-root', data_root, '--cache-dir', frames_dir, '--feature-dir',
             features_dir], osp.join(work_dir, f'build_{mode}.log'))
    results = {}
    for seed in args.seeds:
        for mode in modes:
            run_dir = osp.join(work_dir, f'{mode}_seed{seed}')
            run([sys.executable, 'tools/train.py', CONFIGS[mode], '--work-dir', run_dir,
                 '--seed', str(seed), '--no-validate', '--cfg-options',
                 *options('train', mode),
                 f'train_cfg.max_epochs={args.epochs}'], run_dir + '_train.log')
            with open(osp.join(run_dir, 'last_checkpoint')) as f:
                checkpoint = f.read().strip()
            run([sys.executable, 'tools/test.py', CONFIGS[mode], checkpoint, '--work-dir',
                 run_dir, '--cfg-options', *options('test', mode), f'randomness.seed={seed}'],
                run_dir + '_test.log')
            with open(osp.join(run_dir, 'results.json')) as f:
                results[mode, seed] = json.load(f)['metrics']

    from prettytable import PrettyTable
    metrics = sorted(results[modes[0], args.seeds[0]])
    table = PrettyTable(['test metric', *[f'{m} seed {s}' for s in args.seeds for m in modes],
                         'compact - exact (mean)', 'exact spread over seeds'])
    table.align = 'r'
    for metric in metrics:
        values = {(m, s): results[m, s][metric] for s in args.seeds for m in modes}
        diffs = [values['compact', s] - values['exact', s] for s in args.seeds]
        exact = [values['exact', s] for s in args.seeds]
        table.add_row([metric, *[f'{values[m, s]:.4f}' for s in args.seeds for m in modes],
                       f'{statistics.mean(diffs):+.4f}',
                       f'{max(exact) - min(exact):.4f}' if len(exact) > 1 else '-'])
    print(table)
    with open(osp.join(work_dir, 'feature_cache_modes.json'), 'w') as f:
        json.dump({f'{m}_seed{s}': v for (m, s), v in results.items()}, f, indent=2)


if __name__ == '__main__':
    main()
