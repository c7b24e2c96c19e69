"""Writing a dataset in the AE2 layout: videos, split lists, ``label.pickle``, metadata.

Two layouts (see docs/data.md):

- ``csv`` (like break_eggs): ``<root>/{ego,exo}/<name>.mp4`` and
  ``<root>/{ego,exo}/{train,val,test}.csv``, one file name (with ``.mp4``) per line;
- ``folders`` (like pour_milk): ``<root>/{train,val,test}/{ego,exo}/<name>.mp4``.

Both have ``<root>/label.pickle`` (video base name -> list of per-frame int labels),
``<root>/det_bounding_box.pickle`` (hand-object boxes, see
:mod:`byov.datasets.synthetic.boxes`), ``<root>/scene_state.pickle`` (per-frame scene
state, see :mod:`byov.scene_state`) and
``<root>/synthetic_egoexo.json`` (how the dataset was made). The dataset is written into
a temporary sibling folder and renamed into place when complete.
"""
import contextlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np

from ...scene_state import (STATE_COLUMNS, STATE_FILE, STATE_FORMAT, STATE_UNITS,
                            STATE_VERSION)
from ..boxes import BOX_FILE  # AE2's name of the box file

LAYOUTS = ('csv', 'folders')
VIEWS = ('ego', 'exo')
META_FILE = 'synthetic_egoexo.json'
LABEL_FILE = 'label.pickle'


def video_relpath(layout, split, view, name):
    """Path of a video relative to the dataset root."""
    if layout == 'csv':
        return Path(view) / f'{name}.mp4'
    if layout == 'folders':
        return Path(split) / view / f'{name}.mp4'
    raise ValueError(f'unknown layout {layout!r}; choose one of {LAYOUTS}')


def write_video(path, frames, fps):
    """Write RGB uint8 frames [H, W, 3] to an MPEG-4 part 2 ('mp4v') file."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), float(fps),
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot open a video writer for {path} (fourcc mp4v)')
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()


def count_frames(path):
    """(frames OpenCV decodes, frames its CAP_PROP_FRAME_COUNT reports) for a video."""
    cap = cv2.VideoCapture(str(path))
    try:
        reported = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        decoded = 0
        while cap.grab():
            decoded += 1
    finally:
        cap.release()
    return decoded, reported


def check_frame_count(path, num_labels):
    """Raise if the video at ``path`` does not decode to ``num_labels`` frames."""
    decoded, reported = count_frames(path)
    if decoded != num_labels or reported != num_labels:
        raise RuntimeError(f'{path} was written with {num_labels} frames but OpenCV decodes '
                           f'{decoded} (and reports {reported}); the video writer dropped '
                           'frames, so its labels would not line up')


def write_split_lists(root, names):
    """csv layout: ``<root>/<view>/<split>.csv`` listing ``names[split][view]``."""
    for split, per_view in names.items():
        for view, vids in per_view.items():
            lines = ''.join(f'{n}.mp4\n' for n in sorted(vids))
            (Path(root) / view / f'{split}.csv').write_text(lines)


def write_labels(root, labels):
    """``label.pickle``: dict base name -> list of int labels (plain Python, so that it
    loads with any numpy version), keys in sorted order (byte-identical for equal input)."""
    data = {name: [int(x) for x in labels[name]] for name in sorted(labels)}
    with open(Path(root) / LABEL_FILE, 'wb') as f:
        pickle.dump(data, f, protocol=4)


def write_boxes(root, boxes):
    """``det_bounding_box.pickle`` (AE2's hand-object boxes): dict ``<view>_<name>`` ->
    float32 ``[frames, 4, 10]`` (plain numpy arrays), keys in sorted order."""
    data = {key: np.ascontiguousarray(boxes[key], dtype=np.float32) for key in sorted(boxes)}
    with open(Path(root) / BOX_FILE, 'wb') as f:
        pickle.dump(data, f, protocol=4)


def write_scene_states(root, states):
    """``scene_state.pickle`` (:mod:`byov.scene_state`): the format's header and dict
    ``<view>_<name>`` -> float32 ``[frames, K]``, keys in sorted order."""
    data = dict(format=STATE_FORMAT, version=STATE_VERSION, columns=list(STATE_COLUMNS),
                units=list(STATE_UNITS),
                states={key: np.ascontiguousarray(states[key], dtype=np.float32)
                        for key in sorted(states)})
    with open(Path(root) / STATE_FILE, 'wb') as f:
        pickle.dump(data, f, protocol=4)


def write_meta(root, meta):
    with open(Path(root) / META_FILE, 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write('\n')


def read_meta(root):
    with open(Path(root) / META_FILE) as f:
        return json.load(f)


@contextlib.contextmanager
def atomic_output(out_dir, overwrite=False):
    """Yield a temporary folder next to ``out_dir``; on success it becomes ``out_dir``.

    An existing non-empty ``out_dir`` is refused unless ``overwrite``, and even then only
    when it is a synthetic dataset (holds ``synthetic_egoexo.json``), so a mistyped path
    never deletes someone's data. On error the temporary folder is removed.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f'{out_dir} exists and is not a folder')
        if any(out_dir.iterdir()):
            if not overwrite:
                raise FileExistsError(
                    f'{out_dir} already exists and is not empty; pass overwrite=True '
                    '(--overwrite) to replace it, or choose another folder')
            if not (out_dir / META_FILE).is_file():
                raise FileExistsError(
                    f'{out_dir} is not a synthetic dataset (it has no {META_FILE}); '
                    'refusing to overwrite it. Remove it yourself or choose another folder')
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f'.{out_dir.name}.partial-', dir=out_dir.parent))
    os.chmod(tmp, 0o755)   # mkdtemp makes it private; a dataset is for everyone to read
    try:
        yield tmp
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f'.{out_dir.name}.old-', dir=out_dir.parent))
            os.rename(out_dir, old / 'data')
        os.rename(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
