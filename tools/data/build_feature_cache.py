"""Compute the frozen frame encoder's outputs once per video frame (the feature cache).

    python tools/data/build_feature_cache.py CONFIG [--splits train val]
        [--data-root DIR] [--cache-dir DIR] [--feature-dir DIR] [--device cuda]
        [--chunk-size 64] [--cfg-options ...]
    torchrun --nproc_per_node=4 tools/data/build_feature_cache.py CONFIG   # sharded

CONFIG is a config that reads the feature cache: the top-level option
``feature_cache = dict(mode='exact' | 'compact')`` (e.g.
configs/byov/byov_tiny_feature-cache_synthetic_demo.py), which ``setup_data`` turns into
``feature_cache=dict(...)`` on each ``*_dataloader.dataset``. The features are computed
with exactly the frame encoder, data preprocessor and (compact mode) token selector
written there (the model's own, unless the option names others), from the frame cache (videos not decoded yet are
decoded first). Resumable: videos already cached are skipped, so an interrupted build
continues where it stopped. Under torchrun every rank computes its share of the videos.
See docs/performance.md.
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.dist import get_dist_info, init_dist, is_main_process

from byov.datasets.ae2 import LABEL_FILE
from byov.datasets.base import resolve_labels
from byov.datasets.config_utils import (build_dataset_lazily, iter_dataset_configs,
                                        setup_data)
from byov.datasets.feature_cache import FeatureCache, FeatureExtractor


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a config whose datasets have feature_cache')
    parser.add_argument('--splits', nargs='+', help='only these splits (default: all)')
    parser.add_argument('--data-root', help='use this data_root for every dataset')
    parser.add_argument('--cache-dir', help='use this frame cache_dir for every dataset')
    parser.add_argument('--feature-dir', help='use this feature_cache.cache_dir')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='where the frame encoder runs (default: cuda if available)')
    parser.add_argument('--chunk-size', type=int, default=64,
                        help='frames per frame-encoder call')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries (applied before the options above)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if int(os.environ.get('WORLD_SIZE', '1')) > 1:  # started by torchrun: shard videos
        init_dist('pytorch', backend='nccl' if torch.cuda.is_available() else 'gloo')
        if torch.cuda.is_available():
            args.device = f'cuda:{torch.cuda.current_device()}'
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, args.cache_dir)
    extractors, found = {}, False
    for key, dataset_cfg in iter_dataset_configs(cfg):
        feature_cfg = dataset_cfg.get('feature_cache')
        if not feature_cfg or (args.splits and dataset_cfg.get('split') not in args.splits):
            continue
        found = True
        feature_cfg = dict(feature_cfg)
        if args.feature_dir:
            feature_cfg['cache_dir'] = args.feature_dir
        dataset_cfg = dict(dataset_cfg)
        dataset_cfg.pop('feature_cache')  # list the split without reading features
        dataset = build_dataset_lazily(dataset_cfg)
        cache = FeatureCache(frame_size=dataset.frame_cache.frame_size, **feature_cfg)
        if cache.key not in extractors:
            parts = {k: feature_cfg.get(k) for k in ('frame_encoder', 'data_preprocessor',
                                                     'token_selector')}
            extractors[cache.key] = FeatureExtractor.from_configs(
                cache.mode, device=args.device, chunk_size=args.chunk_size, **parts)
        stats = cache.build(dataset.records, dataset.frame_cache, extractors[cache.key],
                            desc=f'{dataset.split} ({key}, {cache.mode})')
        if not is_main_process():
            continue
        frames, nbytes = 0, 0
        label_file = osp.join(dataset.data_root, LABEL_FILE)
        for rec in dataset.records:  # every rank's share is written: check them all
            decoded = cache.num_frames(rec.path, rec.view)
            frames += len(resolve_labels(rec, decoded, dataset.label_length_mismatch,
                                         label_file))
            nbytes += osp.getsize(cache.path_for(rec.path, rec.view))
        _, world = get_dist_info()
        print(f'{dataset.data_root} {dataset.split}: {len(dataset.records)} videos, '
              f'{frames} frames, {cache.mode} mode, {nbytes / 2**20:.1f} MiB in {cache.root} '
              f'(computed {stats["computed"]}, already cached {stats["skipped"]}'
              f'{f", rank 0 of {world}" if world > 1 else ""})')
    if not found:
        raise SystemExit(
            f'{args.config} has no dataset with feature_cache (or none of the --splits); '
            "set feature_cache = dict(mode='exact') (or 'compact') at the top of the "
            'config, as configs/byov/byov_tiny_feature-cache_synthetic_demo.py does.')


if __name__ == '__main__':
    main()
