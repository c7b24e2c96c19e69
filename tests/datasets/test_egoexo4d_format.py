"""Ego-Exo4D readers and feature timing, against hand-made files and a brute-force count."""
import json
import os

import numpy as np
import pytest

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d.timing import (expected_num_steps, step_centres, step_labels,
                                           steps_in)


def windows_by_enumeration(frames, window=32, stride=16):
    """Start frames of the extraction's windows, listed one by one: every stride while a
    whole window fits, then one window ending at the last frame if frames are left."""
    if frames <= window:
        return [0]
    starts = list(range(0, frames - window + 1, stride))
    if starts[-1] + window < frames:
        starts.append(frames - window)
    return starts


@pytest.mark.parametrize('frames', [1, 20, 32, 33, 47, 48, 49, 64, 100, 641, 3000])
def test_step_count_and_centres_match_the_window_enumeration(frames):
    duration = frames / 30
    starts = windows_by_enumeration(frames)
    assert expected_num_steps(duration) == len(starts)
    centres = step_centres(len(starts), duration)
    expected = [(s + 16) / 30 for s in starts] if frames >= 32 else [duration / 2]
    np.testing.assert_allclose(centres, expected, atol=1e-9)


def test_step_labels_later_segment_wins_and_background_elsewhere():
    centres = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
    labels = step_labels(centres, starts=[0.0, 2.0, 3.0], ends=[2.0, 4.0, 5.0],
                         labels=[7, 8, 9], background=99)
    # 3.5 lies in [2, 4) and [3, 5): the later start (label 9) wins
    assert labels.tolist() == [7, 7, 8, 9, 9]
    assert step_labels(centres, [10.0], [11.0], [1], 5).tolist() == [5] * 5
    assert steps_in(centres, 1.0, 3.0).tolist() == [1, 2]
    assert steps_in(centres, 1.6, 1.7).tolist() == [1]  # none inside: the nearest


def _write(root, relpath, obj):
    path = os.path.join(root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f)


def _take(uid='t1', cams=(('aria01', True, True), ('cam01', False, False))):
    videos = {cam: ({'rgb': {}} if rgb else {'0': {}}) for cam, _, rgb in cams}
    videos.update(collage={'0': {}}, best_exo={'0': {}})
    return dict(take_uid=uid, take_name=f'{uid}_name', duration_sec=12.5,
                parent_task_name='Cooking', task_name='Omelet', frame_aligned_videos=videos,
                capture=dict(cameras=[dict(cam_id=c, is_ego=e) for c, e, _ in cams]))


def test_takes_cameras_views_and_feature_paths(tmp_path):
    root = str(tmp_path)
    cams = (('aria01', True, True), ('cam01', False, False), ('cam02', True, False))
    _write(root, fmt.TAKES_FILE, [_take(cams=cams)])
    take, = fmt.read_takes(root)
    assert [(c.cam_id, c.is_ego, c.stream_id) for c in take.cameras] == [
        ('aria01', True, 'rgb'), ('cam01', False, '0')]
    assert take.skipped_cameras == ('cam02',)  # an egocentric GoPro: no feature stream
    assert fmt.feature_path(root, 't1', take.cameras[0]).endswith(
        os.path.join('features', 'omnivore_video', 't1_aria01_rgb.pt'))
    assert fmt.split_video_name(fmt.video_name('a_b/c', 'cam01')) == ('a_b/c', 'cam01')


@pytest.mark.parametrize('drop', ['take_uid', 'duration_sec', 'frame_aligned_videos'])
def test_a_missing_field_names_file_take_and_field(tmp_path, drop):
    root = str(tmp_path)
    take = _take()
    del take[drop]
    _write(root, fmt.TAKES_FILE, [take])
    with pytest.raises(fmt.EgoExo4DFormatError, match=f'takes.json.*"{drop}"'):
        fmt.read_takes(root)


def test_missing_files_and_bad_label_mapping(tmp_path):
    root = str(tmp_path)
    with pytest.raises(fmt.EgoExo4DFormatError, match='takes.json does not exist.*egoexo'):
        fmt.read_takes(root)
    _write(root, fmt.SPLITS_FILE, {'take_uid_to_split': {'a': 'TRAIN'}})
    assert fmt.read_splits(root) == {'a': 'train'}
    path = os.path.join(root, fmt.LABEL_MAPPING_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('label_id,step_unique_id,step_name,scenario_name\n1,5,x,cooking\n')
    with pytest.raises(fmt.EgoExo4DFormatError, match='label_id must run 0'):
        fmt.read_label_mapping(root)
    with open(path, 'w') as f:
        f.write('label_id,step_name\n0,x\n')
    with pytest.raises(fmt.EgoExo4DFormatError, match='step_unique_id'):
        fmt.read_label_mapping(root)
