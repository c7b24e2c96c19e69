"""Videos, frames and phase histograms per split and view, as a table.

    python tools/analysis/dataset_stats.py CONFIG [--data-root DIR] [--cache-dir DIR]
        [--cfg-options ...]

Frame counts are decoded counts: each split is built as for training (videos not yet in
the frame cache are decoded into it), so a damaged split is refused with every damaged
file named instead of being counted from its labels.
"""
import argparse
from collections import Counter

import numpy as np
from mmengine.config import Config, DictAction
from prettytable import PrettyTable

from byov.datasets.config_utils import build_dataset, iter_dataset_configs, setup_data
from byov.structures import CAMERA_VIEWS

SPLIT_ORDER = {'train': 0, 'val': 1, 'test': 2}


def stats_table(title, infos_by_split):
    """One PrettyTable: a row per split and view (and both views), with the number of
    videos, frames, min/mean/max video length and the frames of each phase."""
    phases = sorted({int(p) for infos in infos_by_split.values() for i in infos
                     for p in np.unique(i['gt_labels'])})
    table = PrettyTable(['split', 'view', 'videos', 'frames', 'length min/mean/max'] +
                        [f'phase {p}' for p in phases])
    table.title = title
    for split in sorted(infos_by_split, key=lambda s: SPLIT_ORDER.get(s, 9)):
        infos = infos_by_split[split]
        for view in CAMERA_VIEWS + ('all',):
            group = [i for i in infos  # by is_ego: an Ego-Exo4D view is its camera
                     if view in ('all', 'ego' if i['is_ego'] else 'exo')]
            if not group:  # e.g. an ego-only dataset
                continue
            lengths = [i['num_frames'] for i in group]
            counts = Counter(np.concatenate([i['gt_labels'] for i in group]).tolist())
            total = sum(lengths)
            table.add_row([split, view, len(group), total,
                           f'{min(lengths)}/{np.mean(lengths):.0f}/{max(lengths)}'] +
                          [f'{counts[p]} ({100 * counts[p] / total:.0f}%)' for p in phases])
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (a leaf or a configs/_base_/datasets file)')
    parser.add_argument('--data-root', help='use this data_root for every dataset')
    parser.add_argument('--cache-dir', help='use this frame cache folder for every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'train_dataloader.dataset.layout=folders')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, args.cache_dir)
    by_root, failures, done = {}, [], set()
    for _, dataset_cfg in iter_dataset_configs(cfg):
        split = (dataset_cfg['data_root'], dataset_cfg.get('split'))
        if split in done:
            continue  # the same split in another loader: same counts
        done.add(split)
        try:
            dataset = build_dataset(dataset_cfg)  # decodes what is not cached yet
        except ValueError as err:  # every damaged file of the split, named
            failures.append(str(err))
            continue
        by_root.setdefault(dataset.data_root, {})[dataset.split] = dataset.video_infos
    if failures:
        raise SystemExit('No statistics over damaged data:\n' + '\n'.join(failures))
    for data_root, infos_by_split in by_root.items():
        print(stats_table(data_root, infos_by_split))


if __name__ == '__main__':
    main()
