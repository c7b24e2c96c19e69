"""Turn command-line options into the config that mmengine's Runner expects.

Shared by ``tools/train.py`` and ``tools/test.py`` so both read the same way.
"""
import argparse
import contextlib
import difflib
import glob
import inspect
import os
import os.path as osp
import sys
import warnings
from typing import Mapping, Optional, Tuple

import torch
import torch.distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

from .errors import CheckpointNotFoundError, ConfigFileNotFoundError, UserInputError

#: Set to 1 by tools/dist_*.sh when they, not the user, set OMP_NUM_THREADS (which keeps
#: torchrun from overriding it with a warning); the thread policy then still chooses.
AUTO_THREADS_ENV = 'BYOV_AUTO_THREADS'


def add_launch_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that ``tools/train.py`` and ``tools/test.py`` share: the data
    (``--data-root``, ``--cache-dir``), the launcher and the console."""
    parser.add_argument('--data-root', help='data_root of every loader (train, val, test '
                        'and the fit split of the evaluation)')
    parser.add_argument('--cache-dir', help='frame cache folder of every loader')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--brief-console', action='store_true',
        help='log the environment, config and hook order to the log file only, not to '
        'the console')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def parse_launch_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The command line, with ``LOCAL_RANK`` set for the launcher, the working
    directory first on ``sys.path`` (a user's ``custom_imports`` modules are found) and
    the config file checked (:func:`check_config_file`)."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    sys.path.insert(0, os.getcwd())
    if getattr(args, 'config', None):
        check_config_file(args.config)
    return args


def setup_distributed(cfg, launcher: str) -> None:
    """Set ``cfg.launcher`` and make distributed runs work without GPUs.

    mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps the model
    with ``device_ids=[LOCAL_RANK]``; both fail on CPU-only machines. There we start the
    process group with gloo ourselves (mmengine then skips its own initialisation) and
    wrap the model without device ids. GPU users keep NCCL and mmengine's path.
    """
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher == 'slurm':
        raise RuntimeError(
            'The slurm launcher needs GPUs (mmengine sets a CUDA device per task). On a '
            'CPU-only machine use tools/dist_train.sh (torchrun) instead.')
    if 'RANK' not in os.environ or 'WORLD_SIZE' not in os.environ:
        raise RuntimeError(
            f'--launcher {launcher} expects torchrun to set RANK and WORLD_SIZE; start the '
            'job with tools/dist_train.sh CONFIG NUM_PROCS (or torchrun) instead.')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def setup_model_wrapper(cfg, launcher: str) -> None:
    """Ask DDP not to re-broadcast the buffers at every forward.

    byov's buffers (positional tables, normalisation constants) are the same on every
    rank, so syncing them before each forward only costs time; mmengine passes
    ``broadcast_buffers=False`` for this, which torch 2.13 deprecates (with a warning per
    rank) in favour of ``forward_sync_buffers=False``. This picks the argument the
    installed torch knows, unless the config's ``model_wrapper_cfg`` sets either. Without
    ``device_ids`` DDP uses the device the model is on (mmengine moved it to the local
    rank's GPU); :func:`setup_distributed` sets ``device_ids=None`` on CPUs.
    """
    if launcher == 'none':
        return
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    if wrapper['type'] not in ('MMDistributedDataParallel', DistributedDataParallel):
        return  # another wrapper: its own arguments
    if 'broadcast_buffers' not in wrapper and 'forward_sync_buffers' not in wrapper:
        wrapper[_buffer_sync_argument()] = False
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def _buffer_sync_argument() -> str:
    params = inspect.signature(DistributedDataParallel.__init__).parameters
    return 'forward_sync_buffers' if 'forward_sync_buffers' in params else 'broadcast_buffers'


def available_cores() -> int:
    """The CPU cores this process may run on: its affinity mask where the OS has one
    (``taskset``, cgroup cpusets, slurm's ``--cpus-per-task``), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def max_loader_workers(cfg) -> int:
    """The most data-loader worker processes that one of the runner's loaders starts
    (train, val and test, and the evaluation loops' ``fit_dataloader``; other top-level
    variables of a config, such as a base's ``fit_dataloader`` template, are not loaders).
    """
    loaders = [cfg.get(k) for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    loaders += [(cfg.get(k) or {}).get('fit_dataloader') for k in ('val_cfg', 'test_cfg')]
    return max([int(loader.get('num_workers', 0)) for loader in loaders
                if isinstance(loader, Mapping)] or [0])


def choose_num_threads(cores: int, workers: int, torch_default: Optional[int],
                       env: Mapping[str, str], procs_per_node: int = 1,
                       requested: Optional[int] = None) -> Tuple[int, str]:
    """The intra-op threads of a training or testing process, and why.

    In order: the config's ``env_cfg.num_threads``; else ``OMP_NUM_THREADS`` set by the
    user; else the cores left to this process once its data-loader workers have one
    each, ``cores // procs_per_node - workers``, at least 1 and at most torch's own
    default. Loader workers run one intra-op thread each (PyTorch sets it), so the
    process's threads and its workers then never outnumber its cores: OpenMP threads
    that share a core with a worker spin at every parallel region, which made the CPU
    demo's training steps 10-26x slower on 2 shared cores (docs/performance.md, "Threads").
    With many cores the choice is torch's default or that
    default less the workers, never more threads than torch would start.

    Args:
        cores: the CPU cores available to the job on this machine.
        workers: the most loader workers one loader starts (:func:`max_loader_workers`).
        torch_default: torch's thread count before any change (``None``: unknown, e.g.
            when a launcher set ``OMP_NUM_THREADS``; then ``cores`` bounds it).
        env: the environment (``OMP_NUM_THREADS``, :data:`AUTO_THREADS_ENV`).
        procs_per_node: training processes sharing this machine's cores.
        requested: ``env_cfg.num_threads`` (``None``: not set).

    Returns:
        ``(threads, reason)``; ``reason`` is a phrase for the log.
    """
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
            raise ValueError(f'env_cfg.num_threads must be a positive integer or None '
                             f'(chosen from the cores), got {requested!r}.')
        return requested, 'env_cfg.num_threads'
    omp = env.get('OMP_NUM_THREADS', '').strip()
    if omp and env.get(AUTO_THREADS_ENV) != '1':
        first = omp.split(',')[0].strip()
        if not first.isdigit() or int(first) < 1:
            raise ValueError(f'OMP_NUM_THREADS={omp!r} is not a positive integer; set it '
                             'to one (e.g. OMP_NUM_THREADS=4) or unset it to let byov '
                             'choose from the cores.')
        return int(first), 'OMP_NUM_THREADS'
    per_process = max(1, cores // max(1, procs_per_node))
    limit = per_process if torch_default is None else min(torch_default, per_process)
    threads = max(1, min(limit, per_process - workers))
    procs = f', {procs_per_node} processes' if procs_per_node > 1 else ''
    return threads, f'{cores} cores, {workers} loader workers{procs}'


def setup_threads(cfg, env: Optional[Mapping[str, str]] = None) -> str:
    """Set the main process's intra-op threads by :func:`choose_num_threads` and return
    a line for the log. Loader workers keep PyTorch's one thread each and OpenCV's
    threads follow ``env_cfg.mp_cfg.opencv_num_threads`` (mmengine sets them)."""
    env = os.environ if env is None else env
    # a launcher's OMP_NUM_THREADS=1 also set torch's default: unknown then
    torch_default = None if env.get(AUTO_THREADS_ENV) == '1' else torch.get_num_threads()
    # torchrun's processes share the machine's cores; slurm gives each task its own
    # (--cpus-per-task, seen in the affinity mask)
    procs = int(env.get('LOCAL_WORLD_SIZE', 1)) if cfg.get('launcher', 'none') != 'none' \
        else 1
    threads, reason = choose_num_threads(
        available_cores(), max_loader_workers(cfg), torch_default, env,
        procs_per_node=procs, requested=(cfg.get('env_cfg') or {}).get('num_threads'))
    torch.set_num_threads(threads)
    if reason != 'OMP_NUM_THREADS' and env is os.environ:
        # for processes started from here, and so that mmengine does not set 1 with a
        # warning in distributed runs
        for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            if env.get(AUTO_THREADS_ENV) == '1' or not env.get(name, '').strip():
                env[name] = str(threads)
        env.pop(AUTO_THREADS_ENV, None)
    return (f'Intra-op threads: {threads} ({reason}; set env_cfg.num_threads or '
            'OMP_NUM_THREADS to choose)')


def setup_work_dir(cfg, config_path: str, work_dir=None) -> None:
    """Work dir priority: command line > config > ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def setup_amp(cfg) -> None:
    """Mixed precision through mmengine's ``AmpOptimWrapper`` (byov's
    ``NanGuardAmpOptimWrapper`` for ``NanGuardOptimWrapper``) where a GPU exists.

    On a CPU-only machine ``AmpOptimWrapper`` refuses to start, so ``--amp`` is ignored
    there with a warning instead of breaking the run.
    """
    if not torch.cuda.is_available():
        warnings.warn('--amp was given but no GPU is available; training in float32.')
        return
    optim_wrapper = cfg.optim_wrapper
    amp_of = {'OptimWrapper': 'AmpOptimWrapper',
              'NanGuardOptimWrapper': 'NanGuardAmpOptimWrapper'}
    kind = optim_wrapper.get('type', 'OptimWrapper')
    if kind in amp_of.values():
        return
    if kind not in amp_of:
        raise ValueError(f'--amp only converts {" or ".join(amp_of)}, not {kind}; set '
                         'AmpOptimWrapper (or NanGuardAmpOptimWrapper) in the config.')
    optim_wrapper.type = amp_of[kind]
    optim_wrapper.setdefault('loss_scale', 'dynamic')


def setup_pin_memory(cfg) -> None:
    """Keep the dataloaders' ``pin_memory`` only where a GPU exists.

    The dataset configs ask for pinned memory (faster, asynchronous copies to the GPU);
    without CUDA it does nothing but warn, so it is switched off here, in every
    ``*_dataloader`` and in the fit dataloaders of ``val_cfg`` / ``test_cfg``.
    """
    if torch.cuda.is_available():
        return
    loaders = [cfg.get(k) for k in cfg.keys() if k.endswith('_dataloader')]
    loaders += [(cfg.get(k) or {}).get('fit_dataloader') for k in ('val_cfg', 'test_cfg')]
    for loader in loaders:
        if isinstance(loader, dict) and loader.get('pin_memory'):
            loader['pin_memory'] = False


def setup_resume(cfg, resume) -> None:
    """``--resume`` alone resumes from the latest checkpoint in the work dir (none there:
    training starts from scratch, said in a warning); ``--resume PATH`` from that
    checkpoint (which must exist). Call after the work dir is set."""
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
        if not osp.isfile(osp.join(cfg.work_dir, 'last_checkpoint')):
            warnings.warn(f'--resume: {cfg.work_dir} holds no checkpoint to resume from '
                          '(no last_checkpoint file); training starts from scratch.',
                          stacklevel=2)
    elif resume is not None:
        if not osp.isfile(resume):
            raise CheckpointNotFoundError(f'--resume {resume}: no such checkpoint file.')
        cfg.resume = True
        cfg.load_from = resume


def setup_auto_scale_lr(cfg) -> None:
    """``--auto-scale-lr``: switch on mmengine's linear learning-rate scaling.

    The config's ``auto_scale_lr.base_batch_size`` is the total batch size its learning
    rate was set for (the schedules in ``configs/_base_/schedules`` carry it); mmengine
    then multiplies the lr by (processes x ``train_dataloader.batch_size``) /
    ``base_batch_size`` and logs the factor.
    """
    scale = cfg.get('auto_scale_lr')
    base = (scale or {}).get('base_batch_size')
    if base is None:
        raise ValueError(
            '--auto-scale-lr: the config has no auto_scale_lr.base_batch_size (the total '
            'batch size its learning rate was set for). Add '
            'auto_scale_lr = dict(enable=False, base_batch_size=N) to the config, or pass '
            '--cfg-options auto_scale_lr.base_batch_size=N.')
    if isinstance(base, bool) or not isinstance(base, int) or base < 1:
        raise ValueError(f'--auto-scale-lr: auto_scale_lr.base_batch_size must be a positive '
                         f'integer, got {base!r}.')
    scale = dict(scale)
    scale['enable'] = True
    cfg.auto_scale_lr = scale


def finish_distributed() -> None:
    """End a distributed run: wait for every rank, destroy the process group, and leave
    the process without the interpreter's teardown.

    A rank's work is saved by then (checkpoints, logs, results). What remains is
    interpreter teardown, where objects that still hold the gloo process group (the DDP
    wrapper, mmengine's caches) are destroyed in no set order; under load a rank then
    aborts with "terminate called without an active exception" (exit -6) and torchrun
    reports the whole run as failed. So after the barrier every rank flushes its output
    and logs and exits with status 0 directly. Outside distributed runs nothing happens.
    """
    import logging

    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


#: Set to 1 to see the traceback of the errors :func:`exit_on_input_errors` reports.
TRACEBACK_ENV = 'BYOV_TRACEBACK'


@contextlib.contextmanager
def exit_on_input_errors(tool: str):
    """Report an error in what the user gave (:class:`~byov.utils.errors.UserInputError`:
    a config file or option, a component type, a data root, a damaged dataset, a
    checkpoint) as one message and exit 1, without a traceback: these errors say what is
    wrong and how to fix it. ``BYOV_TRACEBACK=1`` shows the traceback instead."""
    try:
        yield
    except UserInputError as err:
        if os.environ.get(TRACEBACK_ENV) == '1':
            raise
        print(f'{tool}: {type(err).__name__}: {err}\n(set {TRACEBACK_ENV}=1 to see where '
              'it was raised)', file=sys.stderr)
        raise SystemExit(1) from None


def check_config_file(path: str) -> None:
    """Refuse a config path that is not a file, naming the closest config files."""
    if osp.isfile(path):
        return
    root = osp.dirname(path) if osp.isdir(osp.dirname(path) or '.') else 'configs'
    candidates = sorted(glob.glob(osp.join(root or '.', '*.py')))
    if not candidates:
        candidates = sorted(glob.glob(osp.join('configs', '**', '*.py'), recursive=True))
    close = difflib.get_close_matches(path, candidates, n=3, cutoff=0.6)
    hint = f' Closest: {", ".join(close)}.' if close else ''
    what = 'is a folder, not a config file' if osp.isdir(path) else 'does not exist'
    raise ConfigFileNotFoundError(f'Config file {path} {what}.{hint}')


def check_checkpoint_file(path: str) -> None:
    """Refuse a local checkpoint path that is not a file; for a folder (a work dir),
    name the checkpoints it holds."""
    if '://' in path or osp.isfile(path):
        return
    none = '(pass `none` to evaluate a model without trained weights)'
    if osp.isdir(path):
        found = sorted(osp.basename(p) for p in glob.glob(osp.join(path, '*.pth')))
        best = [f for f in found if f.startswith('best_')]
        listed = ', '.join((best + [f for f in found if f not in best])[:4]) or 'none'
        raise CheckpointNotFoundError(
            f'Checkpoint {path} is a folder; pass a checkpoint file in it (*.pth there: '
            f'{listed}; choose on the val split: best_*.pth) {none}.')
    raise CheckpointNotFoundError(f'Checkpoint {path} does not exist {none}.')
