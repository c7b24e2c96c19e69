"""Damaged data is reported all at once (tools/data/check_dataset.py and the loaders'
own errors), dataset_stats refuses it, and a video whose container header over-states
its frame count is used with its decoded frames, as AE2 uses it."""
import logging
import os.path as osp
import pickle
import re

import cv2
import numpy as np
import pytest
from ae2_fixtures import make_ae2, write_video
from mmengine.logging import MMLogger

from byov.datasets import DatasetProblemsError, EgoExoVideoDataset, probe_video
from byov.datasets.integrity import header_frame_count
from tests.scripts import load_script

REPO = osp.join(osp.dirname(__file__), '..', '..')
CONFIG = osp.join(REPO, 'configs', '_base_', 'datasets', 'ae2_break_eggs.py')
SPLITS = {'train': {'ego': ['e_a', 'e_b', 'e_c'], 'exo': ['x_a', 'x_b', 'x_c']},
          'val': {'ego': ['e_v'], 'exo': ['x_v']}, 'test': {'ego': ['e_t'], 'exo': ['x_t']}}


def _tool(relpath):
    return load_script(osp.join('tools', relpath))


def _edit_labels(root, fn):
    path = osp.join(root, 'label.pickle')
    labels = pickle.load(open(path, 'rb'))
    fn(labels)
    pickle.dump(labels, open(path, 'wb'))


@pytest.fixture
def damaged(tmp_path):
    """A csv-layout dataset whose train split has the four damages: a truncated mp4
    (e_a), a zero-byte mp4 (e_b), a label 3 frames too long (x_a), a video missing from
    label.pickle (x_b). e_c, x_c and the other splits are intact."""
    root = str(tmp_path / 'break_eggs')
    videos = make_ae2(root, 'csv', splits=SPLITS)
    data = open(videos['e_a']['path'], 'rb').read()
    open(videos['e_a']['path'], 'wb').write(data[:len(data) // 2])
    open(videos['e_b']['path'], 'wb').close()
    _edit_labels(root, lambda labels: (labels['x_a'].extend([2, 2, 2]), labels.pop('x_b')))
    return root, videos


def test_check_dataset_reports_all_four_damages_in_one_run(damaged, capsys):
    root, videos = damaged
    code = _tool('data/check_dataset.py').main([CONFIG, '--data-root', root])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    kinds = {}
    for line in lines[:-1]:
        path, kind = re.match(r'(\S+): ([a-z-]+)(?: \(note\))?: ', line).groups()
        kinds[osp.basename(path)] = kind
    assert kinds == {'e_a.mp4': 'undecodable', 'e_b.mp4': 'zero-byte',
                     'x_a.mp4': 'labels-too-long', 'x_b.mp4': 'no-labels'}
    by_name = {osp.basename(line.split(':')[0]): line for line in lines[:-1]}
    assert 'has 15 labels for' in by_name['x_a.mp4']
    assert 'which decodes to 12 frames (+3)' in by_name['x_a.mp4']
    assert 're-download' in by_name['e_a.mp4'] and 're-download' in by_name['e_b.mp4']
    assert 'has no labels for it (key "x_b")' in by_name['x_b.mp4']
    # every split checked: 3 splits, the 5 usable train videos + 2 + 2 decoded
    assert lines[-1] == '3 split(s), 9 video(s) checked: 4 problem(s), 0 note(s).'


def test_check_dataset_passes_intact_data(tmp_path, capsys):
    root = str(tmp_path / 'ok')
    make_ae2(root, 'csv', splits=SPLITS)
    assert _tool('data/check_dataset.py').main([CONFIG, '--data-root', root]) == 0
    assert capsys.readouterr().out.splitlines() == [
        '3 split(s), 10 video(s) checked: 0 problem(s), 0 note(s).']


def test_loader_error_lists_every_damaged_file_of_the_split(damaged, tmp_path):
    root, _ = damaged
    with pytest.raises(DatasetProblemsError) as err:
        EgoExoVideoDataset(root, 'train', str(tmp_path / 'cache'), frame_size=16)
    message = str(err.value)
    assert message.startswith(f'Split "train" of {root}: 4 problems:')
    assert [(osp.basename(p.path), p.kind) for p in err.value.problems] == [
        ('x_b.mp4', 'no-labels'), ('e_a.mp4', 'undecodable'), ('e_b.mp4', 'zero-byte'),
        ('x_a.mp4', 'labels-too-long')]
    assert len(message.splitlines()) == 6  # title, one line per problem, the hint
    assert 'tools/data/check_dataset.py' in message
    with pytest.raises(DatasetProblemsError) as err:  # lazily: the listing's problems
        EgoExoVideoDataset(root, 'train', str(tmp_path / 'cache'), frame_size=16,
                           lazy_init=True)
    assert [osp.basename(p.path) for p in err.value.problems] == ['x_b.mp4']


def test_dataset_stats_refuses_damaged_data(damaged, tmp_path, capsys):
    root, _ = damaged
    with pytest.raises(SystemExit) as err:
        _tool('analysis/dataset_stats.py').main(
            [CONFIG, '--data-root', root, '--cache-dir', str(tmp_path / 'cache')])
    message = str(err.value)
    assert message.startswith('No statistics over damaged data:')
    for name in ('e_a.mp4: undecodable', 'e_b.mp4: zero-byte', 'x_a.mp4: labels-too-long',
                 'x_b.mp4: no-labels'):
        assert name in message
    assert '|' not in capsys.readouterr().out  # no table printed


def _avi_with_overstated_header(path, num_frames, keep, video_id):
    """An MJPG AVI whose header announces ``num_frames`` frames of which only the first
    ``keep`` are in the file (the frame chunks after them and the index are cut off)."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10, (32, 32))
    for t in range(num_frames):
        writer.write(np.full((32, 32, 3), (128, 8 + 12 * t, video_id), np.uint8))
    writer.release()
    data = open(path, 'rb').read()
    movi = data.index(b'movi')
    chunks = [m.start() for m in re.finditer(b'00dc', data[movi:movi + data.index(b'idx1')])]
    open(path, 'wb').write(data[:movi + chunks[keep]])


class _ListHandler(logging.Handler):
    def __init__(self, messages):
        super().__init__()
        self.messages = messages

    def emit(self, record):
        self.messages.append(record.getMessage())


def _dataset_with_overstated_video(tmp_path):
    """A csv dataset whose train split also lists ego/e_h.avi: 11 frames, header 15."""
    root = str(tmp_path / 'd')
    make_ae2(root, 'csv', splits={'train': {'ego': ['e_a'], 'exo': ['x_a']}})
    path = osp.join(root, 'ego', 'e_h.avi')
    _avi_with_overstated_header(path, 15, 11, video_id=90)
    with open(osp.join(root, 'ego', 'train.csv'), 'a') as f:
        f.write('e_h.avi\n')
    return root, path


def test_header_overstating_the_frame_count(tmp_path):
    """Decoded frames are trusted; labels that follow the header's count are cut to the
    decoded frames (AE2 cuts per-frame data to the video); the check says by how much."""
    root, path = _dataset_with_overstated_video(tmp_path)
    _edit_labels(root, lambda labels: labels.update(e_h=[0] * 6 + [1] * 6 + [2] * 3))
    decoded, announced, problems = probe_video(path)
    assert (decoded, announced, header_frame_count(path)) == (11, 15, 15)
    assert [(p.kind, p.is_error) for p in problems] == [('header-count', False)]
    assert 'decodes to 11 frames, the header announces 15 (-4)' in str(problems[0])

    logs = []
    logger = MMLogger.get_current_instance()
    handler = _ListHandler(logs)
    logger.addHandler(handler)
    try:
        dataset = EgoExoVideoDataset(root, 'train', str(tmp_path / 'cache'), frame_size=16)
    finally:
        logger.removeHandler(handler)
    info = next(i for i in dataset.video_infos if i['video_name'] == 'e_h')
    assert info['num_frames'] == 11
    assert info['gt_labels'].tolist() == [0] * 6 + [1] * 5
    item = dataset[info['video_index']]
    assert item['inputs'].shape == (11, 3, 16, 16)
    green = item['inputs'][:, 1].float().mean((1, 2)).numpy()
    np.testing.assert_allclose(green, 8 + 12 * np.arange(11), atol=6)  # the first 11 frames
    assert any('e_h.avi (11 decoded, header 15)' in m for m in logs)

    code = _tool('data/check_dataset.py').main(
        [osp.join(REPO, 'configs', '_base_', 'datasets', 'egoexo.py'), '--data-root', root,
         '--cfg-options', 'test_dataloader=None', 'val_dataloader=None',
         'val_cfg.fit_dataloader=None', 'test_cfg.fit_dataloader=None'])
    assert code == 0  # a note, not an error


def test_labels_matching_neither_count_are_an_error(tmp_path):
    root, path = _dataset_with_overstated_video(tmp_path)
    _edit_labels(root, lambda labels: labels.update(e_h=[0] * 13))
    with pytest.raises(DatasetProblemsError, match=r'e_h\.avi: labels-too-long: .*has 13 '
                                                   r'labels .*decodes to 11 frames, its '
                                                   r'header 15 \(\+2\)'):
        EgoExoVideoDataset(root, 'train', str(tmp_path / 'cache'), frame_size=16)


def test_zero_byte_video_is_named(tmp_path):
    path = str(tmp_path / 'z.mp4')
    open(path, 'wb').close()
    assert [p.kind for p in probe_video(path)[2]] == ['zero-byte']
    write_video(path, 3, video_id=10)
    assert probe_video(path)[:2] == (3, 3)
