"""Forward + backward time of soft-DTW: anti-diagonal (byov) vs the plain double loop.

    python benchmarks/soft_dtw_speed.py [--frames 32] [--batch 4] [--dims 128]

Both compute the same AE2 loss (``SoftDTWLoss`` cost and soft-min) on random float32
embeddings ``[B, T, E]``. The table gives the median over ``--repeats`` runs (the two
methods alternate, after one warm-up each) and the median of the per-run ratios. The two
are also compared in float64, where they agree to rounding; in float32 the gradient of
the 'prob' soft-min is ill-conditioned, and both differ from the float64 result by up to
about 1e-3 relative. ``--results-json FILE`` writes the run (kind ``soft_dtw_speed``: the
command, the machine's cores and load, every timed run) for
``tools/analysis/render_docs.py`` (``docs/results/soft_dtw_speed.json`` is docs/benchmark.md's).
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import time

import torch
from prettytable import PrettyTable

from byov.models.alignment.soft_dtw import dtw_cost, soft_dtw, soft_dtw_reference


ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=32, help='T, frames per clip')
    parser.add_argument('--batch', type=int, default=4, help='B, pairs per batch')
    parser.add_argument('--dims', type=int, default=128, help='E, embedding width')
    parser.add_argument('--repeats', type=int, default=5, help='timed runs per method')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--results-json', metavar='FILE', default=None,
                        help='also write the run as a results file for the docs')
    return parser.parse_args(argv)


def forward_backward(fn, embeds_a, embeds_b):
    """Loss and gradients of ``0.01 * mean R[N, M]`` computed with ``fn``."""
    embeds_a = embeds_a.detach().requires_grad_()
    embeds_b = embeds_b.detach().requires_grad_()
    loss = 0.01 * fn(dtw_cost(embeds_a, embeds_b, 0.1), 0.1).mean()
    loss.backward()
    return loss.detach(), embeds_a.grad, embeds_b.grad


def timed(fn, embeds_a, embeds_b, device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    forward_backward(fn, embeds_a, embeds_b)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def time_methods(methods, embeds_a, embeds_b, repeats, device):
    """Times of each method, the methods interleaved in every repeat so that a busy
    machine slows all of them alike."""
    for fn in methods:
        forward_backward(fn, embeds_a, embeds_b)  # warm-up
    times = [[] for _ in methods]
    for _ in range(repeats):
        for fn, bucket in zip(methods, times):
            bucket.append(timed(fn, embeds_a, embeds_b, device))
    return times


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    load_before = os.getloadavg()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(0)
    embeds_a = torch.randn(args.batch, args.frames, args.dims, generator=generator).to(device)
    embeds_b = torch.randn(args.batch, args.frames, args.dims, generator=generator).to(device)

    fast = forward_backward(soft_dtw, embeds_a.double(), embeds_b.double())
    slow = forward_backward(soft_dtw_reference, embeds_a.double(), embeds_b.double())
    max_diff = max(((f - s).abs().max() / s.abs().max()).item() for f, s in zip(fast, slow))

    fast_times, slow_times = time_methods([soft_dtw, soft_dtw_reference], embeds_a, embeds_b,
                                          args.repeats, device)
    t_fast, t_slow = statistics.median(fast_times), statistics.median(slow_times)
    ratio = statistics.median(s / f for f, s in zip(fast_times, slow_times))

    table = PrettyTable(['method', 'forward+backward (ms)', 'speed-up'])
    table.align['method'] = 'l'
    table.add_row(['anti-diagonal (soft_dtw)', f'{t_fast * 1e3:.2f}', f'{ratio:.1f}x'])
    table.add_row(['double loop (soft_dtw_reference)', f'{t_slow * 1e3:.2f}', '1.0x'])
    print(f'soft-DTW, T={args.frames}, batch {args.batch}, E={args.dims}, device {device}, '
          f'{torch.get_num_threads()} threads, median of {args.repeats}')
    print(table)
    print(f'float64 agreement, loss and gradients: max |difference| / max |value| = '
          f'{max_diff:.1e}')
    if args.results_json:
        sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
        from render_docs import record_run
        record_run(args.results_json, 'soft_dtw_speed', 'benchmarks/soft_dtw_speed.py', argv,
                   load_before, frames=args.frames, batch=args.batch, dims=args.dims,
                   device=str(device), threads=torch.get_num_threads(),
                   repeats=args.repeats, float64_max_rel_diff=max_diff,
                   seconds=dict(soft_dtw=fast_times, soft_dtw_reference=slow_times))


if __name__ == '__main__':
    main()
