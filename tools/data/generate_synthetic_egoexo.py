"""Generate the synthetic ego-exo benchmark (AE2 layout) into a folder.

Examples::

    python tools/data/generate_synthetic_egoexo.py data/synthetic
    python tools/data/generate_synthetic_egoexo.py data/synthetic_folders --layout folders \\
        --seed 1 --train 30 30 --no-idle --contact-sheet docs/figures/sheet.png
"""
import argparse
import json
import sys
import time

from byov.datasets.synthetic import (SyntheticEgoExoConfig, generate_synthetic_egoexo,
                                     make_contact_sheet, time_only_scores)


def parse_args(argv=None):
    d = SyntheticEgoExoConfig()
    sizes = {s: (a, b) for s, a, b in d.splits}
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out_dir', help='dataset folder to create')
    p.add_argument('--layout', choices=['csv', 'folders'], default=d.layout,
                   help='csv: <out>/{ego,exo}/*.mp4 with {train,val,test}.csv lists '
                        '(break_eggs-like); folders: <out>/{train,val,test}/{ego,exo}/*.mp4 '
                        '(pour_milk-like). Default: %(default)s')
    p.add_argument('--seed', type=int, default=d.seed)
    for split in ('train', 'val', 'test'):
        p.add_argument(f'--{split}', type=int, nargs=2, metavar=('EGO', 'EXO'),
                       default=sizes[split],
                       help=f'number of ego and exo videos in {split} (default: %(default)s)')
    p.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                   help='frame size of both views (default 112 112)')
    p.add_argument('--ego-size', type=int, nargs=2, metavar=('H', 'W'), default=d.ego_size)
    p.add_argument('--exo-size', type=int, nargs=2, metavar=('H', 'W'), default=d.exo_size)
    p.add_argument('--fps', type=float, help='frame rate of both views (default 30)')
    p.add_argument('--ego-fps', type=float, default=d.ego_fps)
    p.add_argument('--exo-fps', type=float, default=d.exo_fps)
    p.add_argument('--min-frames', type=int, default=d.min_frames,
                   help='shortest video at 30 fps (default: %(default)s)')
    p.add_argument('--max-frames', type=int, default=d.max_frames,
                   help='longest video at 30 fps (default: %(default)s)')
    p.add_argument('--no-idle', action='store_true',
                   help='no idle stretches or pauses: the action fills every video')
    p.add_argument('--supersample', type=int, default=d.supersample,
                   help='render this many times larger, then reduce (anti-aliasing)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing synthetic dataset at out_dir')
    p.add_argument('--workers', type=int, default=1,
                   help='processes rendering in parallel (same output for any number)')
    p.add_argument('--contact-sheet', metavar='PNG',
                   help='also save a contact sheet of test videos to this PNG')
    p.add_argument('--report-time-only', action='store_true',
                   help='print the weighted F1 of classifiers given only t/L (time leakage)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = SyntheticEgoExoConfig(
        layout=args.layout, seed=args.seed,
        splits=(('train', *args.train), ('val', *args.val), ('test', *args.test)),
        ego_size=args.size or args.ego_size, exo_size=args.size or args.exo_size,
        ego_fps=args.fps or args.ego_fps, exo_fps=args.fps or args.exo_fps,
        min_frames=args.min_frames, max_frames=args.max_frames, idle=not args.no_idle,
        supersample=args.supersample)
    start = time.perf_counter()
    try:
        meta = generate_synthetic_egoexo(args.out_dir, config, overwrite=args.overwrite,
                                         workers=args.workers, progress=True)
    except FileExistsError as e:
        sys.exit(f'error: {e}')
    frames = sum(v['num_frames'] for v in meta['videos'].values())
    print(f'wrote {len(meta["videos"])} videos ({frames} frames) to {args.out_dir} '
          f'in {time.perf_counter() - start:.1f} s')
    if args.report_time_only:
        scores = time_only_scores(args.out_dir)
        print('weighted F1 from t/L alone (fit train, score test): '
              + json.dumps({k: round(v, 3) for k, v in scores.items()}))
    if args.contact_sheet:
        print(f'contact sheet: {make_contact_sheet(args.out_dir, args.contact_sheet)}')


if __name__ == '__main__':
    main()
