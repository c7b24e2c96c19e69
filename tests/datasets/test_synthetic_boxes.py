"""The synthetic benchmark's hand-object boxes: AE2's format, determinism, independence
from the frames, and what they encode."""
import pickle

import numpy as np

from byov.datasets.boxes import HandObjectBoxes
from byov.datasets.synthetic import (BOX_FILE, LABEL_FILE, SyntheticEgoExoConfig,
                                     generate_synthetic_egoexo, render_video)
from byov.datasets.synthetic import generate as generate_module

SMALL = dict(splits={'train': (1, 1), 'val': (0, 0), 'test': (0, 0)}, ego_size=(48, 64),
             exo_size=(64, 48), min_frames=40, max_frames=48, supersample=1)


def test_box_file_has_every_video_in_ae2_format(tmp_path):
    root = tmp_path / 'ds'
    meta = generate_synthetic_egoexo(root, **SMALL)
    with open(root / BOX_FILE, 'rb') as f:
        boxes = pickle.load(f)
    with open(root / LABEL_FILE, 'rb') as f:
        labels = pickle.load(f)
    assert sorted(boxes) == sorted(f'{info["view"]}_{name}'
                                   for name, info in meta['videos'].items())
    for name, info in meta['videos'].items():
        arr = boxes[f'{info["view"]}_{name}']
        assert arr.dtype == np.float32 and arr.shape == (len(labels[name]), 4, 10)
        present = arr[..., 9] >= 0
        assert np.all(arr[..., 9][present] == np.nonzero(present)[1])  # id = slot index
        assert np.all(arr[~present] == np.r_[np.zeros(9), -1])         # empty: zeros, -1
        h, w = info['height'], info['width']
        inside = ((arr[..., 0] >= 0) & (arr[..., 2] <= w) & (arr[..., 1] >= 0)
                  & (arr[..., 3] <= h) & (arr[..., 2] > arr[..., 0]) & (arr[..., 3] > arr[..., 1]))
        assert np.all(inside[present])
        conf = arr[..., 4][present]
        assert conf.min() >= 0.05 and conf.max() <= 0.99
        # the loader reads the file with the video's own size from its header
        loaded = HandObjectBoxes(str(root / BOX_FILE)).load(
            info['view'], name, str(root / info['view'] / f'{name}.mp4'), len(labels[name]))
        np.testing.assert_allclose(loaded[..., :4][present],
                                   (arr[..., :4] / [w, h, w, h])[present], rtol=1e-6)


def test_boxes_are_deterministic_and_never_change_the_frames(monkeypatch):
    config = SyntheticEgoExoConfig(**SMALL)
    frames, labels, boxes, _ = render_video(config, 'train', 'ego', 0)
    again = render_video(config, 'train', 'ego', 0)
    np.testing.assert_array_equal(again[2], boxes)
    # without any box computation (a stub that draws nothing), the frames are the same
    monkeypatch.setattr(generate_module, 'frame_boxes',
                        lambda *args, **kwargs: np.zeros((4, 10), np.float32))
    plain = render_video(config, 'train', 'ego', 0)
    np.testing.assert_array_equal(plain[0], frames)
    np.testing.assert_array_equal(plain[1], labels)


def test_contact_follows_the_action():
    """The acting hand touches the cup while it lifts and pours (phases 2, 3), rarely
    while it reaches (phase 0); some boxes are missed, all are seen now and then."""
    config = SyntheticEgoExoConfig(**dict(SMALL, ego_size=(96, 96), exo_size=(96, 96),
                                          min_frames=90, max_frames=90))
    contact = {k: [] for k in range(5)}
    presence = []
    for view in ('ego', 'exo'):
        _, labels, boxes, _ = render_video(config, 'train', view, 0)
        for k in range(5):
            contact[k].extend(boxes[labels == k, 0, 5])
        presence.append(boxes[..., 9] >= 0)
    assert np.mean(contact[2]) > 0.6 and np.mean(contact[3]) > 0.6
    assert np.mean(contact[0]) < np.mean(contact[2]) - 0.3
    presence = np.concatenate(presence)
    assert 0.5 < presence.mean() < 1.0
