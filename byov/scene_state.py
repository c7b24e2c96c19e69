"""Per-frame scene state: the file format and how a state table travels to an encoder.

The synthetic benchmark writes ``scene_state.pickle`` beside ``label.pickle``
(:mod:`byov.datasets.synthetic.scene_state`): what a semantic image model would read off
each frame, in the scene's own coordinates rather than a camera's. The file is a plain
dict::

    {'format': 'byov.scene_state', 'version': 1,
     'columns': [...K names...], 'units': [...K units...],
     'states': {'<view>_<video name>': float32 [frames, K], ...}}

with the same keys as ``det_bounding_box.pickle``. The columns of version 1 are
:data:`STATE_COLUMNS` (units in :data:`STATE_UNITS`).

In the pipeline a state table travels the way hand-object boxes do (:mod:`byov.box_inputs`):
in the data sample's ``boxes`` field, one ``[R, 10]`` table per frame. The loader
(``LoadClipSceneState`` / ``LoadVideoSceneState``) appends :data:`CONTEXT_COLUMNS` to each
frame's K values (the view, a code of the video and the frame's index in its video: what
the encoder needs for its view transform and its per-video nuisance) and lays the
``K + 3`` numbers out row-major in rows of 10 (zero padded): :func:`pack_state_table` and
:func:`unpack_state_table` are the two directions. The box path (``PackEgoExoBoxInputs``,
``EgoExoBoxDataPreprocessor``, the model and ``FrameStem``) carries it unchanged to an
encoder that declares ``reads_boxes = True`` (``SceneStateEncoder``).
"""
import zlib
from typing import Tuple

import numpy as np
import torch

from byov.box_inputs import BOX_COLUMNS

STATE_FILE = 'scene_state.pickle'
STATE_FORMAT = 'byov.scene_state'
STATE_VERSION = 1

#: version 1's columns; positions are in the scene's canonical frame (metres, table top at
#: z = 0, the action done right-handed: a mirrored video's x is flipped back)
STATE_COLUMNS = (
    'contact',            # 1 while the acting hand touches the cup
    'lifted',             # 1 while the cup's centre is more than 5 mm above its resting height
    'held',               # contact and lifted: the hand carries the cup
    'above_target',       # 1 while the cup is over the bowl (horizontal distance < r_bowl + r_cup)
    'pouring',            # 1 while liquid flows from the cup
    'released',           # 1 once the emptied cup stands on the table and the hand has let go
    'cup_elevation',      # cup centre height above its resting height
    'cup_tilt',           # angle between the cup's axis and the vertical
    'cup_fill',           # fraction of the liquid still in the cup
    'bowl_fill',          # fraction of the liquid in the bowl
    'hand_cup_distance',  # distance from the palm centre to the cup centre
    'hand_x', 'hand_y', 'hand_z',  # palm centre relative to the cup's starting place
    'cup_x', 'cup_y', 'cup_z',     # cup centre relative to the bowl's top centre
)
STATE_UNITS = ('flag',) * 6 + ('m', 'rad', 'fraction', 'fraction', 'm') + ('m',) * 6
NUM_STATE_COLUMNS = len(STATE_COLUMNS)

#: what the loader appends to every frame's state
CONTEXT_COLUMNS = ('is_ego', 'video_code', 'frame_index')
NUM_STATE_ROWS = -(-(NUM_STATE_COLUMNS + len(CONTEXT_COLUMNS)) // BOX_COLUMNS)  # 2


def video_code(key: str) -> int:
    """A number identifying a video (its key's CRC-32 cut to 24 bits, exact in float32)."""
    return zlib.crc32(key.encode()) & 0xFFFFFF


def pack_state_table(states: np.ndarray, is_ego: bool, code: int,
                     frame_index: np.ndarray) -> np.ndarray:
    """``states [..., K]`` with the context of each frame -> float32 ``[..., R, 10]``
    (K values, then ``is_ego``, ``code`` and ``frame_index``, zero padded)."""
    states = np.asarray(states, dtype=np.float32)
    lead = states.shape[:-1]
    out = np.zeros((*lead, NUM_STATE_ROWS * BOX_COLUMNS), np.float32)
    k = states.shape[-1]
    out[..., :k] = states
    out[..., k] = float(is_ego)
    out[..., k + 1] = float(code)
    out[..., k + 2] = np.asarray(frame_index, dtype=np.float32)
    return out.reshape(*lead, NUM_STATE_ROWS, BOX_COLUMNS)


def unpack_state_table(table: torch.Tensor, num_columns: int = NUM_STATE_COLUMNS
                       ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``[..., R, 10]`` -> (states ``[..., K]``, is_ego ``[...]`` bool, video code
    ``[...]`` int64, frame index ``[...]`` int64)."""
    flat = table.flatten(-2)
    if flat.shape[-1] < num_columns + len(CONTEXT_COLUMNS):
        raise ValueError(f'a scene-state table needs {num_columns + len(CONTEXT_COLUMNS)} '
                         f'values per frame, got [{", ".join(map(str, table.shape))}].')
    k = num_columns
    return (flat[..., :k], flat[..., k] > 0.5, flat[..., k + 1].round().long(),
            flat[..., k + 2].round().long())
