"""Decode every video of a config's datasets into the frame cache, once.

    python tools/data/build_frame_cache.py CONFIG [--splits train val]
        [--data-root DIR] [--cache-dir DIR] [--cfg-options ...]

Reads each ``*_dataloader.dataset`` of the config (data_root, split, layout, cache_dir,
frame_size), decodes the videos that are not cached yet and checks every decoded frame
count against label.pickle. Safe to run on several machines or ranks at once.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from byov.datasets.ae2 import LABEL_FILE
from byov.datasets.base import resolve_labels
from byov.datasets.config_utils import (build_dataset_lazily, iter_dataset_configs,
                                        setup_data)
from byov.utils.progress import progress_bar


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (a leaf or a configs/_base_/datasets file)')
    parser.add_argument('--splits', nargs='+', help='only these splits (default: all)')
    parser.add_argument('--data-root', help='use this data_root for every dataset')
    parser.add_argument('--cache-dir', help='use this cache_dir for every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'train_dataloader.dataset.frame_size=112')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, args.cache_dir)
    for key, dataset_cfg in iter_dataset_configs(cfg):
        if args.splits and dataset_cfg.get('split') not in args.splits:
            continue
        dataset = build_dataset_lazily(dataset_cfg)
        cache, frames, nbytes = dataset.frame_cache, 0, 0
        label_file = osp.join(dataset.data_root, LABEL_FILE)
        for rec in progress_bar(dataset.records, desc=f'{dataset.split} ({key})', unit='video'):
            decoded = cache.num_frames(rec.path, rec.view)
            frames += len(resolve_labels(rec, decoded, dataset.label_length_mismatch,
                                         label_file))
            nbytes += os.path.getsize(cache.path_for(rec.path, rec.view))
        h, w = cache.frame_size
        print(f'{dataset.data_root} {dataset.split}: {len(dataset.records)} videos, '
              f'{frames} frames at {h}x{w} in {cache.cache_dir} ({nbytes / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
