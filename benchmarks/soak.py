"""Soak run: train the CPU demo for several epochs, validating after each, and watch memory.

    python benchmarks/soak.py [--epochs 12] [--work-dir work_dirs/soak] [--bound-mb 64]

``tools/train.py configs/byov/byov_tiny_synthetic_demo.py`` runs in its own process with
the demo's two data-loader workers (persistent for training; validation starts its own)
and ``val_interval=1``. Every ``--interval`` seconds the script reads, from ``/proc``
(psutil is not needed), the resident memory of the training process and of its worker
processes: RSS and PSS (shared pages split between the processes that share them).

At the end of each epoch (when the validation has written its results; the training
process and its two persistent workers are alive then) it takes the RSS of the main
process plus its workers, and reports the growth from the end of epoch ``--warmup``
(frame cache, worker start-up and allocator pools are in place by then) to the end of
the last epoch; it fails (exit 1) if that exceeds ``--bound-mb``. RSS, not PSS, is
bounded: the sum of PSS also rises when pages the workers shared copy-on-write with the
parent become private (CPython's reference counts write to them), which is bounded by
the processes' RSS, not a leak. Samples and summary go to ``<work-dir>/soak_memory.json``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'configs/byov/byov_tiny_synthetic_demo.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'val_cfg.fit_dataloader')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--work-dir', default='work_dirs/soak')
    parser.add_argument('--data-root', default='data/synthetic_egoexo',
                        help='the synthetic benchmark (generated there if absent)')
    parser.add_argument('--cache-dir', default=None, help='frame cache (config default)')
    parser.add_argument('--workers', type=int, default=2, help='data-loader workers')
    parser.add_argument('--interval', type=float, default=0.5, help='seconds between samples')
    parser.add_argument('--warmup', type=int, default=1,
                        help='epochs before the growth is measured')
    parser.add_argument('--bound-mb', type=float, default=64.0,
                        help='allowed growth of the total PSS after the warm-up')
    return parser.parse_args()


# ---------------------------------------------------------------------- /proc readers
def _children(pid):
    """Direct children of ``pid`` (the data-loader workers of the training process)."""
    kids = []
    try:
        for tid in os.listdir(f'/proc/{pid}/task'):
            with open(f'/proc/{pid}/task/{tid}/children') as f:
                kids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return kids


def _memory_kb(pid):
    """(RSS, PSS) of one process in kB, or None if it is gone."""
    try:
        with open(f'/proc/{pid}/status') as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
        pss = rss
        if osp.exists(f'/proc/{pid}/smaps_rollup'):
            with open(f'/proc/{pid}/smaps_rollup') as f:
                pss = next(int(line.split()[1]) for line in f if line.startswith('Pss:'))
        return rss, pss
    except (OSError, StopIteration):
        return None


def sample(pid):
    main = _memory_kb(pid)
    if main is None:
        return None
    workers = [m for m in map(_memory_kb, _children(pid)) if m is not None]
    return dict(main_rss_mb=main[0] / 1024, main_pss_mb=main[1] / 1024,
                workers=len(workers),
                total_rss_mb=(main[0] + sum(w[0] for w in workers)) / 1024,
                workers_rss_mb=sum(w[0] for w in workers) / 1024,
                workers_pss_mb=sum(w[1] for w in workers) / 1024,
                total_pss_mb=(main[1] + sum(w[1] for w in workers)) / 1024)


# ---------------------------------------------------------------------- the run
def ensure_dataset(data_root):
    from byov.datasets.synthetic import LABEL_FILE, generate_synthetic_egoexo
    if not osp.isfile(osp.join(data_root, LABEL_FILE)):
        print(f'Generating the synthetic benchmark into {data_root} ...', flush=True)
        generate_synthetic_egoexo(data_root)


def main():
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = osp.abspath(args.data_root)
    ensure_dataset(data_root)
    opts = [f'train_cfg.max_epochs={args.epochs}', 'train_cfg.val_interval=1',
            'train_cfg.val_begin=1']
    for loader in LOADERS:
        opts += [f'{loader}.dataset.data_root={data_root}', f'{loader}.num_workers={args.workers}']
        if args.cache_dir:
            opts.append(f'{loader}.dataset.cache_dir={osp.abspath(args.cache_dir)}')
    cmd = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir, '--seed', '0',
           '--cfg-options', *opts]
    print('$ ' + ' '.join(cmd), flush=True)
    env = dict(os.environ, BYOV_NO_PROGRESS='1', PYTHONPATH=ROOT)
    env.setdefault('OMP_NUM_THREADS', '1')
    start = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    samples, epoch_ends, log_tail = [], [], []
    lock = threading.Lock()

    def read_log():  # epoch ends: the validation has written its results
        for line in proc.stdout:
            log_tail.append(line)
            del log_tail[:-200]
            if 'Results written to' in line and 'val_results' in line:
                with lock:
                    mem = sample(proc.pid)
                    epoch_ends.append(dict(epoch=len(epoch_ends) + 1,
                                           time_s=time.time() - start, **(mem or {})))
                    print(f'  epoch {len(epoch_ends)} done at {time.time() - start:.0f} s: '
                          f'RSS {mem and mem["total_rss_mb"]:.0f} MB (main + '
                          f'{mem and mem["workers"]} workers)', flush=True)

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    peak = {}
    while proc.poll() is None:
        mem = sample(proc.pid)
        if mem is not None:
            mem['time_s'] = time.time() - start
            with lock:
                samples.append(mem)
            for key in ('main_rss_mb', 'total_rss_mb', 'total_pss_mb', 'workers'):
                peak[key] = max(peak.get(key, 0), mem[key])
        time.sleep(args.interval)
    reader.join(timeout=10)
    if proc.returncode != 0:
        sys.exit(f'training failed (exit {proc.returncode}):\n' + ''.join(log_tail[-40:]))
    if len(epoch_ends) < args.warmup + 2:
        sys.exit(f'only {len(epoch_ends)} validated epochs; need --epochs >= warmup + 2')

    measured = [e for e in epoch_ends[args.warmup - 1:] if e.get('workers') == args.workers]
    if len(measured) < 2:
        sys.exit('the epoch ends did not find the training workers alive; see the samples')
    base, last = measured[0], measured[-1]
    growth = last['total_rss_mb'] - base['total_rss_mb']
    steps = [b['total_rss_mb'] - a['total_rss_mb'] for a, b in zip(measured, measured[1:])]
    rnd = lambda x: round(x, 1)  # noqa: E731
    summary = dict(
        epochs=args.epochs, workers=args.workers, wall_s=rnd(time.time() - start),
        warmup_epochs=args.warmup, bound_mb=args.bound_mb,
        rss_after_warmup_mb=rnd(base['total_rss_mb']), rss_end_mb=rnd(last['total_rss_mb']),
        rss_growth_after_warmup_mb=rnd(growth),
        rss_growth_per_epoch_mb=[rnd(x) for x in steps],
        main_rss_after_warmup_mb=rnd(base['main_rss_mb']),
        main_rss_end_mb=rnd(last['main_rss_mb']),
        workers_rss_after_warmup_mb=rnd(base['workers_rss_mb']),
        workers_rss_end_mb=rnd(last['workers_rss_mb']),
        pss_after_warmup_mb=rnd(base['total_pss_mb']), pss_end_mb=rnd(last['total_pss_mb']),
        peak_main_rss_mb=rnd(peak['main_rss_mb']), peak_total_rss_mb=rnd(peak['total_rss_mb']),
        peak_total_pss_mb=rnd(peak['total_pss_mb']), peak_workers=peak['workers'],
        within_bound=growth <= args.bound_mb)
    with open(osp.join(work_dir, 'soak_memory.json'), 'w') as f:
        json.dump(dict(summary=summary, epoch_ends=epoch_ends, samples=samples), f, indent=1)

    from prettytable import PrettyTable
    table = PrettyTable(['epoch', 'time (s)', 'main RSS (MB)', 'workers',
                         'workers RSS (MB)', 'total RSS (MB)', 'total PSS (MB)'])
    for e in epoch_ends:
        table.add_row([e['epoch'], f'{e["time_s"]:.0f}', f'{e["main_rss_mb"]:.0f}',
                       e['workers'], f'{e["workers_rss_mb"]:.0f}', f'{e["total_rss_mb"]:.0f}',
                       f'{e["total_pss_mb"]:.0f}'])
    print(table)
    print(json.dumps(summary, indent=1))
    if not summary['within_bound']:
        sys.exit(f'RSS grew {growth:.1f} MB after epoch {args.warmup}, over the bound of '
                 f'{args.bound_mb} MB')


if __name__ == '__main__':
    main()
