"""AE2's hand-object boxes (``det_bounding_box.pickle``) as a per-frame input.

The file maps ``ego_<video name>`` / ``exo_<video name>`` to a float array
``[frames, slots, 10]``: ``x1, y1, x2, y2`` in the video's own pixels, a confidence, four
attribute columns and, last, a slot id (-1: empty slot). AE2 has 4 slots (2 hands, then 2
objects); the synthetic benchmark writes the same format
(:mod:`byov.datasets.synthetic.boxes`).

:class:`HandObjectBoxes` reads the file once and returns each video's boxes with AE2's
options applied (confidence threshold, expansion about the centre, one-object mode) and
the coordinates divided by the video's width and height, so that they hold for frames
of any size: resizing the frames (the frame cache's ``frame_size``, the data
preprocessor's ``size``) never moves a box off its object. A box file with more rows
than the video has frames is cut to the video, as AE2 does; fewer rows, or no entry, is
an error naming the video.
"""
import os.path as osp
import pickle
from difflib import get_close_matches
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from byov.box_inputs import BOX_COLUMNS
from .ae2 import _LabelUnpickler as _DataUnpickler  # containers, numbers, numpy arrays

BOX_FILE = 'det_bounding_box.pickle'
# the pipeline steps that read it (box_file=None: <data_root>/BOX_FILE of their dataset)
BOX_LOADERS = ('LoadClipBoxes', 'LoadVideoBoxes')
CONFIDENCE_COLUMN = 4
CONTACT_COLUMN = 5
SLOT_ID_COLUMN = 9


class MissingBoxesError(KeyError):
    """A video has no entry in the box file (a KeyError whose message prints plainly)."""

    def __str__(self):
        return str(self.args[0])


def load_box_file(path: str) -> Dict[str, np.ndarray]:
    """Read a box file: key -> float32 ``[frames, slots, 10]`` (checked)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Box file {path} does not exist. AE2 ships det_bounding_box.pickle beside '
            'label.pickle; the synthetic benchmark writes one (regenerate it with '
            'tools/data/generate_synthetic_egoexo.py if it is missing).')
    try:
        with open(path, 'rb') as f:
            raw = _DataUnpickler(f).load()
    except pickle.UnpicklingError as err:
        raise ValueError(f'{path} holds objects other than dicts and numpy arrays ({err}); '
                         'byov does not unpickle them.') from err
    if not isinstance(raw, dict):
        raise ValueError(f'{path} must hold a dict "<view>_<video>" -> [frames, slots, 10] '
                         f'array, got {type(raw).__name__}.')
    boxes = {}
    for key, value in raw.items():
        arr = np.asarray(value, dtype=np.float32)
        if arr.ndim != 3 or arr.shape[2] != BOX_COLUMNS:
            raise ValueError(f'{path}: entry {key!r} has shape {arr.shape}; AE2 boxes are '
                             f'[frames, slots, {BOX_COLUMNS}].')
        boxes[str(key)] = arr
    return boxes


def expand_boxes(boxes: np.ndarray, ratio: float) -> np.ndarray:
    """Scale each box's width and height by ``ratio`` about its centre (AE2's
    ``bbox_expansion_ratio``); ``[..., 10]`` in, a new array out."""
    out = boxes.copy()
    half = (ratio - 1.0) / 2.0 * (boxes[..., 2:4] - boxes[..., 0:2])
    out[..., 0:2] -= half
    out[..., 2:4] += half
    return out


def video_frame_size(video_path: str) -> Tuple[int, int]:
    """``(height, width)`` of a video from its header (no decoding)."""
    cap = cv2.VideoCapture(video_path)
    try:
        if not cap.isOpened():
            raise ValueError(f'Cannot open video {video_path} to read its frame size, which '
                             'scales its boxes; check the file or give the box loader '
                             'video_size=(height, width).')
        return int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    finally:
        cap.release()


class HandObjectBoxes:
    """The boxes of every video of one box file, with AE2's options.

    Args:
        box_file: path of ``det_bounding_box.pickle``.
        score_threshold: boxes with a confidence below it become empty slots (zeros, slot
            id -1), as AE2's ``bbox_threshold``; 0 keeps every box.
        expansion_ratio: scale every box about its centre (AE2's
            ``bbox_expansion_ratio``, default 1: unchanged).
        one_object: empty the last slot (AE2's ``one_object_bbox``: one hand-held object
            instead of two). AE2 only sets that slot's id to -1; byov zeros the whole row,
            so an encoder that ignores the id does not see a box there either.
        video_size: ``(height, width)`` of every video, or None to read each video's own
            size from its header (views of one dataset may differ).
    """

    def __init__(self, box_file: str, score_threshold: float = 0.0,
                 expansion_ratio: float = 1.0, one_object: bool = False,
                 video_size: Optional[Sequence[int]] = None):
        if expansion_ratio <= 0:
            raise ValueError(f'expansion_ratio must be > 0, got {expansion_ratio}.')
        self.box_file = box_file
        self.score_threshold = score_threshold
        self.expansion_ratio = expansion_ratio
        self.one_object = one_object
        self.video_size = tuple(video_size) if video_size is not None else None
        self._boxes: Optional[Dict[str, np.ndarray]] = None
        self._sizes: Dict[str, Tuple[int, int]] = {}

    @property
    def boxes(self) -> Dict[str, np.ndarray]:
        if self._boxes is None:  # read lazily: once per worker process
            self._boxes = load_box_file(self.box_file)
        return self._boxes

    def frame_size(self, video_path: str) -> Tuple[int, int]:
        if self.video_size is not None:
            return self.video_size
        if video_path not in self._sizes:
            self._sizes[video_path] = video_frame_size(video_path)
        return self._sizes[video_path]

    def raw(self, view: str, video_name: str, num_frames: int) -> np.ndarray:
        """The file's rows of one video, cut to ``num_frames`` (no options applied)."""
        key = f'{view}_{video_name}'
        if key not in self.boxes:
            close = get_close_matches(key, list(self.boxes), n=3)
            hint = f' Closest keys: {", ".join(close)}.' if close else ''
            raise MissingBoxesError(
                f'{self.box_file} has no boxes for video {video_name} ({view}): no key '
                f'{key}.{hint} Box keys are <view>_<video name>; check that the box file '
                'belongs to this dataset.')
        rows = self.boxes[key]
        if len(rows) < num_frames:
            raise ValueError(
                f'{self.box_file} has {len(rows)} rows of boxes for video {video_name} '
                f'({view}), which has {num_frames} frames; every frame needs a row. Use the '
                'box file made for this version of the videos.')
        return rows[:num_frames]  # longer: cut to the video, as AE2 does

    def load(self, view: str, video_name: str, video_path: str,
             num_frames: int) -> np.ndarray:
        """float32 ``[num_frames, slots, 10]``: coordinates as fractions of the frame
        width / height, options applied, empty slots all zero with slot id -1."""
        boxes = self.raw(view, video_name, num_frames).copy()
        height, width = self.frame_size(video_path)
        boxes[..., 0:4] /= np.array([width, height, width, height], np.float32)
        if self.expansion_ratio != 1.0:
            boxes = expand_boxes(boxes, self.expansion_ratio)
        empty = boxes[..., SLOT_ID_COLUMN] < 0
        if self.score_threshold > 0:
            empty |= boxes[..., CONFIDENCE_COLUMN] < self.score_threshold
        if self.one_object:
            empty[:, -1] = True
        boxes[empty] = 0.0
        boxes[..., SLOT_ID_COLUMN][empty] = -1.0
        return boxes
