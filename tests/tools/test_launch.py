"""The set-up that tools/train.py and tools/test.py share (byov/utils/launch.py): thread
choice, --auto-scale-lr, the DDP wrapper's arguments."""
import importlib.util
import inspect
import itertools
import os
import os.path as osp
import warnings

import pytest
import torch
from mmengine.config import Config
from torch.nn.parallel import DistributedDataParallel

from byov.utils.launch import (AUTO_THREADS_ENV, choose_num_threads, max_loader_workers,
                               setup_auto_scale_lr, setup_model_wrapper, setup_threads)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(name):
    spec = importlib.util.spec_from_file_location(f'tool_{name}',
                                                  osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- threads
def test_two_cores_with_two_workers_get_one_thread():
    # the CPU demo's case: 2 loader workers on 2 cores; 2 threads made it ~10x slower
    assert choose_num_threads(2, 2, torch_default=2, env={})[0] == 1


def test_many_cores_keep_torchs_default_when_the_workers_fit_beside_it():
    # 64 logical cores, torch's default 32 (physical), 4 workers: nothing to take away
    assert choose_num_threads(64, 4, torch_default=32, env={})[0] == 32
    # 16 cores and 16 default threads, 2 workers: 14 threads + 2 workers = 16 cores
    assert choose_num_threads(16, 2, torch_default=16, env={})[0] == 14


def test_no_workers_leave_torchs_default():
    for cores in (1, 2, 8, 64):
        assert choose_num_threads(cores, 0, torch_default=cores, env={})[0] == cores


def test_policy_properties_over_a_grid():
    """At least one thread; never more than torch's default; the threads of each process
    and its workers never outnumber its share of the cores (when the workers alone do
    not already); and the cores are used as far as torch's default allows."""
    grid = itertools.product(range(1, 33), range(0, 9), (None, 1, 2, 8, 32), (1, 2, 4))
    for cores, workers, default, procs in grid:
        threads, _ = choose_num_threads(cores, workers, default, {}, procs_per_node=procs)
        share = max(1, cores // procs)
        assert threads >= 1
        assert threads <= (default if default is not None else share)
        if workers < share:
            assert threads + workers <= share
            assert threads + workers == share or threads == default


def test_the_users_setting_wins():
    env = {'OMP_NUM_THREADS': '3'}
    assert choose_num_threads(2, 2, 2, env) == (3, 'OMP_NUM_THREADS')
    assert choose_num_threads(2, 2, 2, {'OMP_NUM_THREADS': '4,2'})[0] == 4  # nested levels
    # the config's env_cfg.num_threads wins over the environment
    assert choose_num_threads(2, 2, 2, env, requested=5) == (5, 'env_cfg.num_threads')
    # set by tools/dist_*.sh, not by the user: the policy chooses
    auto = {'OMP_NUM_THREADS': '1', AUTO_THREADS_ENV: '1'}
    assert choose_num_threads(16, 2, None, auto, procs_per_node=2)[0] == 6
    assert choose_num_threads(16, 2, 8, {'OMP_NUM_THREADS': ''})[0] == 8  # empty = unset


@pytest.mark.parametrize('omp', ['x', '0', '-2'])
def test_a_bad_omp_num_threads_is_named(omp):
    with pytest.raises(ValueError, match='OMP_NUM_THREADS'):
        choose_num_threads(2, 2, 2, {'OMP_NUM_THREADS': omp})


@pytest.mark.parametrize('requested', [0, -1, 1.5, '2', True])
def test_a_bad_num_threads_is_named(requested):
    with pytest.raises(ValueError, match='env_cfg.num_threads'):
        choose_num_threads(2, 2, 2, {}, requested=requested)


def test_max_loader_workers_reads_every_loader():
    cfg = Config(dict(train_dataloader=dict(num_workers=2), test_dataloader=dict(num_workers=5),
                      val_dataloader=None, test_cfg=dict(fit_dataloader=dict(num_workers=7))))
    assert max_loader_workers(cfg) == 7
    cfg.test_cfg = None
    assert max_loader_workers(cfg) == 5
    assert max_loader_workers(Config(dict(train_dataloader=None))) == 0
    # a top-level template that no runner part reads (the dataset bases' fit_dataloader)
    cfg = Config(dict(fit_dataloader=dict(num_workers=2), train_dataloader=dict(num_workers=0)))
    assert max_loader_workers(cfg) == 0


@pytest.fixture
def restore_threads(monkeypatch):
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', AUTO_THREADS_ENV):
        monkeypatch.delenv(name, raising=False)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_setup_threads_sets_torch_and_the_environment(restore_threads, monkeypatch):
    monkeypatch.setattr('byov.utils.launch.available_cores', lambda: 3)
    cfg = Config(dict(train_dataloader=dict(num_workers=2), env_cfg=dict(num_threads=None)))
    line = setup_threads(cfg)
    assert torch.get_num_threads() == 1 and 'Intra-op threads: 1' in line
    # children (and mmengine's distributed set-up) see the choice, not an unset variable
    assert os.environ['OMP_NUM_THREADS'] == '1' and os.environ['MKL_NUM_THREADS'] == '1'

    cfg.env_cfg.num_threads = 2
    assert 'Intra-op threads: 2 (env_cfg.num_threads' in setup_threads(cfg)
    assert torch.get_num_threads() == 2


def test_setup_threads_leaves_the_users_variable(restore_threads, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    setup_threads(Config(dict(train_dataloader=dict(num_workers=2))))
    assert torch.get_num_threads() == 2 and os.environ['OMP_NUM_THREADS'] == '2'
    assert 'MKL_NUM_THREADS' not in os.environ


# ---------------------------------------------------------------- --auto-scale-lr
def test_auto_scale_lr_switches_mmengines_scaling_on():
    cfg = Config(dict(auto_scale_lr=dict(enable=False, base_batch_size=2)))
    setup_auto_scale_lr(cfg)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=2)


@pytest.mark.parametrize('scale', [None, dict(enable=False), dict(base_batch_size=0)])
def test_auto_scale_lr_without_a_base_batch_size_says_what_to_add(scale):
    cfg = Config(dict(auto_scale_lr=scale) if scale is not None else {})
    with pytest.raises(ValueError, match='auto_scale_lr.base_batch_size'):
        setup_auto_scale_lr(cfg)


def test_train_py_scales_the_lr_by_total_batch_over_base(tmp_path):
    """tools/train.py --auto-scale-lr on the demo config (batch 4, lr 1e-4) with
    base_batch_size=1: mmengine's optimizer gets 4e-4, one process."""
    import argparse

    from mmengine.runner import Runner

    from byov.utils import register_all_modules
    merge_args = load_tool('train').merge_args
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, 'configs/byov/byov_tiny_synthetic_demo.py'))
    args = argparse.Namespace(
        config='demo.py', work_dir=str(tmp_path), launcher='none', amp=False, resume=None,
        seed=0, diff_rank_seed=False, deterministic=False, no_validate=True,
        auto_scale_lr=True, cfg_options={'auto_scale_lr.base_batch_size': 1},
        data_root=None, cache_dir=None, brief_console=False)
    cfg = merge_args(cfg, args)
    base_lr = cfg.optim_wrapper.optimizer.lr
    assert cfg.train_dataloader.batch_size == 4
    runner = Runner(model=torch.nn.Linear(2, 2), work_dir=str(tmp_path),
                    experiment_name=f'scale_lr_{os.getpid()}', default_scope='byov')
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    runner._train_dataloader = cfg.train_dataloader
    runner.scale_lr(optim_wrapper, cfg.auto_scale_lr)
    assert optim_wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(4 * base_lr)


# ---------------------------------------------------------------- DDP wrapper
def test_ddp_wrapper_gets_the_buffer_argument_torch_knows():
    cfg = Config(dict())
    setup_model_wrapper(cfg, 'none')
    assert 'model_wrapper_cfg' not in cfg  # not distributed: untouched
    setup_model_wrapper(cfg, 'pytorch')
    params = inspect.signature(DistributedDataParallel.__init__).parameters
    expected = 'forward_sync_buffers' if 'forward_sync_buffers' in params else 'broadcast_buffers'
    assert cfg.model_wrapper_cfg[expected] is False
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    # a user's own choice stays
    cfg = Config(dict(model_wrapper_cfg=dict(broadcast_buffers=True)))
    setup_model_wrapper(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel',
                                         broadcast_buffers=True, find_unused_parameters=False)


def test_ddp_wrapper_builds_without_a_deprecation_warning(tmp_path):
    """One gloo process: the wrapper the tools configure starts without torch's
    'broadcast_buffers is deprecated' warning."""
    import torch.distributed as dist
    from mmengine.model import BaseModel
    from mmengine.registry import MODEL_WRAPPERS

    class Tiny(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)
            self.register_buffer('table', torch.ones(2))

        def forward(self, x, mode='tensor'):
            return self.fc(x) + self.table

    cfg = Config(dict())
    setup_model_wrapper(cfg, 'pytorch')
    wrapper = dict(cfg.model_wrapper_cfg, device_ids=None)
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store', rank=0,
                            world_size=1)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            model = MODEL_WRAPPERS.build(wrapper, default_args=dict(module=Tiny()))
        assert not [w for w in caught if 'broadcast_buffers' in str(w.message)]
        assert model(torch.ones(1, 2)).shape == (1, 2)
    finally:
        dist.destroy_process_group()


def test_resume_auto_warns_when_the_work_dir_has_no_checkpoint(tmp_path):
    from byov.utils.errors import CheckpointNotFoundError
    from byov.utils.launch import setup_resume
    cfg = Config(dict(work_dir=str(tmp_path)))
    with pytest.warns(UserWarning, match='holds no checkpoint to resume from'):
        setup_resume(cfg, 'auto')
    assert cfg.resume is True and cfg.load_from is None
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        setup_resume(cfg, 'auto')  # a checkpoint to resume from: no warning
    with pytest.raises(CheckpointNotFoundError, match='--resume nope.pth: no such'):
        setup_resume(cfg, 'nope.pth')
