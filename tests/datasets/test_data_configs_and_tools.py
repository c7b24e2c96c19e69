"""The shipped dataset configs, tools/data/build_frame_cache.py and
tools/analysis/dataset_stats.py, on a tiny dataset."""
import glob
import os.path as osp

import pytest
from ae2_fixtures import SPLITS, make_ae2
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from byov.datasets.config_utils import LOADER_KEYS, iter_loaders, setup_data
from tests.scripts import load_script

REPO = osp.join(osp.dirname(__file__), '..', '..')
CONFIG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')
SYNTHETIC = osp.join(CONFIG_DIR, 'synthetic_egoexo.py')
EXPECTED = {  # config -> (layout, num_frames, frame_size, train batch size)
    'ae2_break_eggs.py': ('csv', 32, 224, 1), 'ae2_tennis_forehand.py': ('csv', 20, 224, 1),
    'ae2_pour_milk.py': ('folders', 32, 224, 1), 'ae2_pour_liquid.py': ('folders', 32, 224, 1),
    'synthetic_egoexo.py': ('csv', 16, 64, 4),
    'synthetic_egoexo_boxes.py': ('csv', 16, 64, 4),  # the same data read as boxes
    'synthetic_egoexo_semantic.py': ('csv', 16, 64, 4)}  # ... and as scene state
LOADERS = {'train_dataloader': 'train', 'val_dataloader': 'val', 'test_dataloader': 'test',
           'fit_dataloader': 'train', 'val_cfg.fit_dataloader': 'train',
           'test_cfg.fit_dataloader': 'train'}
APPEND_TIME = {'ae2_pour_liquid.py'}  # AE2 appends time in progression on Pour Liquid only


def _loader(cfg, dotted):
    for part in dotted.split('.'):
        cfg = cfg[part]
    return cfg


def _tool(relpath):
    return load_script(osp.join('tools', relpath))


def test_every_dataset_config_defines_the_variables():
    shipped = glob.glob(osp.join(CONFIG_DIR, '*.py'))
    # egoexo.py is the AE2-layout base; Ego-Exo4D's config: test_egoexo4d_configs.py
    assert sorted(osp.basename(p) for p in shipped) == sorted(
        [*EXPECTED, 'egoexo.py', 'egoexo4d_keystep.py'])
    for name, (layout, num_frames, frame_size, batch_size) in EXPECTED.items():
        cfg = Config.fromfile(osp.join(CONFIG_DIR, name))  # complete as written
        data = cfg.data_settings
        assert (data.layout, cfg.clip_len, data.frame_size) == (layout, num_frames, frame_size)
        assert cfg.dataset_type == 'EgoExoPairDataset'
        assert cfg.video_dataset_type == 'EgoExoVideoDataset'
        assert data.data_root.startswith('data/') and data.cache_dir == 'data/cache/frames'
        assert cfg.train_dataloader.dataset.pipeline[0] == dict(
            type='SampleClipFrames', num_frames=num_frames, random_offset=1)
        assert cfg.train_dataloader.batch_size == batch_size
        assert cfg.train_dataloader.persistent_workers
        for key, split in LOADERS.items():
            loader = _loader(cfg, key)
            dataset = loader.dataset
            assert (dataset.split, dataset.data_root, dataset.layout, dataset.cache_dir,
                    dataset.frame_size) == (split, data.data_root, layout,
                                            'data/cache/frames', frame_size)
            if key != 'train_dataloader':
                assert loader.batch_size == 1 and not loader.sampler.shuffle
                assert dataset.type == 'EgoExoVideoDataset'
        for key in ('val_evaluator', 'test_evaluator'):
            progression = [m for m in cfg[key] if m.type == 'PhaseProgressionMetric']
            assert [m.append_time for m in progression] == [name in APPEND_TIME]


def test_generic_base_needs_a_data_root():
    """The generic base names no dataset: building its loaders says what to set."""
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'egoexo.py'))
    setup_data(cfg)
    with DefaultScope.overwrite_default_scope('byov'), pytest.raises(
            ValueError, match=r"EgoExoVideoDataset\(split='test'\): data_root not set"):
        Runner.build_dataloader(cfg.test_dataloader.to_dict())


@pytest.fixture
def synthetic_root(tmp_path):
    root = str(tmp_path / 'synthetic_egoexo')
    make_ae2(root, 'csv', splits=dict(SPLITS, test={'ego': ['e_t'], 'exo': ['x_t']}))
    return root


def test_synthetic_config_builds_every_dataloader(synthetic_root, cache_dir):
    cfg = Config.fromfile(SYNTHETIC)
    setup_data(cfg, synthetic_root, cache_dir)
    for key in LOADERS:
        loader_cfg = _loader(cfg, key).to_dict()
        loader_cfg.update(num_workers=0, persistent_workers=False)
        loader_cfg['dataset'].update(serialize_data=False)
        with DefaultScope.overwrite_default_scope('byov'):
            loader = Runner.build_dataloader(loader_cfg, seed=0)
        inputs = next(iter(loader))['inputs']
        if key == 'train_dataloader':
            assert len(inputs) == 4 and inputs[0].shape == (2, 16, 3, 64, 64)
        else:
            assert len(inputs) == 1 and inputs[0].shape == (12, 3, 64, 64)


def test_build_frame_cache_tool(synthetic_root, cache_dir, capsys):
    _tool('data/build_frame_cache.py').main(
        [SYNTHETIC, '--data-root', synthetic_root, '--cache-dir', cache_dir])
    out = capsys.readouterr().out
    for split, videos in (('train', 5), ('val', 2), ('test', 2)):
        assert f'{split}: {videos} videos, {12 * videos} frames at 64x64' in out
    assert len(glob.glob(osp.join(cache_dir, '64x64', '*', '*.npy'))) == 9


def test_dataset_stats_tool(synthetic_root, cache_dir, capsys):
    _tool('analysis/dataset_stats.py').main([SYNTHETIC, '--data-root', synthetic_root,
                                            '--cache-dir', cache_dir])
    rows = [[c.strip() for c in line.split('|')[1:-1]]
            for line in capsys.readouterr().out.splitlines() if line.startswith('|')]
    assert rows[1][:5] == ['split', 'view', 'videos', 'frames', 'length min/mean/max']
    assert rows[1][5:] == ['phase 0', 'phase 1', 'phase 2']
    by_key = {(r[0], r[1]): r[2:] for r in rows[2:]}
    assert by_key[('train', 'exo')][:3] == ['3', '36', '12/12/12']
    assert by_key[('train', 'all')] == ['5', '60', '12/12/12', '20 (33%)', '20 (33%)',
                                        '20 (33%)']
    assert by_key[('test', 'ego')][:2] == ['1', '12']


def test_own_dataset_in_two_lines(tmp_path, cache_dir):
    """The docs' example: a dataset of one's own is the generic base plus data_root and
    layout; every loader, the evaluation's fit split included, reads it."""
    root = str(tmp_path / 'stack_blocks')
    make_ae2(root, 'folders', splits=dict(SPLITS, test={'ego': ['e_t'], 'exo': ['x_t']}))
    config = tmp_path / 'stack_blocks.py'
    config.write_text(f"_base_ = [{osp.abspath(osp.join(CONFIG_DIR, 'egoexo.py'))!r}]\n"
                      f"data_root = {root!r}\nlayout = 'folders'\ncache_dir = {cache_dir!r}\n"
                      "frame_size = 32\n")
    cfg = Config.fromfile(str(config))
    setup_data(cfg)
    for key, split in LOADERS.items():
        loader_cfg = _loader(cfg, key).to_dict()
        loader_cfg.update(num_workers=0, persistent_workers=False)
        with DefaultScope.overwrite_default_scope('byov'):
            dataset = Runner.build_dataloader(loader_cfg, seed=0).dataset
        assert (dataset.data_root, dataset.split, dataset.layout) == (root, split, 'folders')
        assert dataset.frame_cache.frame_size == (32, 32)
    clip = cfg.train_dataloader.dataset.pipeline[0]
    assert (clip.type, clip.num_frames) == ('SampleClipFrames', 32)


def test_context_frames_fill_every_frame_loader():
    """AE2's ResNet-50 configs: every frame-loading step of every loader gets the
    context the encoder is built for; a step that sets its own keeps it."""
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'baselines/ae2_resnet50_dtw-contrastive_break_eggs.py'))
    cfg.val_dataloader.dataset.pipeline[0]['context_stride'] = 7
    setup_data(cfg, check_roots=False)
    steps = cfg.model.stem.frame_encoder.num_context_steps
    loaders = dict(iter_loaders(cfg))
    assert set(loaders) == set(LOADER_KEYS)
    for key, dataset in loaders.items():
        load = [s for s in dataset.pipeline if s['type'].endswith('FromCache')]
        assert len(load) == 1, key
        assert load[0]['num_context_steps'] == steps == 2, key
        stride = 7 if key == 'val_dataloader' else 15
        assert load[0]['context_stride'] == stride, key
    # a config without context_frames leaves the steps at their defaults (1 step)
    plain = Config.fromfile(osp.join(REPO, 'configs', 'baselines/tcc_tiny_synthetic.py'))
    setup_data(plain, check_roots=False)
    for _, dataset in iter_loaders(plain):
        assert all('num_context_steps' not in s for s in dataset.pipeline)
