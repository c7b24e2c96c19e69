"""AE2's hand-object boxes as data: the box file reader, its options, the box transforms,
packing into the data sample and the box data preprocessor."""
import pickle

import numpy as np
import pytest
import torch

from byov.datasets.boxes import HandObjectBoxes, expand_boxes, load_box_file
from byov.datasets.transforms import (LoadClipBoxes, LoadVideoBoxes, PackEgoExoBoxInputs,
                                      RandomTemporalCrop)
from byov.models.box_data_preprocessor import EgoExoBoxDataPreprocessor
from byov.structures import EgoExoDataSample

H, W = 100, 200  # the video's own pixels


def _row(x1, y1, x2, y2, conf, slot):
    return [x1, y1, x2, y2, conf, 0, 0, 0, 0, slot]


def _video_boxes(num_rows):
    """Rows of 4 slots: hand (conf 0.9), an empty hand slot, a low-confidence object
    (0.2), an object (0.8) whose box moves by one pixel per frame."""
    rows = []
    for t in range(num_rows):
        rows.append([_row(10, 20, 30, 60, 0.9, 0), _row(0, 0, 0, 0, 0.0, -1),
                     _row(50, 10, 90, 30, 0.2, 2), _row(100 + t, 40, 140 + t, 80, 0.8, 3)])
    return np.array(rows, np.float32)


@pytest.fixture
def box_file(tmp_path):
    path = tmp_path / 'det_bounding_box.pickle'
    data = {'ego_vid_a': _video_boxes(12),   # more rows than the video's 10 frames
            'exo_vid_b': _video_boxes(6)}    # fewer rows than its 10 frames
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return str(path)


def test_coordinates_become_fractions_and_long_files_are_cut(box_file):
    boxes = HandObjectBoxes(box_file, video_size=(H, W)).load('ego', 'vid_a', 'unused', 10)
    assert boxes.shape == (10, 4, 10) and boxes.dtype == np.float32
    raw = _video_boxes(12)[:10]
    np.testing.assert_allclose(boxes[..., 0:4], raw[..., 0:4] / [W, H, W, H], rtol=1e-6)
    np.testing.assert_array_equal(boxes[..., 4:], raw[..., 4:])  # untouched columns
    # the last frame of the video is row 9 of the file (row 10 and 11 are cut)
    assert boxes[9, 3, 0] == pytest.approx((100 + 9) / W)


def test_empty_slot_and_confidence_threshold(box_file):
    boxes = HandObjectBoxes(box_file, score_threshold=0.5, video_size=(H, W)).load(
        'ego', 'vid_a', 'unused', 10)
    for slot in (1, 2):  # the empty slot, and the 0.2-confidence box below 0.5
        assert np.all(boxes[:, slot, :9] == 0) and np.all(boxes[:, slot, 9] == -1)
    assert np.all(boxes[:, 0, 9] == 0) and np.all(boxes[:, 3, 9] == 3)  # kept
    kept = HandObjectBoxes(box_file, score_threshold=0.1, video_size=(H, W)).load(
        'ego', 'vid_a', 'unused', 10)
    assert np.all(kept[:, 2, 9] == 2)


def test_expansion_and_one_object(box_file):
    boxes = HandObjectBoxes(box_file, expansion_ratio=1.5, one_object=True,
                            video_size=(H, W)).load('ego', 'vid_a', 'unused', 10)
    hand = boxes[0, 0, :4] * [W, H, W, H]
    # 20 x 40 about the centre (20, 40) -> 30 x 60
    np.testing.assert_allclose(hand, [5, 10, 35, 70], rtol=1e-5)
    assert np.all(boxes[:, 3] == np.array([0] * 9 + [-1]))  # the last slot emptied
    np.testing.assert_allclose(expand_boxes(_video_boxes(1), 1.0), _video_boxes(1))


def test_short_box_rows_and_missing_key_name_the_video(box_file):
    source = HandObjectBoxes(box_file, video_size=(H, W))
    with pytest.raises(ValueError, match=r'6 rows of boxes for video vid_b \(exo\), which '
                                         r'has 10 frames'):
        source.load('exo', 'vid_b', 'unused', 10)
    with pytest.raises(KeyError, match=r"no boxes for video vid_c \(ego\): no key "
                                       r"ego_vid_c\. Closest keys: ego_vid_a"):
        source.load('ego', 'vid_c', 'unused', 10)


def test_reader_refuses_code_and_bad_shapes(tmp_path):
    bad = tmp_path / 'code.pickle'
    bad.write_bytes(pickle.dumps({'ego_a': slice(1)}))  # an object: not data
    with pytest.raises(ValueError, match='does not unpickle'):
        load_box_file(str(bad))
    flat = tmp_path / 'flat.pickle'
    flat.write_bytes(pickle.dumps({'ego_a': np.zeros((5, 10))}))
    with pytest.raises(ValueError, match=r"'ego_a' has shape \(5, 10\)"):
        load_box_file(str(flat))
    with pytest.raises(FileNotFoundError, match='det_bounding_box.pickle beside'):
        load_box_file(str(tmp_path / 'missing.pickle'))


def test_video_size_comes_from_the_video_header(box_file, tmp_path):
    import cv2
    path = str(tmp_path / 'v.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 30.0, (W, H))
    for _ in range(3):
        writer.write(np.zeros((H, W, 3), np.uint8))
    writer.release()
    a = HandObjectBoxes(box_file).load('ego', 'vid_a', path, 10)
    b = HandObjectBoxes(box_file, video_size=(H, W)).load('ego', 'vid_a', path, 10)
    np.testing.assert_array_equal(a, b)


def _video_results(**extra):
    return dict(video_name='vid_a', view='ego', video_path='unused', num_frames=10,
                video_index=3, gt_labels=np.arange(10), **extra)


def test_clip_boxes_follow_the_sampled_frames(box_file):
    inds = np.array([0, 4, 9])
    clip = dict(video_name='vid_a', view='ego', video_path='unused', num_frames=10,
                frame_inds=inds, is_ego=True)
    results = LoadClipBoxes(box_file, video_size=(H, W))(dict(clips=[clip, dict(clip)]))
    assert results['boxes'].shape == (2, 3, 4, 10)
    np.testing.assert_allclose(results['boxes'][1, :, 3, 0] * W, 100 + inds, rtol=1e-6)


def test_temporal_crop_keeps_boxes_with_their_frames(box_file):
    crop = RandomTemporalCrop(fraction=0.5, seed=1, min_frames=2)
    load = LoadVideoBoxes(box_file, video_size=(H, W))
    # boxes loaded before the crop (a box-only pipeline) ...
    before = crop(load(_video_results()))
    start = before['crop_start']
    np.testing.assert_allclose(before['boxes'][:, 3, 0] * W, 100 + start + np.arange(5),
                               rtol=1e-6)
    np.testing.assert_array_equal(before['gt_labels'], start + np.arange(5))
    # ... or after it (frames loaded first): the same window
    imgs = np.zeros((10, 3, 16, 16), np.uint8)
    after = load(crop(_video_results(imgs=imgs)))
    np.testing.assert_array_equal(after['boxes'], before['boxes'])


def test_pack_and_preprocess_boxes_only_and_with_frames(box_file):
    results = LoadVideoBoxes(box_file, video_size=(H, W))(_video_results())
    boxes = results['boxes']
    # boxes only: empty frames in inputs, the boxes in the data sample
    packed = PackEgoExoBoxInputs()(dict(results))
    assert packed['inputs'].shape == (10, 3, 0, 0) and packed['inputs'].dtype == torch.uint8
    assert packed['data_samples'].boxes.dtype == torch.float32
    np.testing.assert_array_equal(packed['data_samples'].boxes.numpy(), boxes)
    np.testing.assert_array_equal(packed['data_samples'].gt_labels, np.arange(10))
    imgs = np.random.default_rng(0).integers(0, 256, (10, 3, 16, 24), dtype=np.uint8)
    with_frames = PackEgoExoBoxInputs(with_frames=True)(dict(results, imgs=imgs))
    np.testing.assert_array_equal(with_frames['inputs'].numpy(), imgs)
    np.testing.assert_array_equal(with_frames['data_samples'].boxes.numpy(), boxes)
    pre = EgoExoBoxDataPreprocessor(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25), size=32)
    out = pre(dict(inputs=[with_frames['inputs']],
                   data_samples=[with_frames['data_samples']]))
    assert out['inputs'].shape == (1, 10, 3, 32, 32)
    # boxes unchanged by resizing
    np.testing.assert_array_equal(out['data_samples'][0].boxes.numpy(), boxes)
    resized = torch.nn.functional.interpolate(torch.from_numpy(imgs).float(), size=(32, 32),
                                              mode='bicubic', align_corners=False).clamp(0, 255)
    torch.testing.assert_close(out['inputs'][0], (resized - 127.5) / 63.75)
    only = pre(dict(inputs=[packed['inputs']], data_samples=[packed['data_samples']]))
    assert only['inputs'].shape == (1, 10, 3, 0, 0)
    np.testing.assert_array_equal(only['data_samples'][0].boxes.numpy(), boxes)
    frames = torch.zeros(10, 3, 16, 16, dtype=torch.uint8)
    with pytest.raises(ValueError, match='has no boxes'):
        pre(dict(inputs=[frames], data_samples=[EgoExoDataSample(metainfo=dict(num_frames=10))]))
    with pytest.raises(ValueError, match='float32 inputs'):
        pre(dict(inputs=[frames.float()], data_samples=[packed['data_samples']]))
    with pytest.raises(ValueError, match=r'boxes must be \[12, S, 10\]'):  # 12 frames, 10 tables
        pre(dict(inputs=[torch.zeros(12, 3, 0, 0, dtype=torch.uint8)],
                 data_samples=[packed['data_samples']]))
    with pytest.raises(ValueError, match='do not match boxes'):
        PackEgoExoBoxInputs(with_frames=True)(dict(results, imgs=imgs[:, None]))
    with pytest.raises(ValueError, match='num_frames=10'):  # one table per frame
        packed['data_samples'].boxes = torch.zeros(9, 4, 10)
    with pytest.raises(KeyError, match='LoadClipBoxes'):
        PackEgoExoBoxInputs()(dict(imgs=imgs))


def test_box_file_follows_each_loaders_data_root(box_file, tmp_path):
    """The box configs write box_file=None: each loader reads the det_bounding_box.pickle
    of its own dataset's data_root (so --data-root moves the boxes with the frames); a
    path set by hand is read instead; with no data_root to go by, the step says so."""
    import os.path as osp
    import shutil

    from mmengine.config import Config

    from byov.datasets.boxes import BOX_FILE, BOX_LOADERS
    from byov.datasets.config_utils import iter_loaders
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, 'configs/byov/byov_box-geometry_synthetic.py'))
    steps = [s for _, d in iter_loaders(cfg) for s in d.pipeline if s.type in BOX_LOADERS]
    assert len(steps) >= 5 and {s.box_file for s in steps} == {None}

    other = tmp_path / 'other_dataset'
    other.mkdir()
    with open(box_file, 'rb') as f:
        data = pickle.load(f)
    data['ego_vid_a'] = data['ego_vid_a'] + 0.5  # moved boxes: tells the files apart
    with open(other / BOX_FILE, 'wb') as f:
        pickle.dump(data, f)
    load = LoadVideoBoxes(video_size=(H, W))
    here = load(_video_results(data_root=osp.dirname(box_file)))['boxes']
    there = load(_video_results(data_root=str(other)))['boxes']
    np.testing.assert_allclose((there - here)[:, 3, 0] * W, 0.5, atol=1e-3)
    shutil.copy(box_file, tmp_path / 'elsewhere.pickle')
    fixed = LoadVideoBoxes(str(tmp_path / 'elsewhere.pickle'), video_size=(H, W))
    np.testing.assert_array_equal(fixed(_video_results(data_root=str(other)))['boxes'], here)
    with pytest.raises(ValueError, match='box_file=None reads <data_root>/det_bounding_box'):
        load(_video_results())
