"""Reading ``scene_state.pickle``, the synthetic benchmark's per-frame scene state
(format: :mod:`byov.scene_state`)."""
import os.path as osp
import pickle
from difflib import get_close_matches
from typing import Dict, Optional

import numpy as np

from byov.scene_state import (STATE_COLUMNS, STATE_FORMAT, STATE_VERSION,
                              pack_state_table, video_code)
from byov.utils.errors import UserInputError
from .ae2 import _LabelUnpickler as _DataUnpickler  # containers, numbers, numpy arrays


class SceneStateFileError(UserInputError, ValueError):
    """A scene-state file is missing, of another format or version, or lacks a video."""


def load_state_file(path: str) -> Dict[str, np.ndarray]:
    """Read a scene-state file: key ``<view>_<video>`` -> float32 ``[frames, K]`` (the
    header checked against this version of byov's columns)."""
    if not osp.isfile(path):
        raise SceneStateFileError(
            f'Scene-state file {path} does not exist. The synthetic benchmark writes it '
            f'beside label.pickle since synthetic_version 3; regenerate the data with '
            'tools/data/generate_synthetic_egoexo.py (AE2\'s own datasets have none).')
    try:
        with open(path, 'rb') as f:
            raw = _DataUnpickler(f).load()
    except pickle.UnpicklingError as err:
        raise SceneStateFileError(f'{path} holds objects other than dicts and numpy arrays '
                                  f'({err}); byov does not unpickle them.') from err
    if not isinstance(raw, dict) or raw.get('format') != STATE_FORMAT:
        raise SceneStateFileError(f'{path} is not a byov scene-state file (no '
                                  f'format={STATE_FORMAT!r} entry).')
    if raw.get('version') != STATE_VERSION or tuple(raw.get('columns', ())) != STATE_COLUMNS:
        raise SceneStateFileError(
            f'{path} is scene-state version {raw.get("version")} with columns '
            f'{raw.get("columns")}; this byov reads version {STATE_VERSION} '
            f'{list(STATE_COLUMNS)}. Regenerate the data with this byov.')
    states = {}
    for key, value in raw['states'].items():
        arr = np.asarray(value, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[1] != len(STATE_COLUMNS):
            raise SceneStateFileError(f'{path}: entry {key!r} has shape {arr.shape}, '
                                      f'expected [frames, {len(STATE_COLUMNS)}].')
        states[str(key)] = arr
    return states


class SceneStates:
    """The scene states of every video of one file, read lazily (once per worker).

    Args:
        state_file: path of ``scene_state.pickle``.
    """

    def __init__(self, state_file: str):
        self.state_file = state_file
        self._states: Optional[Dict[str, np.ndarray]] = None

    @property
    def states(self) -> Dict[str, np.ndarray]:
        if self._states is None:
            self._states = load_state_file(self.state_file)
        return self._states

    def raw(self, view: str, video_name: str, num_frames: int) -> np.ndarray:
        """The file's ``[num_frames, K]`` rows of one video."""
        key = f'{view}_{video_name}'
        if key not in self.states:
            close = get_close_matches(key, list(self.states), n=3)
            hint = f' Closest keys: {", ".join(close)}.' if close else ''
            raise SceneStateFileError(
                f'{self.state_file} has no state for video {video_name} ({view}): no key '
                f'{key}.{hint} Check that the file belongs to this dataset.')
        rows = self.states[key]
        if len(rows) < num_frames:
            raise SceneStateFileError(
                f'{self.state_file} has {len(rows)} rows for video {video_name} ({view}), '
                f'which has {num_frames} frames; regenerate the data.')
        return rows[:num_frames]

    def load(self, view: str, video_name: str, num_frames: int) -> np.ndarray:
        """float32 ``[num_frames, R, 10]``: each frame's state with its context (view,
        video code, frame index), packed by :func:`byov.scene_state.pack_state_table`."""
        return pack_state_table(self.raw(view, video_name, num_frames), view == 'ego',
                                video_code(f'{view}_{video_name}'), np.arange(num_frames))
