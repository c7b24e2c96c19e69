"""The demo training under three thread settings, side by side.

    python benchmarks/threads.py [--epochs 2] [--repeats 1] [--data-root DIR]
    python benchmarks/threads.py --epochs 3 --repeats 3 \\
        --results-json docs/results/threads.json   # the table of docs/performance.md

Runs ``tools/train.py`` on the CPU demo config (configs/byov/byov_tiny_synthetic_demo.py,
the built-in synthetic benchmark, generated if absent) for a few epochs with:

* byov's choice (no thread setting: ``choose_num_threads`` in byov/utils/launch.py);
* ``OMP_NUM_THREADS=1``;
* torch's default thread count (what a process starts with when nothing is set), passed
  as ``env_cfg.num_threads``.

The variants take turns within each repeat, so a change in the machine's load touches
them alike. It prints, per variant, the threads the run used, its wall time, mmengine's
mean time per iteration and the CPU time (each the median of the repeats), and the
ratios to the fastest variant. Wall times on a shared machine move with its load;
compare the ratios of one run, and look at the spread of the repeats in threads.json.
``--results-json FILE`` also writes the run (kind ``threads``: the command, the machine's
cores and load, every repeat) for ``tools/analysis/render_docs.py``.
"""
import argparse
import json
import os
import os.path as osp
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = 'configs/byov/byov_tiny_synthetic_demo.py'
THREAD_VARS = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'BYOV_AUTO_THREADS')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--epochs', type=int, default=2, help='epochs per run (10 iterations '
                        'each)')
    parser.add_argument('--repeats', type=int, default=1, help='runs per variant')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='the synthetic benchmark (generated if absent)')
    parser.add_argument('--cache-dir', default=None,
                        help="frame cache folder (default: the config's)")
    parser.add_argument('--work-dir', default='work_dirs/benchmark_threads')
    parser.add_argument('--results-json', metavar='FILE',
                        help='also write the run as a results file for the docs '
                        '(e.g. docs/results/threads.json; tools/analysis/render_docs.py)')
    parser.add_argument('--table', metavar='JSON',
                        help="only print the table of an earlier run's threads.json")
    return parser.parse_args(argv)


def clean_env(**extra) -> dict:
    """The environment without any thread setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env['BYOV_NO_PROGRESS'] = '1'
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')]))
    env.update(extra)
    return env


def torch_default_threads() -> int:
    out = subprocess.run([sys.executable, '-c', 'import torch; print(torch.get_num_threads())'],
                         env=clean_env(), capture_output=True, text=True, check=True)
    return int(out.stdout)


def train_once(name, env, opts, work_dir, epochs) -> dict:
    cmd = [sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir', work_dir,
           '--seed', '0', '--no-validate', '--brief-console', '--cfg-options', *opts,
           f'train_cfg.max_epochs={epochs}']
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f'{name}: tools/train.py failed (exit {proc.returncode}):\n{out[-3000:]}')
    threads = re.search(r'Intra-op threads: (\d+)', out)
    return dict(wall=wall, iter_time=_mean_iter_time(work_dir),
                cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
                threads=int(threads.group(1)) if threads else None)


def _mean_iter_time(work_dir) -> float:
    """mmengine's per-iteration 'time' (seconds), averaged over the logged intervals."""
    logs = sorted(p for p in _walk(work_dir) if p.endswith('scalars.json'))
    times = []
    for line in open(logs[-1]):
        rec = json.loads(line)
        if 'time' in rec and 'loss' in rec:
            times.append(rec['time'])
    return sum(times) / len(times)


def _walk(top):
    for base, _, files in os.walk(top):
        for f in files:
            yield osp.join(base, f)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.table:
        with open(args.table) as f:
            print_table(json.load(f))
        return
    data_root = osp.abspath(args.data_root)
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    if not osp.isfile(osp.join(data_root, LABEL_FILE)):
        print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
        generate_synthetic_egoexo(data_root, seed=0, workers=2, progress=True)
    opts = [f'train_dataloader.dataset.data_root={data_root}']
    cache = []
    if args.cache_dir:
        opts.append(f'train_dataloader.dataset.cache_dir={osp.abspath(args.cache_dir)}')
        cache = ['--cache-dir', osp.abspath(args.cache_dir)]
    # decode the frames once, outside the timings
    subprocess.run([sys.executable, 'tools/data/build_frame_cache.py', DEMO_CONFIG,
                    '--splits', 'train', '--data-root', data_root, *cache],
                   cwd=ROOT, env=clean_env(OMP_NUM_THREADS='1'), check=True)

    default = torch_default_threads()
    variants = [
        ('byov default', clean_env(), []),
        ('OMP_NUM_THREADS=1', clean_env(OMP_NUM_THREADS='1'), []),
        (f'torch default ({default})', clean_env(), [f'env_cfg.num_threads={default}']),
    ]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    load_before = os.getloadavg()
    runs = {name: [] for name, _, _ in variants}
    for rep in range(args.repeats):
        for i, (name, env, extra) in enumerate(variants):
            work_dir = osp.join(osp.abspath(args.work_dir), f'v{i}_r{rep}')
            print(f'[{rep + 1}/{args.repeats}] {name} ...', flush=True)
            runs[name].append(train_once(name, env, opts + extra, work_dir, args.epochs))
            print('    wall {wall:.1f} s, {iter_time:.3f} s/iter, CPU {cpu:.1f} s, '
                  '{threads} threads'.format(**runs[name][-1]), flush=True)
    load_after = os.getloadavg()
    os.makedirs(args.work_dir, exist_ok=True)
    out = osp.join(args.work_dir, 'threads.json')
    record = dict(cores=cores, epochs=args.epochs, repeats=args.repeats,
                  load_before=load_before, load_after=load_after, runs=runs)
    with open(out, 'w') as f:
        json.dump(record, f, indent=2)
    print_table(record)
    print(f'Results: {out}')
    if args.results_json:
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from render_docs import record_run
        record_run(args.results_json, 'threads', 'benchmarks/threads.py', argv, load_before,
                   **record)


def print_table(record):
    """The table of a run's record (``threads.json``): median of the repeats."""
    runs = record['runs']
    rows = {name: {key: statistics.median(r[key] for r in rs)
                   for key in ('wall', 'iter_time', 'cpu')}
            for name, rs in runs.items()}
    best = {key: min(r[key] for r in rows.values()) for key in ('wall', 'iter_time')}
    print(f'\nDemo training, {record["epochs"]} epochs x 10 iterations, {record["cores"]} '
          f'cores, load average {record["load_before"][0]:.1f} before / '
          f'{record["load_after"][0]:.1f} after, median of {record["repeats"]} run(s) per '
          'variant')
    header = (f'{"variant":<22} {"threads":>7} {"wall s":>8} {"/best":>6} {"s/iter":>8} '
              f'{"/best":>6} {"CPU s":>7}')
    print(header + '\n' + '-' * len(header))
    for name, r in rows.items():
        print(f'{name:<22} {runs[name][0]["threads"]!s:>7} {r["wall"]:8.1f} '
              f'{r["wall"] / best["wall"]:6.2f} {r["iter_time"]:8.3f} '
              f'{r["iter_time"] / best["iter_time"]:6.2f} {r["cpu"]:7.1f}')


if __name__ == '__main__':
    main()
