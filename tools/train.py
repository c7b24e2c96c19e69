"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Distributed: ``tools/dist_train.sh CONFIG NUM_PROCS`` (torchrun; gloo on CPU, NCCL on GPU)
or ``tools/slurm_train.sh PARTITION JOB CONFIG`` on clusters.
"""
import argparse

from mmengine.config import Config, DictAction

from byov.datasets.config_utils import TRAIN_LOADER_KEYS, check_data_available, setup_data
from byov.engine.runner import build_runner
from byov.utils import setup_tool_process
from byov.utils.launch import (add_launch_arguments, exit_on_input_errors,
                               finish_distributed, parse_launch_args,
                               setup_amp, setup_auto_scale_lr, setup_distributed,
                               setup_model_wrapper, setup_pin_memory, setup_resume,
                               setup_threads, setup_work_dir)
from byov.visualization.visualizer import VIS_BACKEND_TYPES, add_vis_backends


def parse_args():
    parser = argparse.ArgumentParser(description='Train a byov model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and results')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or with no value from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (GPU only; ignored on CPU)')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the total batch size (processes x batch per '
        'process) over the config\'s auto_scale_lr.base_batch_size')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--diff-rank-seed', action='store_true',
                        help='a different seed on each rank')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic options for CUDNN and torch')
    parser.add_argument(
        '--vis-backend', nargs='+', default=[], choices=sorted(VIS_BACKEND_TYPES),
        help='also log losses, metrics and figures to these experiment trackers '
        '(added to the config\'s visualizer.vis_backends; TensorBoard needs '
        'pip install -e ".[tensorboard]", W&B pip install wandb, MLflow pip install mlflow)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2 '
        'optim_wrapper.optimizer.lr=1e-4 (applied last)')
    add_launch_arguments(parser)
    return parse_launch_args(parser)


def merge_args(cfg, args):
    setup_work_dir(cfg, args.config, args.work_dir)
    setup_distributed(cfg, args.launcher)
    setup_pin_memory(cfg)
    if args.amp:
        setup_amp(cfg)
    setup_resume(cfg, args.resume)
    randomness = dict(cfg.get('randomness') or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    if getattr(args, 'vis_backend', None):  # before --cfg-options, which may change them
        add_vis_backends(cfg, args.vis_backend)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.auto_scale_lr:
        setup_auto_scale_lr(cfg)
    setup_model_wrapper(cfg, args.launcher)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    setup_data(cfg, args.data_root, args.cache_dir, used=TRAIN_LOADER_KEYS)
    return cfg


def main():
    args = parse_args()
    setup_tool_process()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_available(cfg, TRAIN_LOADER_KEYS)  # before the (slow) model build
    threads = setup_threads(cfg)
    # weights-only, key-checked loading; --brief-console: the set-up report in the log only
    runner = build_runner(cfg, args.brief_console)  # the config's runner_type
    runner.logger.info(threads)
    if runner.distributed:
        # every rank says it is there (mmengine's logger speaks on rank 0 only)
        print(f'[byov] rank {runner.rank} of {runner.world_size} ready '
              f'(backend {cfg.env_cfg.dist_cfg.backend})', flush=True)
    runner.train()
    finish_distributed()  # every rank ends together, exits 0 here


if __name__ == '__main__':
    with exit_on_input_errors('tools/train.py'):
        main()
