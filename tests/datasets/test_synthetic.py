"""The synthetic ego-exo benchmark: layout, labels, determinism, idle stretches, safety."""
import json
import os
import pickle

import av
import cv2
import numpy as np
import pytest

from byov.datasets.synthetic import (LABEL_FILE, META_FILE, PHASES, SyntheticEgoExoConfig,
                                     generate_synthetic_egoexo, read_meta, sample_timeline)
from byov.datasets.synthetic import generate as generate_module
from byov.datasets.synthetic.analysis import (make_contact_sheet, read_frames, time_only_f1,
                                              time_only_scores)

# Tiny: 6 videos of 15-27 frames; ego and exo of different sizes and frame rates.
TINY = dict(splits={'train': (2, 1), 'val': (1, 1), 'test': (1, 0)}, ego_size=(48, 64),
            exo_size=(64, 48), exo_fps=20.0, min_frames=23, max_frames=27, supersample=1)
ONE_EACH = dict(splits={'train': (1, 1), 'val': (0, 0), 'test': (0, 0)})
ONE = dict(splits={'train': (1, 0), 'val': (0, 0), 'test': (0, 0)})


def _generate(root, **options):
    return generate_synthetic_egoexo(root, **dict(TINY, **options))


@pytest.fixture(scope='module')
def csv_ds(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic') / 'csv'
    return root, _generate(root, layout='csv')


@pytest.fixture(scope='module')
def folders_ds(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic') / 'folders'
    return root, _generate(root, layout='folders', seed=3,
                           splits={'train': (1, 1), 'val': (1, 1), 'test': (1, 1)})


def _labels(root):
    with open(root / LABEL_FILE, 'rb') as f:
        return pickle.load(f)


def _pyav_count(path):
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _video_paths(root, layout):
    """{name: (split, view, path)} found by walking the layout (not the metadata)."""
    out = {}
    for split in ('train', 'val', 'test'):
        for view in ('ego', 'exo'):
            if layout == 'csv':
                lines = (root / view / f'{split}.csv').read_text().splitlines()
                files = [root / view / line for line in lines]
            else:
                files = sorted((root / split / view).glob('*.mp4'))
            for path in files:
                out[path.stem] = (split, view, path)
    return out


@pytest.mark.parametrize('which', ['csv', 'folders'])
def test_layout_and_label_lengths(which, csv_ds, folders_ds):
    root, meta = csv_ds if which == 'csv' else folders_ds
    videos = _video_paths(root, which)
    labels = _labels(root)
    assert sorted(videos) == sorted(labels) == sorted(meta['videos'])
    assert len(videos) == 6
    if which == 'csv':
        # AE2 csv: one file name per line, no header, the files sit next to the lists
        assert sorted(p.name for p in (root / 'ego').iterdir()) == sorted(
            [f'{n}.mp4' for n, (_, v, _) in videos.items() if v == 'ego']
            + ['test.csv', 'train.csv', 'val.csv'])
        assert (root / 'exo' / 'val.csv').read_text() == 'exo_val_000.mp4\n'
        assert (root / 'exo' / 'test.csv').read_text() == ''
    else:
        assert not list(root.glob('*/*.csv')) and not (root / 'ego').exists()
    for name, (split, view, path) in videos.items():
        assert name.startswith(view) and meta['videos'][name]['split'] == split
        lab = labels[name]
        assert isinstance(lab, list) and all(type(x) is int for x in lab)
        frames = read_frames(path)
        cap = cv2.VideoCapture(str(path))
        reported = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = cap.get(cv2.CAP_PROP_FPS)
        cap.release()
        assert len(lab) == len(frames) == reported == _pyav_count(path), name
        assert frames.shape[1:3] == (TINY['ego_size'] if view == 'ego' else TINY['exo_size'])
        assert fps == pytest.approx(30.0 if view == 'ego' else 20.0)


@pytest.mark.parametrize('which', ['csv', 'folders'])
def test_labels_ordered_and_every_phase_present(which, csv_ds, folders_ds):
    root, meta = csv_ds if which == 'csv' else folders_ds
    assert meta['phases'] == list(PHASES) == ['reach', 'grasp', 'lift', 'pour', 'place']
    for name, lab in _labels(root).items():
        lab = np.asarray(lab)
        assert lab[0] == 0 and lab[-1] == len(PHASES) - 1, name
        assert (np.diff(lab) >= 0).all(), f'{name}: labels go back in time'
        assert set(lab.tolist()) == set(range(len(PHASES))), name


def test_same_seed_same_dataset_other_seed_differs(tmp_path):
    metas = [_generate(tmp_path / name, seed=seed, **ONE_EACH)
             for name, seed in (('a', 7), ('b', 7), ('c', 8))]
    a, b, c = (tmp_path / name for name in 'abc')
    assert (a / LABEL_FILE).read_bytes() == (b / LABEL_FILE).read_bytes()
    assert metas[0] == metas[1] and metas[0]['videos'] != metas[2]['videos']
    for view in ('ego', 'exo'):
        path = f'{view}/{view}_train_000.mp4'
        frames_a = read_frames(a / path)
        assert np.array_equal(frames_a, read_frames(b / path)), path
        frames_c = read_frames(c / path)
        assert frames_a.shape != frames_c.shape or not np.array_equal(frames_a, frames_c)


def test_ego_and_exo_videos_are_not_paired(csv_ds):
    _, meta = csv_ds
    videos = meta['videos']
    # every video draws its own scene: no two share the cup's place or colour
    cups = {tuple(v['scene']['cup_start']) for v in videos.values()}
    assert len(cups) == len(videos)
    for split, n in (('train', 1), ('val', 1)):
        for i in range(n):
            ego, exo = videos[f'ego_{split}_{i:03d}'], videos[f'exo_{split}_{i:03d}']
            assert ego['scene'] != exo['scene']
            assert (ego['num_frames'], ego['phase_starts']) != (exo['num_frames'],
                                                                exo['phase_starts'])
    # exo cameras are static and placed per video; ego cameras move
    assert all(v['camera']['static'] == (v['view'] == 'exo') for v in videos.values())
    exo_eyes = {tuple(v['camera']['eye']) for v in videos.values() if v['view'] == 'exo'}
    assert len(exo_eyes) == sum(v['view'] == 'exo' for v in videos.values())


def test_idle_switch_changes_the_timing(tmp_path):
    rng = np.random.default_rng(0)
    idle = [sample_timeline(rng, int(rng.integers(60, 121)), idle=True) for _ in range(60)]
    even = [sample_timeline(rng, int(rng.integers(60, 121)), idle=False) for _ in range(60)]
    # with idle: the action starts at different frames, ends early, pauses sometimes
    starts = [t.action_start for t in idle]
    assert len(set(starts)) > 10 and max(starts) > 20
    assert sum(t.action_end < t.num_frames for t in idle) > 30
    assert sum(len(t.pauses) > 0 for t in idle) > 30
    for t in idle:                      # still frames keep the pose: progress is held
        still = ~t.moving
        assert still.sum() >= 0.1 * t.num_frames
        assert (t.labels[:t.action_start] == 0).all()
        assert (t.labels[t.action_end:] == len(PHASES) - 1).all()
    # without: every frame moves
    assert all(t.action_start == 0 and t.action_end == t.num_frames and not t.pauses
               and t.moving.all() for t in even)
    # ... and the clock gives the phase away much better
    f1_idle = time_only_f1([t.labels for t in idle[:40]], [t.labels for t in idle[40:]],
                           classifiers=('tree',))
    f1_even = time_only_f1([t.labels for t in even[:40]], [t.labels for t in even[40:]],
                           classifiers=('tree',))
    assert f1_even['tree'] > f1_idle['tree'] + 0.1
    # the switch reaches the generated dataset
    meta = _generate(tmp_path / 'even', idle=False, **ONE)
    assert meta['config']['idle'] is False
    for v in meta['videos'].values():
        assert (v['action_start'], v['action_end'], v['pauses']) == (0, v['num_frames'], [])


def test_refuses_to_overwrite_and_writes_atomically(tmp_path, monkeypatch):
    small = dict(splits={'train': (1, 1), 'val': (0, 0), 'test': (0, 0)}, min_frames=23,
                 max_frames=23)
    root = tmp_path / 'ds'
    _generate(root, **small)
    before = (root / LABEL_FILE).read_bytes()
    with pytest.raises(FileExistsError, match='overwrite'):
        _generate(root, seed=5, **small)
    assert (root / LABEL_FILE).read_bytes() == before
    meta = _generate(root, seed=5, overwrite=True, **small)
    assert read_meta(root) == json.loads(json.dumps(meta)) and meta['seed'] == 5
    # never overwrite a folder that is not a synthetic dataset, even when asked to
    other = tmp_path / 'my_data'
    other.mkdir()
    (other / 'precious.txt').write_text('x')
    with pytest.raises(FileExistsError, match='not a synthetic dataset'):
        _generate(other, overwrite=True, **small)
    assert (other / 'precious.txt').read_text() == 'x'
    # an interrupted run leaves nothing that looks like a dataset, and no debris
    calls = []

    def fail_second(args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return make_video(args)

    make_video = generate_module._make_video
    monkeypatch.setattr(generate_module, '_make_video', fail_second)
    with pytest.raises(KeyboardInterrupt):
        _generate(tmp_path / 'broken', **small)
    assert sorted(os.listdir(tmp_path)) == ['ds', 'my_data']


def test_config_is_checked():
    with pytest.raises(ValueError, match='even'):
        SyntheticEgoExoConfig(ego_size=(112, 111))
    with pytest.raises(ValueError, match='layout'):
        SyntheticEgoExoConfig(layout='tree')
    with pytest.raises(ValueError, match='exo videos of 10'):
        SyntheticEgoExoConfig(min_frames=20, exo_fps=15)
    with pytest.raises(TypeError):
        generate_synthetic_egoexo('/nonexistent/never', colour='red')


def test_time_only_scores_and_contact_sheet(csv_ds, tmp_path):
    root, meta = csv_ds
    scores = time_only_scores(root)
    assert set(scores) == {'svc', 'tree'} and all(0 <= v <= 1 for v in scores.values())
    png = make_contact_sheet(root, tmp_path / 'sheet.png', split='val', tile=48)
    sheet = cv2.imread(str(png))
    assert sheet is not None and sheet.shape[0] > 2 * 48


def test_cli(tmp_path, capsys):
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'data',
                        'generate_synthetic_egoexo.py')
    spec = importlib.util.spec_from_file_location('generate_synthetic_cli', path)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / 'cli'
    argv = [str(out), '--layout', 'folders', '--seed', '2', '--train', '1', '1', '--val',
            '0', '0', '--test', '1', '0', '--size', '32', '48', '--min-frames', '16',
            '--max-frames', '18', '--no-idle', '--supersample', '1']
    cli.main(argv)
    meta = read_meta(out)
    assert meta['layout'] == 'folders' and meta['seed'] == 2 and not meta['config']['idle']
    assert meta['config']['ego_size'] == [32, 48] == meta['config']['exo_size']
    assert sorted(meta['videos']) == ['ego_test_000', 'ego_train_000', 'exo_train_000']
    assert 'wrote 3 videos' in capsys.readouterr().out
    with pytest.raises(SystemExit, match='overwrite'):
        cli.main(argv)
    assert (out / META_FILE).is_file()
