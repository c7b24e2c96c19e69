"""Evaluate a checkpoint on the test split: ``python tools/test.py CONFIG CHECKPOINT``.

Embeds the fit split (train) and the eval split (test) video by video, runs the
metrics in the config's ``test_evaluator`` (the four ego-exo tasks), prints one table and
writes ``results.json`` and the embeddings into the work dir (``--dump FILE.npz``: also
all of it in one file; ``--show-dir DIR``: the figures). ``CHECKPOINT`` may be
``none`` for models without trained weights (the time-only and frozen-feature baselines,
or an untrained encoder), a local file or a URL (``https://``, ``open-mmlab://`` ...).
The checkpoint is loaded weights-only and must fit the model exactly (``--partial-load``
to load only the matching keys); see docs/reliability.md.
Distributed: ``tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS``.
"""
import argparse
import os

from mmengine.config import Config, DictAction

from byov.datasets.config_utils import check_data_available, setup_data
from byov.datasets.transforms.temporal_crop import add_temporal_crop
from byov.engine.runner import build_runner
from byov.utils import setup_tool_process
from byov.utils.launch import (add_launch_arguments, check_checkpoint_file,
                               exit_on_input_errors, finish_distributed, parse_launch_args,
                               setup_distributed, setup_model_wrapper, setup_pin_memory,
                               setup_threads, setup_work_dir)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a byov model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for no weights")
    parser.add_argument('--work-dir', help='the dir to save embeddings and results')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. test_dataloader.batch_size=1 (applied last)')
    parser.add_argument(
        '--temporal-crop', type=float, default=None, metavar='FRACTION',
        help='evaluate on a seeded random window of FRACTION of each eval video (a check '
        'beyond the reference protocol against time leakage; not comparable with papers)')
    parser.add_argument(
        '--partial-load', action='store_true',
        help='load only the checkpoint keys that match the model and log the others '
        '(testing is strict otherwise; recorded in results.json as partial_load)')
    parser.add_argument('--crop-seed', type=int, default=0, help='seed of --temporal-crop')
    parser.add_argument(
        '--dump', metavar='FILE.npz',
        help='also write the embeddings, labels and results of both splits into one .npz '
        'file (read with byov.evaluation.load_dump or numpy.load)')
    parser.add_argument(
        '--show-dir', metavar='DIR',
        help='draw the ego-exo figures (EgoExoVisualizationHook) into DIR/test/')
    add_launch_arguments(parser)
    args = parse_launch_args(parser)
    if args.dump and not args.dump.endswith('.npz'):
        parser.error(f'--dump {args.dump}: the file name must end in .npz (numpy arrays, '
                     'read without pickle; mmaction2\'s .pkl is not written)')
    return args


def merge_args(cfg, args):
    setup_work_dir(cfg, args.config, args.work_dir)
    setup_distributed(cfg, args.launcher)
    setup_pin_memory(cfg)
    if args.checkpoint.lower() == 'none':
        cfg.load_from = None
    else:
        check_checkpoint_file(args.checkpoint)
        cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.partial_load = args.partial_load  # read by ByovRunner when it loads load_from
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_model_wrapper(cfg, args.launcher)
    if args.temporal_crop is not None:
        add_temporal_crop(cfg, args.temporal_crop, args.crop_seed)
    if args.dump:
        cfg.test_cfg.dump_file = args.dump
    if args.show_dir:
        add_show_dir(cfg, args.show_dir)
    # Testing builds no training or validation parts (baseline configs have no
    # schedule, and mmengine wants all or none of them).
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                'val_dataloader', 'val_cfg', 'val_evaluator'):
        cfg[key] = None
    setup_data(cfg, args.data_root, args.cache_dir)
    return cfg


def add_show_dir(cfg, show_dir):
    """Draw the test figures into ``show_dir``: the config's EgoExoVisualizationHook if it
    lists one, otherwise a default one."""
    hooks = list(cfg.get('custom_hooks') or [])
    mine = [h for h in hooks if h.get('type') == 'EgoExoVisualizationHook']
    if not mine:
        mine = [dict(type='EgoExoVisualizationHook')]
        hooks += mine
    for hook in mine:
        hook.update(out_dir=os.path.abspath(show_dir), stages=('test', ))
    cfg.custom_hooks = hooks


def main():
    args = parse_args()
    setup_tool_process()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_available(cfg)  # before the (slow) model build
    threads = setup_threads(cfg)  # after merge_args dropped the training loaders
    # weights-only, key-checked loading; --brief-console: the set-up report in the log only
    runner = build_runner(cfg, args.brief_console)  # the config's runner_type
    runner.logger.info(threads)
    runner.test()
    finish_distributed()  # every rank ends together, exits 0 here


if __name__ == '__main__':
    with exit_on_input_errors('tools/test.py'):
        main()
