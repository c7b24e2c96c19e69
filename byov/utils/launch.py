"""Turn command-line options into the config that mmengine's Runner expects.

Shared by ``tools/train.py`` and ``tools/test.py`` so both read the same way.
"""
import os
import os.path as osp
import warnings

import torch
import torch.distributed as torch_dist


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
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper


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
    """``--resume`` alone resumes from the latest checkpoint in the work dir;
    ``--resume PATH`` from that checkpoint."""
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume {resume}: no such checkpoint file.')
        cfg.resume = True
        cfg.load_from = resume
