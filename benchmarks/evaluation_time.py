"""Time of each AE2 evaluation task by dataset size, side by side in one run.

    python benchmarks/evaluation_time.py [--scales 0.5 1 2] [--tasks ...] [--dim 256]

Scale 1 is a Break-Eggs-sized evaluation: 12,000 fit (train) frames in 40 videos and
4,000 eval frames in 20 videos, 256-dimensional embeddings, 4 phases. Each task runs in
its own process through tools/analysis/benchmark_metrics.py (same synthetic embeddings,
same code path as the metrics), so its memory is its own. The table gives wall seconds
(and CPU seconds, which a shared machine does not inflate) per task and scale, the total
of the four tasks, and each scale's total as a ratio of scale 1's.
"""
import argparse
import importlib.util
import os
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _benchmark_metrics():
    path = osp.join(ROOT, 'tools', 'analysis', 'benchmark_metrics.py')
    spec = importlib.util.spec_from_file_location('benchmark_metrics', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    bm = _benchmark_metrics()
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scales', type=float, nargs='+', default=[0.5, 1.0, 2.0],
                        help='multiples of a Break-Eggs-sized split')
    parser.add_argument('--tasks', nargs='+', choices=bm.TASKS, default=list(bm.FOUR_TASKS))
    parser.add_argument('--dim', type=int, default=256)
    args = parser.parse_args(argv)
    from prettytable import PrettyTable
    print(f'CPUs available: {len(os.sched_getaffinity(0))}, load average before: '
          f'{os.getloadavg()[0]:.2f}', flush=True)
    results = {}
    for scale in args.scales:
        sizes = dict(fit_frames=int(12000 * scale), eval_frames=int(4000 * scale),
                     fit_videos=max(4, int(40 * scale)), eval_videos=max(4, int(20 * scale)))
        argv = [f'--{k.replace("_", "-")}={v}' for k, v in sizes.items()]
        argv.append(f'--dim={args.dim}')
        for task in args.tasks:
            results[scale, task] = row = bm.run_in_subprocess(task, argv)
            print(f'scale {scale:g} ({sizes["fit_frames"]} fit / {sizes["eval_frames"]} eval '
                  f'frames) {task}: {row["seconds"]:.2f} s wall, {row["cpu"]:.2f} s CPU, '
                  f'peak {row["peak_mb"]:.0f} MB', flush=True)
    columns = [f'x{s:g}: {int(12000 * s)}/{int(4000 * s)} frames' for s in args.scales]
    table = PrettyTable(['task (wall s / CPU s)', *columns])
    table.align = 'r'
    for task in args.tasks:
        table.add_row([task, *(f'{results[s, task]["seconds"]:.2f} / '
                               f'{results[s, task]["cpu"]:.2f}' for s in args.scales)])
    four = [t for t in args.tasks if t in bm.FOUR_TASKS]
    totals = {s: sum(results[s, t]['seconds'] for t in four) for s in args.scales}
    cpu = {s: sum(results[s, t]['cpu'] for t in four) for s in args.scales}
    table.add_row([f'total ({len(four)} tasks)',
                   *(f'{totals[s]:.2f} / {cpu[s]:.2f}' for s in args.scales)])
    if 1.0 in totals:
        table.add_row(['total vs x1 (wall)', *(f'{totals[s] / totals[1.0]:.2f}x'
                                                for s in args.scales)])
    table.add_row(['peak RSS MB', *(f'{max(results[s, t]["peak_mb"] for t in args.tasks):.0f}'
                                    for s in args.scales)])
    print(table)
    print(f'load average after: {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
