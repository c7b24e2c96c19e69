"""Load the synthetic benchmark's per-frame scene state (:mod:`byov.scene_state`) into the
results key the box loaders fill, ``boxes``, so that the box path (``PackEgoExoBoxInputs``,
``EgoExoBoxDataPreprocessor``, the model, ``FrameStem``) carries it to a state-reading
frame encoder unchanged."""
from typing import Dict, Optional

import numpy as np

from byov.registry import TRANSFORMS
from byov.scene_state import STATE_FILE
from ..scene_state import SceneStates
from .boxes import LoadClipBoxes, LoadVideoBoxes, dataset_file


class _SceneStateMixin:
    """Reads the per-frame scene state (:mod:`byov.scene_state`) instead of boxes, into
    the same results key ``boxes`` (a ``[R, 10]`` table per frame); ``state_file=None``
    reads ``<data_root>/scene_state.pickle`` of the dataset."""

    def __init__(self, state_file: Optional[str] = None):
        self.state_file = state_file
        self._sources: Dict[str, SceneStates] = {}

    def _video(self, info: dict, num_frames: int, data_root: Optional[str]) -> np.ndarray:
        path = dataset_file(self.state_file, data_root, STATE_FILE, type(self).__name__,
                            'state_file')
        if path not in self._sources:
            self._sources[path] = SceneStates(path)
        return self._sources[path].load(info['view'], info['video_name'], num_frames)

    def __repr__(self):
        return f'{type(self).__name__}(state_file={self.state_file!r})'


@TRANSFORMS.register_module()
class LoadClipSceneState(_SceneStateMixin, LoadClipBoxes):
    """The scene state of the sampled frames of each clip of a training pair, as
    :class:`LoadClipBoxes` loads boxes: adds ``boxes`` float32 ``[2, T, R, 10]``, each
    frame's state values and context packed by :func:`byov.scene_state.pack_state_table`.
    Pack it with ``PackEgoExoBoxInputs``.

    Args:
        state_file (str | None): a ``scene_state.pickle``; None (the dataset configs'
            choice): ``<data_root>/scene_state.pickle`` of the dataset.
    """


@TRANSFORMS.register_module()
class LoadVideoSceneState(_SceneStateMixin, LoadVideoBoxes):
    """The scene state of every frame of one video, as :class:`LoadVideoBoxes` loads
    boxes (a ``RandomTemporalCrop`` before or after it is honoured): adds ``boxes``
    float32 ``[L, R, 10]``.

    Args: as :class:`LoadClipSceneState`.
    """
