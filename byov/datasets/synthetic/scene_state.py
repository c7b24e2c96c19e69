"""The per-frame scene state of a synthetic video (``scene_state.pickle``, see
:mod:`byov.scene_state`): computed from the action's pose (:class:`ActionState`) and the
scene's geometry, never from a camera, so an ego and an exo frame of the same pose have
the same state.

It is what a semantic image model could read off a frame (is the hand on the cup, is the
cup up, over the bowl, pouring, put back; where hand and cup are), in the scene's
canonical coordinates: metres, table top at z = 0, right-handed (a mirrored video's x is
flipped back, so handedness is not in the state). The free hands' small fidget is left
out (the pose alone).
"""
import numpy as np

from ...scene_state import NUM_STATE_COLUMNS, STATE_COLUMNS
from .action import ActionState
from .scene import UP

LIFT_THRESHOLD = 0.005   # m above the resting height
CONTACT_MARGIN = 0.015   # m, the same test as the boxes' contact column
_COL = {name: i for i, name in enumerate(STATE_COLUMNS)}


def frame_state(geo, state: ActionState, poured: bool) -> np.ndarray:
    """float32 ``[K]`` (:data:`~byov.scene_state.STATE_COLUMNS`) of one frame.

    ``poured``: whether the bowl has received the liquid by this frame (``bowl_fill``
    reached 0.5), which tells a cup put back from one not yet taken.
    """
    out = np.zeros(NUM_STATE_COLUMNS, np.float64)
    rest_z = geo.cup_height / 2
    elevation = state.cup_center[2] - rest_z
    hand_cup = float(np.linalg.norm(state.palm - state.cup_center))
    contact = hand_cup < geo.palm_radius + geo.cup_radius + CONTACT_MARGIN
    lifted = elevation > LIFT_THRESHOLD
    over = np.linalg.norm((state.cup_center - geo.bowl_center)[:2])
    axis = state.cup_rot @ UP
    out[_COL['contact']] = contact
    out[_COL['lifted']] = lifted
    out[_COL['held']] = contact and lifted
    out[_COL['above_target']] = over < geo.bowl_radius + geo.cup_radius
    out[_COL['pouring']] = state.stream
    out[_COL['released']] = poured and not lifted and not contact
    out[_COL['cup_elevation']] = elevation
    out[_COL['cup_tilt']] = np.arccos(np.clip(axis[2], -1.0, 1.0))
    out[_COL['cup_fill']] = state.cup_fill
    out[_COL['bowl_fill']] = state.bowl_fill
    out[_COL['hand_cup_distance']] = hand_cup
    out[_COL['hand_x']:_COL['hand_z'] + 1] = state.palm - geo.cup_start
    out[_COL['cup_x']:_COL['cup_z'] + 1] = state.cup_center - geo.bowl_top
    return out.astype(np.float32)


def video_states(geo, states) -> np.ndarray:
    """float32 ``[L, K]``: :func:`frame_state` of every frame of one video."""
    rows, poured = [], False
    for s in states:
        poured = poured or s.bowl_fill >= 0.5
        rows.append(frame_state(geo, s, poured))
    return np.stack(rows)
