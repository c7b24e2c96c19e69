"""Decode every video of a config's datasets into the frame cache, once.

    python tools/data/build_frame_cache.py CONFIG [--splits train val]
        [--data-root DIR] [--cache-dir DIR] [--cfg-options ...]

Reads each ``*_dataloader.dataset`` of the config (data_root, split, layout, cache_dir,
frame_size), decodes the videos that are not cached yet and checks every decoded frame
count against label.pickle. Safe to run on several machines or ranks at once.
"""
import argparse
import os

from mmengine.config import Config, DictAction

from byov.datasets.config_utils import build_dataset, iter_dataset_configs, setup_data


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
    for _, dataset_cfg in iter_dataset_configs(cfg):
        if args.splits and dataset_cfg.get('split') not in args.splits:
            continue
        dataset_cfg = {k: v for k, v in dataset_cfg.items() if k != 'feature_cache'}
        dataset = build_dataset(dataset_cfg)  # decodes; every damaged file in one error
        cache = dataset.frame_cache
        infos = dataset.video_infos
        frames = sum(i['num_frames'] for i in infos)
        nbytes = sum(os.path.getsize(cache.path_for(i['video_path'], i['view']))
                     for i in infos)
        h, w = cache.frame_size
        print(f'{dataset.data_root} {dataset.split}: {len(dataset.records)} videos, '
              f'{frames} frames at {h}x{w} in {cache.cache_dir} ({nbytes / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
