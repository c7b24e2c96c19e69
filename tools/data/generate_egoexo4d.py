"""Write a small Ego-Exo4D root in the official format (metadata, keystep annotations,
keystep benchmark files, Omnivore-shaped features), for trying byov's Ego-Exo4D plugin
without the licensed data, and for scale checks.

Examples::

    python tools/data/generate_egoexo4d.py data/egoexo4d_tiny
    python tools/data/generate_egoexo4d.py /tmp/egoexo4d_damaged --damage all
    python tools/data/generate_egoexo4d.py /tmp/egoexo4d_5000 --num-takes 5000 \\
        --scenarios 4 --exo-cameras 4 --feature-dim 4 --duration 30 400
"""
import argparse
import json
import sys
import time

from byov.datasets.egoexo4d.generate import DAMAGE_KINDS, write_egoexo4d_root


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out_dir', help='root folder to create (refused if it exists, unless '
                                   '--overwrite)')
    p.add_argument('--num-takes', type=int, default=12)
    p.add_argument('--scenarios', type=int, default=2, help='1-4 made-up scenarios')
    p.add_argument('--exo-cameras', type=int, default=2)
    p.add_argument('--feature-dim', type=int, default=1536,
                   help='feature width D (default: the release\'s, Omnivore Swin-L)')
    p.add_argument('--duration', type=float, nargs=2, metavar=('MIN', 'MAX'),
                   default=(12.0, 40.0), help='take durations in seconds')
    p.add_argument('--view-gap', type=float, default=0.5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--damage', nargs='+', default=[], metavar='KIND',
                   help=f'inject faults, one train take each: {", ".join(DAMAGE_KINDS)}, '
                        'or all')
    p.add_argument('--overwrite', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    damage = list(DAMAGE_KINDS) if args.damage == ['all'] else args.damage
    start = time.perf_counter()
    try:
        summary = write_egoexo4d_root(
            args.out_dir, num_takes=args.num_takes, scenarios=args.scenarios,
            exo_cameras=args.exo_cameras, feature_dim=args.feature_dim, seed=args.seed,
            duration_range=tuple(args.duration), view_gap=args.view_gap, damage=damage,
            overwrite=args.overwrite, progress=True)
    except (ValueError, FileExistsError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    summary['seconds'] = round(time.perf_counter() - start, 1)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
