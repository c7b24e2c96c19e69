"""Evaluate a checkpoint on the test split: ``python tools/test.py CONFIG CHECKPOINT``.

Embeds the fit split (train) and the eval split (test) video by video, runs the
metrics in the config's ``test_evaluator`` (the four ego-exo tasks), prints one table and
writes ``results.json`` and the embeddings into the work dir. ``CHECKPOINT`` may be
``none`` for models without trained weights (the time-only and frozen-feature baselines,
or an untrained encoder).
Distributed: ``tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS``.
"""
import argparse
import os
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from byov.engine.runner import BriefConsoleRunner
from byov.utils import register_all_modules
from byov.utils.launch import (setup_distributed, setup_model_wrapper, setup_pin_memory,
                               setup_threads, setup_work_dir)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a byov model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for no weights")
    parser.add_argument('--work-dir', help='the dir to save embeddings and results')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. test_cfg.crop_fraction=0.5 (applied last)')
    parser.add_argument(
        '--temporal-crop', type=float, default=None, metavar='FRACTION',
        help='evaluate on a seeded random window of FRACTION of each eval video (a check '
        'beyond the reference protocol against time leakage; not comparable with papers)')
    parser.add_argument('--crop-seed', type=int, default=0, help='seed of --temporal-crop')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--brief-console', action='store_true',
        help='log the environment, config and hook order to the log file only, not to '
        'the console')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    # a user's plugin modules (custom_imports) are found from the working directory
    sys.path.insert(0, os.getcwd())
    return args


def merge_args(cfg, args):
    setup_work_dir(cfg, args.config, args.work_dir)
    setup_distributed(cfg, args.launcher)
    setup_pin_memory(cfg)
    if args.checkpoint.lower() == 'none':
        cfg.load_from = None
    else:
        if not os.path.isfile(args.checkpoint):
            raise FileNotFoundError(
                f'Checkpoint {args.checkpoint} does not exist (pass `none` to evaluate '
                'a model without trained weights).')
        cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_model_wrapper(cfg, args.launcher)
    if args.temporal_crop is not None:
        add_temporal_crop(cfg, args.temporal_crop, args.crop_seed)
    # Testing builds no training or validation parts (baseline configs have no
    # schedule, and mmengine wants all or none of them).
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                'val_dataloader', 'val_cfg', 'val_evaluator'):
        cfg[key] = None
    return cfg


def add_temporal_crop(cfg, fraction, seed):
    """Insert RandomTemporalCrop after the loading step of the eval split's pipeline
    (the fit split stays whole) and note it in the results."""
    pipeline = list(cfg.test_dataloader.dataset.pipeline)
    load = [i for i, t in enumerate(pipeline) if str(t['type']).startswith('Load')]
    if not load:
        raise ValueError('--temporal-crop: the test pipeline has no Load* step to crop after.')
    pipeline.insert(load[0] + 1, dict(type='RandomTemporalCrop', fraction=fraction, seed=seed))
    cfg.test_dataloader.dataset.pipeline = pipeline
    cfg.eval_temporal_crop = dict(fraction=fraction, seed=seed)


def main():
    args = parse_args()
    register_all_modules()
    cfg = merge_args(Config.fromfile(args.config), args)
    threads = setup_threads(cfg)  # after merge_args dropped the training loaders
    runner = (BriefConsoleRunner if args.brief_console else Runner).from_cfg(cfg)
    runner.logger.info(threads)
    runner.test()


if __name__ == '__main__':
    main()
