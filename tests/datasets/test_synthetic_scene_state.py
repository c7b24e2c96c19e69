"""The synthetic benchmark's scene-state file: its contents against a computation from the
generator's own poses, its independence from the other files, and its loaders."""
import pickle

import numpy as np
import pytest
import torch

from byov.datasets.scene_state import SceneStateFileError, SceneStates
from byov.datasets.synthetic import generate as generate_module
from byov.datasets.synthetic import generate_synthetic_egoexo
from byov.datasets.synthetic.action import action_state, sample_timeline
from byov.datasets.synthetic.generate import SyntheticEgoExoConfig, video_rng
from byov.datasets.synthetic.scene import sample_scene
from byov.registry import TRANSFORMS
from byov.scene_state import (STATE_COLUMNS, STATE_FILE, pack_state_table,
                              unpack_state_table, video_code)

SMALL = dict(splits={'train': (1, 1), 'val': (0, 0), 'test': (0, 0)}, ego_size=(32, 32),
             exo_size=(32, 32), min_frames=40, max_frames=48, supersample=1)
COL = {name: i for i, name in enumerate(STATE_COLUMNS)}


def _poses(config, split, view, index):
    """The scene and per-frame poses of one video, drawn as the generator draws them."""
    rng = video_rng(config.seed, split, view, index)
    scene = sample_scene(rng)
    shortest, longest = config.num_frames_range(view)
    num_frames = int(rng.integers(shortest, longest + 1))
    tl = sample_timeline(np.random.default_rng(int(rng.integers(1 << 62))), num_frames,
                         idle=config.idle)
    return scene.geo, tl, [action_state(scene.geo, int(k), float(u))
                           for k, u in zip(tl.labels, tl.progress)]


@pytest.fixture(scope='module')
def small_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('state') / 'ds'
    meta = generate_synthetic_egoexo(root, **SMALL)
    return root, meta


def test_state_file_matches_the_poses(small_dataset):
    root, meta = small_dataset
    with open(root / STATE_FILE, 'rb') as f:
        data = pickle.load(f)
    assert data['format'] == 'byov.scene_state' and data['version'] == 1
    assert tuple(data['columns']) == STATE_COLUMNS and len(data['units']) == len(STATE_COLUMNS)
    with open(root / 'det_bounding_box.pickle', 'rb') as f:
        assert sorted(data['states']) == sorted(pickle.load(f))   # the box file's keys
    config = SyntheticEgoExoConfig(**SMALL)
    for name, info in meta['videos'].items():
        states = data['states'][f'{info["view"]}_{name}']
        geo, tl, poses = _poses(config, info['split'], info['view'], int(name[-3:]))
        assert states.dtype == np.float32 and states.shape == (tl.num_frames, len(COL))
        up = np.array([0.0, 0.0, 1.0])
        for i, p in enumerate(poses):
            row = states[i]
            np.testing.assert_allclose(row[COL['hand_x']:COL['hand_z'] + 1],
                                       p.palm - geo.cup_start, atol=1e-6)
            np.testing.assert_allclose(row[COL['cup_x']:COL['cup_z'] + 1],
                                       p.cup_center - geo.bowl_center - up * geo.bowl_height,
                                       atol=1e-6)
            axis = p.cup_rot[:, 2]
            tilt = np.arctan2(np.linalg.norm(axis[:2]), axis[2])
            assert row[COL['cup_tilt']] == pytest.approx(tilt, abs=1e-4)
            assert row[COL['cup_fill']] == pytest.approx(p.cup_fill)
            assert row[COL['bowl_fill']] == pytest.approx(p.bowl_fill)
            assert row[COL['pouring']] == float(p.stream)
            assert row[COL['cup_elevation']] == pytest.approx(
                p.cup_center[2] - geo.cup_height / 2, abs=1e-6)
            assert row[COL['hand_cup_distance']] == pytest.approx(
                np.linalg.norm(p.palm - p.cup_center), abs=1e-6)
        # what the flags mean, phase by phase: the hand holds the cup up while it lifts
        # and pours, liquid flows only while pouring, the cup is put back only at the end
        labels = tl.labels
        moving_lift = (labels == 2) & (tl.progress > 0.3)
        assert np.all(states[moving_lift | (labels == 3), COL['held']] == 1)
        assert np.all(states[labels != 3, COL['pouring']] == 0)
        assert states[labels == 3, COL['pouring']].any()
        assert np.all(states[labels < 4, COL['released']] == 0)
        assert states[-1, COL['released']] == 1 and states[-1, COL['contact']] == 0
        assert np.all(states[labels == 0, COL['lifted']] == 0)
        assert states[labels == 3, COL['above_target']].all()


def test_state_never_changes_the_other_files(small_dataset, tmp_path, monkeypatch):
    """The state draws nothing at random: a generation whose state is a stub writes
    byte-identical videos, labels, boxes and split lists."""
    root, _ = small_dataset
    monkeypatch.setattr(generate_module, 'video_states',
                        lambda geo, states: np.zeros((len(states), len(COL)), np.float32))
    other = tmp_path / 'stub'
    generate_synthetic_egoexo(other, **SMALL)
    files = sorted(p.relative_to(root) for p in root.rglob('*') if p.is_file())
    assert sorted(p.relative_to(other) for p in other.rglob('*') if p.is_file()) == files
    compared = [f for f in files if f.name != STATE_FILE]
    assert any(f.suffix == '.mp4' for f in compared)
    for f in compared:
        assert (root / f).read_bytes() == (other / f).read_bytes(), f
    assert (root / STATE_FILE).read_bytes() != (other / STATE_FILE).read_bytes()


def test_loaders_pack_the_state_with_its_context(small_dataset):
    root, meta = small_dataset
    name = next(n for n, i in meta['videos'].items() if i['view'] == 'exo')
    with open(root / STATE_FILE, 'rb') as f:
        states = pickle.load(f)['states'][f'exo_{name}']
    length = len(states)
    video = TRANSFORMS.build(dict(type='LoadVideoSceneState'))
    out = video.transform(dict(view='exo', video_name=name, num_frames=length - 5,
                               crop_start=5, data_root=str(root)))
    table = out['boxes']
    assert table.shape == (length - 5, 2, 10) and table.dtype == np.float32
    s, is_ego, code, index = unpack_state_table(torch.from_numpy(table))
    np.testing.assert_array_equal(s.numpy(), states[5:])
    assert not is_ego.any() and (code == video_code(f'exo_{name}')).all()
    np.testing.assert_array_equal(index.numpy(), np.arange(5, length))
    clip = TRANSFORMS.build(dict(type='LoadClipSceneState'))
    inds = np.array([0, 3, 9])
    out = clip.transform(dict(data_root=str(root), clips=[
        dict(view='exo', video_name=name, num_frames=length, frame_inds=inds)] * 2))
    assert out['boxes'].shape == (2, 3, 2, 10)
    np.testing.assert_array_equal(
        out['boxes'][0], pack_state_table(states[inds], False, video_code(f'exo_{name}'), inds))
    with pytest.raises(SceneStateFileError, match='no state for video'):
        SceneStates(str(root / STATE_FILE)).load('ego', 'nope', 3)
    with pytest.raises(SceneStateFileError, match='regenerate'):
        SceneStates(str(root / 'missing.pickle')).load('ego', name, 3)


@pytest.mark.parametrize('config', ['configs/byov/byov_semantic_synthetic.py',
                                    'configs/byov/byov_box-geometry_synthetic.py',
                                    'configs/byov/byov_tiny_synthetic_demo.py'])
def test_training_pairs_carry_their_frame_indices_whatever_the_loader(config, tiny_synthetic):
    """Alignment objectives that read time (TCC's cycle-back targets) take each pair's
    sampled frame indices from its metainfo; box and scene-state loaders must give them as
    the frame loader does, consistent with the packed labels and the whole-video labels."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from byov.registry import DATASETS
    cfg = Config.fromfile(config)
    data_root, cache_dir = tiny_synthetic
    with DefaultScope.overwrite_default_scope('byov'):
        pairs = DATASETS.build(dict(cfg.train_dataloader.dataset.to_dict(),
                                    data_root=data_root, cache_dir=cache_dir, seed=0))
        videos = DATASETS.build(dict(cfg.test_cfg.fit_dataloader.dataset.to_dict(),
                                     data_root=data_root, cache_dir=cache_dir))
    labels = {(bool(videos[i]['data_samples'].is_ego), videos[i]['data_samples'].video_name):
              videos[i]['data_samples'].gt_labels for i in range(len(videos))}
    for idx in range(3):
        sample = pairs[idx]['data_samples']
        inds, names, views = sample.frame_inds, sample.video_names, sample.is_ego
        assert len(inds) == len(names) == len(views) == 2
        for k in range(2):
            inds_k = np.asarray(inds[k])
            assert len(inds_k) == cfg.clip_len and (np.diff(inds_k) >= 0).all()
            np.testing.assert_array_equal(sample.gt_labels[k],
                                          labels[(views[k], names[k])][inds_k])
