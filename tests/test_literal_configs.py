"""Shipped configs are OpenMMLab configs: complete as written, run by mmengine's own
Runner, by mmaction2's tools/train.py (what ``mim train mmaction`` runs) and by byov's
tools alike, with byov's runner wherever ``runner_type`` is honoured.

What each test checks against: the datasets a config builds (listed from data laid out
at the config's own default paths), the files a run writes, and the refusals of configs
that only byov's tools could have completed."""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from byov.datasets.config_utils import (USED_LOADER_KEYS, DataConfigError, check_config,
                                        iter_loaders, setup_data, unfilled_settings)
from byov.datasets.egoexo4d.generate import write_egoexo4d_root
from tests.datasets.ae2_fixtures import SPLITS, make_ae2

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p.split(osp.sep))
DEMO = osp.join(ROOT, 'configs', 'byov', 'byov_tiny_synthetic_demo.py')
BOXES = osp.join(ROOT, 'configs', 'byov', 'byov_box-geometry_synthetic.py')
FEATURES = osp.join(ROOT, 'configs', 'byov', 'byov_tiny_feature-cache_synthetic_demo.py')
EGOEXO4D = osp.join(ROOT, 'configs', 'byov', 'byov_omnivore_egoexo4d-tiny_keystep_demo.py')
# the top-level keys byov's tools copy into every loader: a shipped config has none, so
# that such a key always means "every loader" (docs/own_data.md)
TOP_LEVEL_WORDS = ('data_root', 'layout', 'cache_dir', 'frame_size', 'num_frames',
                   'context_frames', 'feature_cache', 'progression_append_time')
AE2_LAYOUTS = {'break_eggs': 'csv', 'tennis_forehand': 'csv', 'pour_milk': 'folders',
               'pour_liquid': 'folders'}
# one epoch, no loader workers: a shorter run, nothing else changed
SMALL = {'train_cfg.max_epochs': 1, 'train_dataloader.persistent_workers': False,
         **{f'{loader}.num_workers': 0 for loader in (
             'train_dataloader', 'val_dataloader', 'test_dataloader',
             'val_cfg.fit_dataloader', 'test_cfg.fit_dataloader')}}
SMALL_OPTIONS = [f'{k}={v}' for k, v in SMALL.items()]  # the same, on a command line


def _rel(path):
    return osp.relpath(path, ROOT)


@pytest.mark.parametrize('path', CONFIGS, ids=_rel)
def test_config_is_complete_as_written(path):
    cfg = Config.fromfile(path)
    name = osp.splitext(osp.basename(path))[0]
    assert cfg.work_dir == f'./work_dirs/{name}', 'each config writes to its own work dir'
    assert cfg.runner_type == 'byov.ByovRunner'
    assert 'byov.registry' in cfg.custom_imports['imports']
    assert [k for k in TOP_LEVEL_WORDS if k in cfg] == []
    assert unfilled_settings(cfg) == []
    before = cfg.to_dict()
    setup_data(cfg)  # what byov's tools run: it must find nothing to do
    assert cfg.to_dict() == before
    check_config(cfg)


def test_byov_runner_is_registered():
    """The runners in byov's registry are the runners (a logging filter once took the
    registration meant for ByovRunner)."""
    from mmaction.registry import RUNNERS as MMACTION_RUNNERS
    from mmengine.runner import Runner

    from byov.engine.runner import BriefConsoleRunner, ByovRunner
    from byov.registry import RUNNERS
    assert RUNNERS.get('ByovRunner') is ByovRunner
    assert RUNNERS.get('BriefConsoleRunner') is BriefConsoleRunner
    assert all(isinstance(cls, type) and issubclass(cls, Runner)
               for cls in RUNNERS.module_dict.values())
    # mmaction2's tools build a config's runner_type from mmaction2's registry
    assert MMACTION_RUNNERS.get(Config.fromfile(DEMO).runner_type) is ByovRunner


@pytest.fixture(scope='module')
def default_paths(tmp_path_factory, tiny_synthetic):
    """A working directory holding data at every shipped config's default paths: the
    tiny synthetic benchmark at data/synthetic_egoexo, tiny AE2 datasets at data/ae2/."""
    cwd = tmp_path_factory.mktemp('cwd')
    shutil.copytree(tiny_synthetic[0], cwd / 'data' / 'synthetic_egoexo')
    for name, layout in AE2_LAYOUTS.items():
        make_ae2(str(cwd / 'data' / 'ae2' / name), layout,
                 splits=dict(SPLITS, test={'ego': ['e_t'], 'exo': ['x_t']}))
    for name in ('egoexo4d', 'egoexo4d_tiny'):  # Ego-Exo4D's configs: the official format
        write_egoexo4d_root(str(cwd / 'data' / name), num_takes=8)
    return cwd


def test_every_config_builds_its_datasets_without_byovs_tools(default_paths, monkeypatch):
    """mmengine's DATASETS registry, under the config's default scope, builds each loader's
    dataset as the config writes it; each lists the split that the loader names from the
    data at the config's default path."""
    from mmengine.registry import DATASETS
    monkeypatch.chdir(default_paths)
    built = 0
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            for key, dataset_cfg in iter_loaders(cfg, USED_LOADER_KEYS, others=False):
                dataset_cfg = dataset_cfg.to_dict()
                if dataset_cfg.get('feature_cache'):
                    dataset_cfg.pop('feature_cache')  # features not built here: listed below
                dataset = DATASETS.build(dict(dataset_cfg, lazy_init=True))
                expected = {'val_dataloader': 'val', 'test_dataloader': 'test'}.get(key,
                                                                                      'train')
                if dataset_cfg['type'].startswith('EgoExo4D') and key == 'test_dataloader':
                    expected = 'val'  # Ego-Exo4D's keystep labels of test are not released
                assert dataset.split == expected, (_rel(path), key)
                listed = getattr(dataset, 'records', None) or dataset
                assert osp.isdir(dataset.data_root) and len(listed) > 0
                built += 1
    assert built >= 4 * len(CONFIGS)


def _python(script, cwd, timeout=300):
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(script)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, BYOV_NO_PROGRESS='1', OMP_NUM_THREADS='1'))
    return proc.returncode, proc.stdout + proc.stderr


def _train_with_mmengines_runner(config, cwd):
    """The mmengine user's snippet: ``Runner.from_cfg(cfg).train()`` (:data:`SMALL`
    only shortens the run)."""
    return _python(f'''
        from mmengine.config import Config
        from mmengine.runner import Runner
        cfg = Config.fromfile({config!r})
        cfg.merge_from_dict({SMALL!r})
        Runner.from_cfg(cfg).train()
        ''', cwd)


def _test_with_the_configs_runner(config, cwd, checkpoint):
    """Testing as mmaction2's tools/test.py does: the registry builds the config's
    runner_type (ByovRunner; mmengine's plain Runner cannot load mmengine checkpoints
    under torch >= 2.6, whose torch.load is weights-only by default)."""
    return _python(f'''
        from mmengine.config import Config
        from mmaction.registry import RUNNERS
        cfg = Config.fromfile({config!r})
        cfg.merge_from_dict({SMALL!r})
        cfg.load_from = {checkpoint!r}
        runner = RUNNERS.build(cfg)
        print('runner:', type(runner).__name__)
        runner.test()
        ''', cwd)


@pytest.mark.slow
@pytest.mark.parametrize('config', [DEMO, BOXES, FEATURES, EGOEXO4D], ids=_rel)
def test_mmengines_runner_trains_and_byovs_tests_a_shipped_config(config, default_paths, tmp_path):
    cwd = tmp_path / 'cwd'
    data = 'egoexo4d_tiny' if config == EGOEXO4D else 'synthetic_egoexo'
    shutil.copytree(default_paths / 'data' / data, cwd / 'data' / data)
    if config == FEATURES:  # the cache is built once, by the tool
        tool = osp.join(ROOT, 'tools', 'data', 'build_feature_cache.py')
        proc = subprocess.run([sys.executable, tool, config], cwd=cwd, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    code, out = _train_with_mmengines_runner(config, cwd)
    assert code == 0, out[-3000:]
    work_dir = cwd / 'work_dirs' / osp.splitext(osp.basename(config))[0]
    assert (work_dir / 'epoch_1.pth').is_file() and (work_dir / 'val_results.json').is_file()
    if config == FEATURES:  # mmengine's Runner: the eval loop handed the cache's source
        import torch
        state = torch.load(str(work_dir / 'epoch_1.pth'), weights_only=False)['state_dict']
        features = state._metadata['stem']['features']
        metas = glob.glob(str(cwd / 'data' / 'cache' / '**' / 'meta.json'), recursive=True)
        assert [json.load(open(m))['key'] for m in metas] == [features['key']]
        assert features['mode'] == 'exact' and features['frame_encoder']['fingerprint'] == \
            json.load(open(metas[0]))['frame_encoder_weights']
    code, out = _test_with_the_configs_runner(config, cwd, str(work_dir / 'epoch_1.pth'))
    assert code == 0, out[-3000:]
    assert 'runner: ByovRunner' in out and 'strict loading, weights only' in out
    metrics = json.load(open(work_dir / 'results.json'))['metrics']
    assert 0 <= metrics['ae2/f1_regular'] <= 1 and 0 <= metrics['ae2/map@10_ego2exo'] <= 1


def _mmaction2_train_script():
    import mmaction
    return osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')


@pytest.mark.slow
def test_mmaction2s_train_script_runs_a_config_with_byovs_runner(default_paths):
    """``mim train mmaction CONFIG`` runs this script; it builds the config's
    runner_type (ByovRunner), whose check refuses a top-level data_root that no loader
    reads, and otherwise trains and validates for an epoch."""
    script = _mmaction2_train_script()
    assert osp.isfile(script)
    base = [sys.executable, script, DEMO, '--cfg-options', *SMALL_OPTIONS]
    env = dict(os.environ, BYOV_NO_PROGRESS='1', OMP_NUM_THREADS='1')
    refused = subprocess.run(base + ['data_root=data/elsewhere'], cwd=default_paths,
                             capture_output=True, text=True, timeout=300, env=env)
    assert refused.returncode != 0
    assert 'DataConfigError' in refused.stderr
    assert "sets data_root='data/elsewhere' at its top level" in refused.stderr
    proc = subprocess.run(base, cwd=default_paths, capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    work_dir = default_paths / 'work_dirs' / 'byov_tiny_synthetic_demo'
    assert (work_dir / 'epoch_1.pth').is_file()
    assert json.load(open(work_dir / 'val_results.json'))['metrics']['ae2/f1_regular'] >= 0


def _demo(**changes):
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(changes)
    return cfg


def test_a_top_level_value_no_loader_reads_is_refused_or_written():
    """--cfg-options frame_size=32 changes no loader by itself: mmengine's Runner would
    run at 64 pixels while the config says 32. check_config refuses it, naming the
    loaders; byov's tools write it into every loader, with a warning."""
    cfg = _demo(frame_size=32)
    with pytest.raises(DataConfigError, match="sets frame_size=32 at its top level"):
        check_config(cfg)
    with pytest.warns(UserWarning, match='frame_size'):
        setup_data(cfg)
    assert {d.frame_size for _, d in iter_loaders(cfg)} == {32}
    check_config(cfg)


def test_a_config_variable_changed_after_loading_is_refused():
    """clip_len, data_settings, train_pipeline... are read while the file is parsed:
    changing one afterwards would change nothing, so it is refused with the old and new
    value and the option byov's tools take instead."""
    cfg = _demo(clip_len=8, **{'data_settings.frame_size': 32})
    with pytest.raises(DataConfigError) as err:
        check_config(cfg)
    message = str(err.value)
    assert 'clip_len: 16 in the file, now 8' in message and 'num_frames=8' in message
    assert 'data_settings.frame_size: 64 in the file, now 32' in message
    check_config(_demo(**{'train_dataloader.dataset.pipeline.0.num_frames': 16}))  # a run key


def test_byov_runner_refuses_a_config_variable_changed_after_loading(tmp_path):
    """The same through the runner that every tool builds (it checks a copy of the
    config, which must still know its file)."""
    from byov.engine.runner import ByovRunner
    with pytest.raises(DataConfigError, match='clip_len: 16 in the file, now 8'):
        ByovRunner.from_cfg(_demo(clip_len=8, work_dir=str(tmp_path)))


def test_a_model_built_for_another_clip_length_is_refused():
    with pytest.raises(DataConfigError, match=r'model.num_frames=12.*clips of 16 frames'):
        check_config(_demo(**{'model.num_frames': 12}))


def test_byov_runner_checks_before_building_anything(tmp_path):
    from byov.engine.runner import ByovRunner
    cfg = _demo(**{'test_dataloader.dataset.data_root': 'data/other',
                   'work_dir': str(tmp_path)})
    with pytest.raises(DataConfigError, match='read different data roots'):
        ByovRunner.from_cfg(cfg)
    assert not os.listdir(tmp_path)  # refused before the work dir was written


@pytest.mark.slow
def test_eval_loop_refuses_a_fit_split_from_another_dataset(default_paths, tmp_path):
    """With mmengine's plain Runner too, the test loop refuses to fit on one dataset and
    score on another (the loop checks the config when it is built)."""
    other = tmp_path / 'other_copy'
    shutil.copytree(default_paths / 'data' / 'synthetic_egoexo', other)
    code, out = _python(f'''
        from mmengine.config import Config
        from mmengine.runner import Runner
        cfg = Config.fromfile({DEMO!r})
        cfg.merge_from_dict({{'test_cfg.fit_dataloader.dataset.data_root': {str(other)!r},
                             'work_dir': {str(tmp_path / 'run')!r}}})
        Runner.from_cfg(cfg).test()
        ''', default_paths)
    assert code != 0
    assert 'DataConfigError: The dataloaders of this config read different data roots' in out
    assert 'Epoch(test)' not in out


def test_eval_loop_compares_the_built_datasets_roots():
    """A runner handed built dataloaders (no config to check) still meets the loop's
    comparison of the datasets it embeds."""
    from types import SimpleNamespace

    from byov.engine.loops import _check_same_data_root
    here, there = SimpleNamespace(data_root='data/a'), SimpleNamespace(data_root='data/b')
    _check_same_data_root(here, SimpleNamespace(data_root='data/a/'), False, 'Loop')
    _check_same_data_root(here, there, True, 'Loop')  # allow_mixed_data_roots
    with pytest.raises(DataConfigError, match='eval split is read from data/a but the fit'):
        _check_same_data_root(here, there, False, 'Loop')


@pytest.mark.slow
def test_mmengines_plain_runner_meets_the_same_check_in_the_loops(default_paths, tmp_path):
    """mmengine's Runner does not check byov configs, but the evaluation loops do when
    they are built (before the first epoch): a top-level data_root that no loader reads
    stops the run instead of training on the data the loaders name."""
    code, out = _python(f'''
        from mmengine.config import Config
        from mmengine.runner import Runner
        cfg = Config.fromfile({DEMO!r})
        cfg.merge_from_dict({dict(SMALL, data_root='data/elsewhere',
                                  work_dir=str(tmp_path / 'run'))!r})
        Runner.from_cfg(cfg).train()
        ''', default_paths)
    assert code != 0
    assert "DataConfigError: This config sets data_root='data/elsewhere'" in out
    assert 'train_dataloader.dataset.data_root' in out
    assert 'Epoch(train)' not in out


@pytest.mark.parametrize('path', CONFIGS, ids=_rel)
def test_each_part_of_a_run_is_whole_or_absent(path):
    """mmengine's Runner takes the training part (train loader, train_cfg,
    optim_wrapper), the validation part and the test part each whole or not at all; a
    config evaluated only (time only, frozen features, untrained) has no training part."""
    cfg = Config.fromfile(path)
    for part in (('train_dataloader', 'train_cfg', 'optim_wrapper'),
                 ('val_dataloader', 'val_cfg', 'val_evaluator'),
                 ('test_dataloader', 'test_cfg', 'test_evaluator')):
        present = {key: cfg.get(key) is not None for key in part}
        assert len(set(present.values())) == 1, present
    assert cfg.get('test_dataloader') is not None  # every config is evaluated
