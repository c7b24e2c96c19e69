"""--data-root / --cache-dir set every loader (train, val, test and the evaluation
loops' fit split); loaders that read different data roots are refused before any model
is built; missing data fails fast, naming the root and the fix."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from ae2_fixtures import make_ae2
from mmengine.config import Config

from byov.datasets.config_utils import (LOADER_KEYS, check_data_available,
                                        check_data_roots, iter_loaders, setup_data)

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
BREAK_EGGS = osp.join(REPO, 'configs', 'byov', 'byov_break_eggs.py')
SYNTHETIC = osp.join(REPO, 'configs', 'byov', 'byov_tiny_synthetic_demo.py')


def _roots(cfg):
    return {key: dataset.data_root for key, dataset in iter_loaders(cfg)}


def test_data_root_and_cache_dir_set_every_loader():
    cfg = Config.fromfile(BREAK_EGGS)
    setup_data(cfg, data_root='/elsewhere/eggs', cache_dir='/fast/cache')
    assert set(_roots(cfg)) == set(LOADER_KEYS)  # the fit splits of both loops included
    assert set(_roots(cfg).values()) == {'/elsewhere/eggs'}
    assert {d.cache_dir for _, d in iter_loaders(cfg)} == {'/fast/cache'}
    assert cfg.test_cfg.fit_dataloader.dataset.split == 'train'


def test_config_data_root_fills_the_loaders():
    cfg = Config.fromfile(BREAK_EGGS)
    cfg.merge_from_dict({'data_root': 'data/my_eggs'})
    setup_data(cfg)
    assert set(_roots(cfg).values()) == {'data/my_eggs'}


def test_overriding_one_loader_is_refused():
    cfg = Config.fromfile(BREAK_EGGS)
    cfg.merge_from_dict({'test_dataloader.dataset.data_root': 'data/other'})
    with pytest.raises(ValueError) as err:
        setup_data(cfg)
    message = str(err.value)
    assert 'read different data roots' in message
    rows = [line.split() for line in message.splitlines() if line.startswith('  ')]
    assert rows == [['train_dataloader', 'data/ae2/break_eggs'],
                    ['val_dataloader', 'data/ae2/break_eggs'],
                    ['val_cfg.fit_dataloader', 'data/ae2/break_eggs'],
                    ['test_dataloader', 'data/other'],
                    ['test_cfg.fit_dataloader', 'data/ae2/break_eggs']]
    assert '--data-root DIR' in message and 'allow_mixed_data_roots = True' in message


def test_a_declared_mix_is_allowed():
    cfg = Config.fromfile(BREAK_EGGS)
    cfg.merge_from_dict({'test_dataloader.dataset.data_root': 'data/other',
                         'allow_mixed_data_roots': True})
    setup_data(cfg)
    assert cfg.test_dataloader.dataset.data_root == 'data/other'
    check_data_roots(cfg)


def test_missing_data_is_named(tmp_path):
    cfg = Config.fromfile(BREAK_EGGS)
    setup_data(cfg, data_root=str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError) as err:
        check_data_available(cfg)
    message = str(err.value)
    assert (f'data root {tmp_path / "nowhere"} does not exist (read by train_dataloader, '
            'val_dataloader, val_cfg.fit_dataloader, test_dataloader, '
            'test_cfg.fit_dataloader)') in message
    assert 'docs/data.md' in message and '--data-root DIR' in message


def _run(args, cwd=REPO):
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=REPO))
    return proc.returncode, proc.stdout + proc.stderr


def test_test_tool_refuses_a_mixed_root_before_building_the_model(tiny_synthetic, tmp_path):
    """Only test_dataloader's root overridden: refused before the Runner exists (the
    model type is not even registered, so building it would fail differently)."""
    data_root, _ = tiny_synthetic
    code, out = _run(['tools/test.py', SYNTHETIC, 'none', '--work-dir', str(tmp_path),
                         '--cfg-options', f'test_dataloader.dataset.data_root={data_root}',
                         'model.type=NotAModel'])
    assert code != 0
    assert 'The dataloaders of this config read different data roots' in out
    assert 'NotAModel' not in out
    assert 'Traceback' not in out  # a message with the fix, not a stack


def test_train_tool_without_data_fails_fast(tmp_path):
    code, out = _run(['tools/train.py', BREAK_EGGS, '--work-dir', str(tmp_path),
                         '--data-root', str(tmp_path / 'no_eggs'), '--cfg-options',
                         'model.type=NotAModel'])
    assert code != 0
    assert 'The data of this config is missing or incomplete' in out
    assert f'data root {tmp_path / "no_eggs"} does not exist (read by' in out
    assert 'NotAModel' not in out
    assert code == 1 and 'Traceback' not in out


def test_training_checks_the_loaders_it_reads():
    """runner.train() reads the training and validation loaders; the test loaders are
    checked by tools/test.py when it uses them."""
    from byov.datasets.config_utils import TRAIN_LOADER_KEYS
    cfg = Config.fromfile(BREAK_EGGS)
    cfg.merge_from_dict({'test_dataloader.dataset.data_root': 'data/other'})
    setup_data(cfg, used=TRAIN_LOADER_KEYS)
    cfg.merge_from_dict({'val_cfg.fit_dataloader.dataset.data_root': 'data/other'})
    with pytest.raises(ValueError, match='read different data roots'):
        check_data_roots(cfg, TRAIN_LOADER_KEYS)


def test_empty_video_found_before_the_model(tmp_path):
    """A zero-byte video is found by a stat, before anything is decoded or built."""
    root = str(tmp_path / 'eggs')
    videos = make_ae2(root, 'csv', splits={s: {'ego': [f'e_{s}'], 'exo': [f'x_{s}']}
                                           for s in ('train', 'val', 'test')})
    open(videos['x_val']['path'], 'wb').close()
    cfg = Config.fromfile(BREAK_EGGS)
    setup_data(cfg, data_root=root)
    with pytest.raises(FileNotFoundError) as err:
        check_data_available(cfg)
    lines = [line for line in str(err.value).splitlines() if line.startswith('  ')]
    assert lines == [f'  val_dataloader (split "val"): {videos["x_val"]["path"]}: zero-byte: '
                     'the file has 0 bytes; the file is empty: re-download or re-copy it']
