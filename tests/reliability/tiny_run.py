"""A tiny BYOV config and helpers to run it, shared by the reliability tests.

The config is the shipped CPU demo (configs/byov/byov_tiny_synthetic_demo.py) with the
data paths pointed at the session's tiny synthetic benchmark and the model shrunk
(width 32, one block, 8-frame clips, 32x32 frames): a training step takes milliseconds.
Every run uses one intra-op thread (``OMP_NUM_THREADS=1``; on two shared cores OpenMP's
spinning threads make a step ~50x slower) and the same thread count in and out of
process, so results can be compared bit for bit.
"""
import contextlib
import copy
import importlib
import itertools
import os
import os.path as osp
import socket
import subprocess
import sys

import torch
from mmengine.config import Config

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
DEMO_CONFIG = osp.join(ROOT, 'configs', 'byov', 'byov_tiny_synthetic_demo.py')
_run_ids = itertools.count()


def _loaders(cfg):
    loaders = [cfg.get(k) for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    loaders += [(cfg.get(k) or {}).get('fit_dataloader') for k in ('val_cfg', 'test_cfg')]
    return [loader for loader in loaders if loader]


def tiny_config(data_root: str, cache_dir: str, work_dir: str, max_epochs: int = 3,
                num_workers: int = 0, validate: bool = False, frame_size: int = 32,
                plugins: bool = False) -> Config:
    """The demo config, shrunk. ``plugins`` imports tests/reliability/fault_plugins.py."""
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = work_dir
    for loader in _loaders(cfg):
        loader.dataset.update(data_root=data_root, cache_dir=cache_dir, frame_size=frame_size,
                              serialize_data=False)  # (its gc.collect() costs ~1 s here)
        loader.num_workers = num_workers
        loader.persistent_workers = num_workers > 0 and 'persistent_workers' in loader
    D = 32
    cfg.model.data_preprocessor.size = frame_size
    cfg.model.stem.frame_encoder.update(embed_dims=D, patch_size=8, input_size=frame_size)
    for part in ('backbone', 'decoder'):
        cfg.model[part].update(in_channels=D, embed_dims=D, num_layers=1, num_heads=2)
    cfg.model.num_frames = 8
    cfg.model.decoder.out_channels = D
    cfg.train_dataloader.dataset.pipeline[0].num_frames = 8
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=1)
    cfg.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=-1, save_last=True,
                                        save_best=None)
    cfg.default_hooks.logger.interval = 1
    if not validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if plugins:
        cfg.custom_imports = dict(imports=['fault_plugins'], allow_failed_imports=False)
    return cfg


def write_config(cfg: Config, path: str) -> str:
    cfg.dump(path)
    return path


def tool_env(**extra) -> dict:
    return dict(os.environ, BYOV_NO_PROGRESS='1', OMP_NUM_THREADS='1',
                PYTHONPATH=os.pathsep.join([ROOT, HERE]),
                PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH'],
                **extra)


def run_tool(args, timeout=600, check=True, **env):
    """Run ``python tools/X.py ...`` or ``bash tools/X.sh ...`` from the repository root."""
    cmd = list(args)
    cmd = ([sys.executable] if cmd[0].endswith('.py') else ['bash']) + cmd
    proc = subprocess.run(cmd, cwd=ROOT, env=tool_env(**env), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} exited {proc.returncode}:\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def single_thread_deterministic():
    """One intra-op thread (as the tools get through OMP_NUM_THREADS=1) and, afterwards,
    the global torch settings a deterministic Runner changes put back."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def build_runner(cfg: Config, seed: int = 0, **changes):
    """A Runner in this process, as ``tools/train.py --seed S --deterministic`` builds it
    (byov's runner; plus ``changes`` to the config)."""
    from byov.engine.runner import ByovRunner
    from byov.utils import register_all_modules
    for module in (cfg.get('custom_imports') or {}).get('imports', []):
        importlib.import_module(module)
    register_all_modules()
    from byov.utils.launch import setup_pin_memory
    cfg = copy.deepcopy(cfg)
    setup_pin_memory(cfg)  # as the tools: no pinned memory (and its warning) without CUDA
    cfg.randomness = dict(seed=seed, deterministic=True)
    cfg.experiment_name = f'reliability_{os.getpid()}_{next(_run_ids)}'
    if changes:
        cfg.merge_from_dict(changes)
    return ByovRunner.from_cfg(cfg)


def stop_workers(*runners):
    """Stop the persistent data-loader workers of in-process runners now. Left to the
    garbage collector, their shutdown waits out a 5 s join per worker here, which would
    land in whichever test runs next."""
    for runner in runners:
        loop = getattr(runner, '_train_loop', None)
        iterator = getattr(getattr(loop, 'dataloader', None), '_iterator', None)
        for worker in getattr(iterator, '_workers', []):
            worker.terminate()
        if iterator is not None:
            iterator._shutdown_workers()
            loop.dataloader._iterator = None
