"""Time the AE2 evaluation tasks on generated embeddings and print seconds and memory.

Each task runs in a fresh Python process (unless ``--in-process``), so its peak memory
is its own: the table shows the process's peak resident memory and how far it rose
above the resident memory after the data was generated. "CPU s" is the process's CPU
time over all threads: on a shared machine it shows the cost that wall time hides.
The embeddings are synthetic (phase centres + view and video offsets + a drift in time
+ noise, about as separable as trained models' on AE2), with the sizes of an AE2 split.

``--implementations`` times other implementations in the same run, task by task:
``reference`` is AE2's evaluation code written plainly (``benchmarks/reference_evaluation.py``:
multi-class SVC, per-query sort, ...), ``byov-rbf`` is byov with libsvm computing the RBF
kernel itself (the path before the precomputed kernel). The table then gives each
implementation's total and its ratio to the reference, and checks that the SVM
predictions of every implementation are identical, frame by frame.

Examples::

    python tools/analysis/benchmark_metrics.py
    python tools/analysis/benchmark_metrics.py --retrieval-only --eval-frames 100000
    python tools/analysis/benchmark_metrics.py --tasks classification few_shot --dim 128
    python tools/analysis/benchmark_metrics.py --implementations reference byov-rbf byov
    python tools/analysis/benchmark_metrics.py --implementations reference byov-rbf byov \\
        --results-json docs/results/evaluation_speed.json   # docs/performance.md's table

``--results-json FILE`` also writes the run (kind ``evaluation_speed``: the command, the
machine's cores and load, the split's sizes, every task's row without the predictions,
and the identity checks) for ``tools/analysis/render_docs.py``.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

TASKS = ('classification', 'retrieval', 'progression', 'kendall', 'few_shot')
FOUR_TASKS = TASKS[:4]
IMPLEMENTATIONS = ('byov', 'byov-rbf', 'reference')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--fit-frames', type=int, default=12000)
    parser.add_argument('--eval-frames', type=int, default=4000)
    parser.add_argument('--dim', type=int, default=256)
    parser.add_argument('--fit-videos', type=int, default=40)
    parser.add_argument('--eval-videos', type=int, default=20)
    parser.add_argument('--classes', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--separation', type=float, default=1.0,
                        help='scale of the phase centres: 1 gives phase F1 about 0.8, 2 about '
                             '0.97; the SVM fits slow down as phases overlap')
    parser.add_argument('--tasks', nargs='+', choices=TASKS, default=list(FOUR_TASKS),
                        help='tasks to time (default: the four; few_shot is extra)')
    parser.add_argument('--retrieval-only', action='store_true',
                        help='time frame retrieval only (its eval split alone is built)')
    parser.add_argument('--block-size', type=int, default=None,
                        help='retrieval queries per block (default: about 64 MB)')
    parser.add_argument('--n-jobs', type=int, default=None,
                        help='SVMs fit at once (classification, few-shot)')
    parser.add_argument('--blas-threads', type=int, default=None,
                        help='limit BLAS threads (threadpoolctl); on a shared machine '
                             "OpenBLAS's idle threads spin and inflate the times")
    parser.add_argument('--in-process', action='store_true',
                        help='run every task in this process (peak memory then mixes)')
    parser.add_argument('--implementations', nargs='+', choices=IMPLEMENTATIONS,
                        default=['byov'], help='implementations to time side by side')
    parser.add_argument('--results-json', metavar='FILE',
                        help='also write the run as a results file for the docs '
                             '(e.g. docs/results/evaluation_speed.json)')
    parser.add_argument('--worker', choices=TASKS, help=argparse.SUPPRESS)
    parser.add_argument('--worker-impl', choices=IMPLEMENTATIONS, default='byov',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.retrieval_only:
        args.tasks = ['retrieval']
    return args


def make_split(num_frames, num_videos, dim, num_classes, seed, separation=1.0):
    """Frame arrays of a synthetic split: ego videos first, phases in order.

    Embedding = phase centre + view offset + video offset + a drift along normalised
    time + noise, scaled so that the tasks are neither trivial nor hopeless (phase F1
    about 0.8, as for trained models on AE2's datasets).
    """
    rng = np.random.default_rng(seed)
    lengths = rng.uniform(0.7, 1.3, num_videos)
    lengths = np.maximum(num_classes, np.floor(lengths / lengths.sum() * num_frames)).astype(int)
    lengths[-1] += num_frames - lengths.sum()
    shared = np.random.default_rng(1234)  # the same "dataset" for both splits
    centres = shared.standard_normal((num_classes, dim), np.float32) * 0.12 * separation
    view_shift = shared.standard_normal((2, dim), np.float32) * 0.05
    drift = shared.standard_normal(dim, np.float32) * 0.1
    labels, video_ids, time = [], [], []
    for v, length in enumerate(lengths):
        cuts = np.sort(rng.choice(np.arange(1, length), num_classes - 1, replace=False))
        labels.append(np.searchsorted(cuts, np.arange(length), side='right'))
        video_ids.append(np.full(length, v))
        time.append(np.arange(length, dtype=np.float32) / length)
    labels = np.concatenate(labels).astype(np.int64)
    video_ids = np.concatenate(video_ids).astype(np.int64)
    time = np.concatenate(time)
    is_ego = video_ids < num_videos // 2
    embeds = rng.standard_normal((num_frames, dim), np.float32)
    embeds += centres[labels]
    embeds += view_shift[is_ego.astype(int)]
    embeds += (rng.standard_normal((num_videos, dim), np.float32) * 0.05)[video_ids]
    embeds += time[:, None] * drift
    return dict(embeds=embeds, labels=labels, video_ids=video_ids, is_ego=is_ego)


def rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads of the process
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _reference_module():
    """benchmarks/reference_evaluation.py, loaded by path (benchmarks is no package)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'benchmarks', 'reference_evaluation.py')
    spec = importlib.util.spec_from_file_location('reference_evaluation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _byov_task(task, fit, ev, args, impl):
    from byov.evaluation.functional import (few_shot_classification, frame_retrieval,
                                            kendalls_tau, phase_classification,
                                            phase_progression)
    if task == 'classification':
        return phase_classification(
            fit['embeds'], fit['labels'], fit['is_ego'], ev['embeds'], ev['labels'],
            ev['is_ego'], n_jobs=args.n_jobs, return_predictions=True,
            precompute_kernel=False if impl == 'byov-rbf' else None)
    if task == 'retrieval':
        return frame_retrieval(ev['embeds'], ev['labels'], ev['video_ids'], ev['is_ego'],
                               block_size=args.block_size), None
    if task == 'progression':
        return dict(progression=phase_progression(
            fit['embeds'], fit['labels'], fit['video_ids'], ev['embeds'], ev['labels'],
            ev['video_ids'])), None
    if task == 'kendall':
        return dict(tau=kendalls_tau(ev['embeds'], ev['video_ids'])), None
    out = few_shot_classification(fit['embeds'], fit['labels'], fit['video_ids'],
                                  ev['embeds'], ev['labels'], n_jobs=args.n_jobs)
    return {shot: entry['regular_mean'] for shot, entry in out.items()}, None


def _reference_task(task, fit, ev):
    reference = _reference_module()
    if task == 'classification':
        return reference.classification(fit, ev)
    if task == 'retrieval':
        return reference.retrieval(ev), None
    if task == 'progression':
        return dict(progression=reference.progression(fit, ev)), None
    if task == 'kendall':
        return dict(tau=reference.kendall(ev)), None
    raise ValueError('the reference code has no working few-shot evaluation')


def run_task(task, args, impl='byov'):
    """Generate the data, run one task; returns its measurements (and the SVM's
    predictions per view, for classification)."""
    ev = make_split(args.eval_frames, args.eval_videos, args.dim, args.classes, args.seed + 1,
                    args.separation)
    fit = None
    if task in ('classification', 'progression', 'few_shot'):
        fit = make_split(args.fit_frames, args.fit_videos, args.dim, args.classes, args.seed,
                         args.separation)
    if impl == 'reference':  # imports outside the timed part
        _reference_module()
    else:
        import byov.evaluation.functional  # noqa: F401
    before = rss_mb()
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    if impl == 'reference':
        value, predictions = _reference_task(task, fit, ev)
    else:
        value, predictions = _byov_task(task, fit, ev, args, impl)
    seconds = time.perf_counter() - start
    return dict(task=task, impl=impl, seconds=seconds, cpu=cpu_seconds() - cpu_start,
                peak_mb=peak_rss_mb(), rise_mb=max(0.0, peak_rss_mb() - before),
                values={k: float(v) for k, v in value.items()},
                predictions=None if predictions is None else
                {k: np.asarray(v).tolist() for k, v in predictions.items()})


def run_in_subprocess(task, argv, impl='byov'):
    cmd = [sys.executable, os.path.abspath(__file__), *argv, '--worker', task,
           '--worker-impl', impl]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def identity_report(rows):
    """Lines comparing every implementation's SVM predictions and values with the
    first implementation's."""
    lines = []
    by_task = {}
    for row in rows:
        by_task.setdefault(row['task'], []).append(row)
    for task, group in by_task.items():
        base = group[0]
        for other in group[1:]:
            diff = max(abs(base['values'][k] - other['values'][k]) for k in base['values'])
            line = (f'{task}: {other["impl"]} vs {base["impl"]}: values differ by at most '
                    f'{diff:.2e}')
            if base['predictions'] and other['predictions']:
                same = total = 0
                for view, pred in base['predictions'].items():
                    same += int(np.sum(np.asarray(pred) == np.asarray(
                        other['predictions'][view])))
                    total += len(pred)
                verdict = 'IDENTICAL' if same == total else 'DIFFERENT'
                line += f'; SVM predictions {verdict} ({same}/{total} frames, all views)'
            lines.append(line)
    return lines


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.worker:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=args.blas_threads, user_api='blas'):
            print(json.dumps(run_task(args.worker, args, args.worker_impl)))
        return
    from prettytable import PrettyTable
    print(f'fit split: {args.fit_frames} frames, {args.fit_videos} videos | eval split: '
          f'{args.eval_frames} frames, {args.eval_videos} videos | {args.dim} dims, '
          f'{args.classes} classes, separation {args.separation}')
    load_before = os.getloadavg()
    print(f'CPUs available: {len(os.sched_getaffinity(0))}, BLAS threads: '
          f'{args.blas_threads or "default"}, load average before: {load_before[0]:.2f}')
    impls = list(dict.fromkeys(args.implementations))
    table = PrettyTable(['task', 'implementation', 'wall s', 'CPU s', 'peak RSS (MB)',
                         'rise over data (MB)', 'values'])
    table.align = 'r'
    table.align['task'] = table.align['values'] = table.align['implementation'] = 'l'
    rows = []
    worker_argv = _without_option(_without_option(argv, '--implementations'),
                                  '--results-json')
    for task in args.tasks:
        for impl in impls:
            if impl == 'reference' and task == 'few_shot':
                continue
            if args.in_process:
                from threadpoolctl import threadpool_limits
                with threadpool_limits(limits=args.blas_threads, user_api='blas'):
                    row = run_task(task, args, impl)
            else:
                row = run_in_subprocess(task, worker_argv, impl)
            rows.append(row)
            values = ', '.join(f'{k} {v:.4f}' for k, v in row['values'].items())
            table.add_row([task, impl, f'{row["seconds"]:.2f}', f'{row["cpu"]:.2f}',
                           f'{row["peak_mb"]:.0f}', f'{row["rise_mb"]:.0f}', values])
    totals = {}
    for impl in impls:
        four = [r for r in rows if r['task'] in FOUR_TASKS and r['impl'] == impl]
        if len(four) > 1:
            totals[impl] = (sum(r['seconds'] for r in four), sum(r['cpu'] for r in four))
            table.add_row([f'total ({len(four)} tasks)', impl, f'{totals[impl][0]:.2f}',
                           f'{totals[impl][1]:.2f}', f'{max(r["peak_mb"] for r in four):.0f}',
                           f'{max(r["rise_mb"] for r in four):.0f}', ''])
    print(table)
    if 'reference' in totals:
        ref_wall, ref_cpu = totals['reference']
        for impl, (wall, cpu) in totals.items():
            if impl != 'reference':
                print(f'{impl}: {ref_wall / wall:.1f}x faster than the reference (wall), '
                      f'{ref_cpu / cpu:.1f}x (CPU)')
    identity = identity_report(rows)
    for line in identity:
        print(line)
    print(f'load average after: {os.getloadavg()[0]:.2f}')
    if args.results_json:
        write_results_json(args.results_json, argv, args, impls, rows, identity, load_before)


def write_results_json(path, argv, args, impls, rows, identity, load_before):
    """The run as a results file (kind ``evaluation_speed``) for render_docs.py."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from render_docs import record_run
    record_run(
        path, 'evaluation_speed', 'tools/analysis/benchmark_metrics.py', argv, load_before,
        split=dict(fit_frames=args.fit_frames, fit_videos=args.fit_videos,
                   eval_frames=args.eval_frames, eval_videos=args.eval_videos, dim=args.dim,
                   classes=args.classes, seed=args.seed, separation=args.separation),
        blas_threads=args.blas_threads, implementations=impls,
        rows=[{k: v for k, v in r.items() if k != 'predictions'} for r in rows],
        identity=identity)


def _without_option(argv, option):
    """argv without ``option`` and its values (``--opt a b`` or ``--opt=a``)."""
    out, skipping = [], False
    for arg in argv:
        if arg == option:
            skipping = True
        elif arg.startswith(option + '='):
            continue
        elif skipping and arg.startswith('--'):
            skipping = False
            out.append(arg)
        elif not skipping:
            out.append(arg)
    return out


if __name__ == '__main__':
    main()
