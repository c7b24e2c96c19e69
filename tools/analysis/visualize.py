"""Draw the ego-exo figures from a work dir with saved embeddings.

The figures: a 2-D projection of the eval split's frame embeddings (phase colours, view
markers), the alignment of an ego and an exo video (distance matrix, nearest-neighbour
path, phase bars), cross-view retrieval examples (needs the frames) and predicted vs
true phase progression. ``tools/test.py`` leaves the embeddings in
``<work_dir>/embeddings/``.

    # one model
    python tools/analysis/visualize.py work_dirs/demo/BYOV_trained
    # untrained vs trained, side by side (projection and alignment)
    python tools/analysis/visualize.py work_dirs/demo/BYOV_trained \\
        --compare work_dirs/demo/BYOV_untrained --out-dir docs/figures

Frames for the retrieval figure are read through the dataset's frame cache; the dataset
comes from ``--config`` or, by default, from the config recorded in the work dir's
``results.json``; ``--data-root`` / ``--cache-dir`` point it elsewhere.
"""
import argparse
import json
import os.path as osp
import sys

from byov.visualization import FIGURES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('work_dir', help='work dir (or embeddings folder) of the model')
    parser.add_argument('--compare', metavar='WORK_DIR',
                        help='another model\'s work dir on the same split (e.g. the untrained '
                        'encoder: tools/test.py CONFIG none), drawn beside it')
    parser.add_argument('--compare-name', default='untrained', help='its panel title')
    parser.add_argument('--model-name', default='trained', help="the model's panel title")
    parser.add_argument('--split', default='test', help='eval split (default: %(default)s)')
    parser.add_argument('--fit-split', default='train',
                        help='fit split, for the progression regressors (default: %(default)s)')
    parser.add_argument('--out-dir', help='where to write the PNGs '
                        '(default: WORK_DIR/figures/SPLIT)')
    parser.add_argument('--prefix', default='', help='prefix of the PNG file names')
    parser.add_argument('--palette', action='store_true',
                        help='256-colour PNGs, 2-4 times smaller (e.g. for docs/figures)')
    parser.add_argument('--figures', nargs='+', choices=FIGURES, default=list(FIGURES))
    parser.add_argument('--projection', choices=['pca', 'tsne'], default='pca')
    parser.add_argument('--max-points', type=int, default=2000,
                        help='frames per projection panel at most (default: %(default)s)')
    parser.add_argument('--config', help='config whose test_dataloader names the dataset '
                        '(default: the config recorded in WORK_DIR/results.json)')
    parser.add_argument('--data-root', help='dataset folder (overrides the config)')
    parser.add_argument('--cache-dir', help='frame cache folder (overrides the config)')
    parser.add_argument('--phase-names', nargs='+', help='names of phases 0, 1, ...')
    parser.add_argument('--ego-video', help='ego video of the alignment figure')
    parser.add_argument('--exo-video', help='exo video of the alignment figure')
    parser.add_argument('--num-queries', type=int, default=4, help='retrieval rows')
    parser.add_argument('--k', type=int, default=5, help='neighbours per retrieval row')
    parser.add_argument('--num-videos', type=int, default=4, help='progression videos')
    parser.add_argument('--append-time', choices=['auto', 'yes', 'no'], default='auto',
                        help='append frame index x 1e-3 to the progression features (auto: '
                        'figure_options recorded in results.json, the reference for '
                        'pour_liquid)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def recorded_results(work_dir: str, split: str) -> dict:
    """The results file the test (or val) loop wrote in ``work_dir``, or {}."""
    names = ['results.json', 'val_results.json']
    if split == 'val':
        names.reverse()
    for name in names:
        path = osp.join(work_dir, name)
        if osp.isfile(path):
            with open(path) as f:
                return json.load(f)
    return {}


def dataset_cfg(args, results: dict):
    """The eval split's dataset config, from --config or the recorded config; None if
    neither is available."""
    from mmengine.config import Config
    if args.config:
        cfg = Config.fromfile(args.config)
    elif results.get('config_text'):
        cfg = Config.fromstring(results['config_text'], '.py')
    else:
        return None
    from byov.datasets.config_utils import setup_data
    setup_data(cfg, check_roots=False)  # reads the eval split's loader only
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader')
    if not loader:
        return None
    dataset = dict(loader['dataset'])
    dataset['split'] = args.split
    return dataset


def main(argv=None):
    args = parse_args(argv)
    from byov.utils import register_all_modules
    from byov.visualization import (VideoFrames, draw_figures, find_phase_names,
                                    load_embeddings, save_figures)
    register_all_modules()

    eval_set = load_embeddings(args.work_dir, args.split)
    fit_set = None
    if 'progression' in args.figures:
        try:
            fit_set = load_embeddings(args.work_dir, args.fit_split)
        except FileNotFoundError as err:
            print(f'progression figure skipped: {err}', file=sys.stderr)
    compare = {}
    if args.compare:
        compare[args.compare_name] = load_embeddings(args.compare, args.split)

    results = recorded_results(args.work_dir, args.split)
    dataset = dataset_cfg(args, results)
    data_root = args.data_root or (dataset or {}).get('data_root')
    frames = None
    if 'retrieval' in args.figures:
        if dataset is None:
            print('retrieval figure skipped: no dataset config (pass --config CONFIG)',
                  file=sys.stderr)
        else:
            frames = VideoFrames.from_dataset_cfg(dataset, args.data_root, args.cache_dir)
    if args.append_time == 'auto':  # as the metrics of the recorded run had it
        options = results.get('figure_options')
        if options is None:  # results files written before figure_options
            options = results.get('protocol', {}).get('PhaseProgressionMetric', {})
        append_time = bool(options.get('append_time', False))
    else:
        append_time = args.append_time == 'yes'

    figs = draw_figures(
        eval_set, fit_set, compare=compare, frames=frames, figures=args.figures,
        model_name=args.model_name, names=args.phase_names or find_phase_names(data_root),
        projection=args.projection, max_points=args.max_points, ego_video=args.ego_video,
        exo_video=args.exo_video, num_queries=args.num_queries, k=args.k,
        num_videos=args.num_videos, append_time=append_time, seed=args.seed)
    out_dir = args.out_dir or osp.join(args.work_dir, 'figures', args.split)
    for name, path in save_figures(figs, out_dir, args.prefix, args.palette).items():
        print(f'{name:12s} {path}')


if __name__ == '__main__':
    main()
