"""Hand-object boxes of the synthetic benchmark, in AE2's ``det_bounding_box.pickle`` format.

AE2 ships per-frame detections of a hand-object detector for every video: a float array
``[frames, slots, 10]`` per video under the key ``<view>_<video name>``. Each row is
``x1, y1, x2, y2`` (the video's own pixels), a confidence, four attribute columns and,
last, a slot id (-1: the slot is empty). AE2 has 4 slots: 2 hands, then 2 objects.

The synthetic benchmark writes the same format from its own scene geometry, so the
box-reading models run on it exactly as on AE2's file. Slots (:data:`SLOT_NAMES`):

0. the acting hand (the one that moves the cup),
1. the other hand,
2. the manipulated object (the cup),
3. the target object (the bowl).

Each box is the projection of the part's 3-D extent into the frame, clipped to the image.
The confidence falls with the fraction of the box covered by nearer parts (occlusion) and
the fraction cut off by the image border (truncation); a part behind the camera, fully out
of view or mostly cut off leaves its slot empty. A small rate of simulated detector misses
(empty slots) and jitter of the corners (a fraction of the box size) come from a random
stream of their own, so the boxes are deterministic and writing them never changes the
frames. Attribute columns, in byov's synthetic files (AE2's own files hold the detector's
attributes there; byov's encoders do not read columns 5-8):

5. contact: 1 while the acting hand touches the cup (for slots 0 and 2), else 0;
6-7. the offset from the acting hand's box centre to the cup's, in fractions of the frame
   width and height (slot 0 only, while both are seen), else 0;
8. 1 for a hand, 0 for an object.
"""
from dataclasses import dataclass

import numpy as np

from ..boxes import BOX_COLUMNS as NUM_COLUMNS
from ..boxes import CONFIDENCE_COLUMN as CONFIDENCE
from ..boxes import CONTACT_COLUMN as CONTACT
from ..boxes import SLOT_ID_COLUMN as SLOT_ID
from .scene import UP

SLOT_NAMES = ('acting hand', 'other hand', 'manipulated object', 'target object')


@dataclass(frozen=True)
class BoxNoise:
    """How the simulated detector errs.

    Attributes:
        miss_rate: probability that a visible part's slot is left empty in a frame.
        jitter: standard deviation of each corner's displacement, as a fraction of the
            box's width (x) or height (y).
        confidence_noise: standard deviation of the Gaussian noise on the confidence.
        max_truncation: a part with more than this fraction of its box outside the frame
            is not detected.
    """
    miss_rate: float = 0.03
    jitter: float = 0.04
    confidence_noise: float = 0.03
    max_truncation: float = 0.7


def box_key(view, name):
    """AE2's key of a video in the box file: ``ego_<name>`` / ``exo_<name>``."""
    return f'{view}_{name}'


def _sphere_points(center, radius):
    offsets = np.concatenate([np.eye(3), -np.eye(3)]) * radius
    return center[None] + offsets


def _cylinder_points(p0, p1, radius, n=8):
    axis = p1 - p0
    axis = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(axis, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    ang = 2 * np.pi * np.arange(n) / n
    ring = radius * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
    return np.concatenate([p0 + ring, p1 + ring])


def part_points(scene, state, fidget, left_fidget):
    """World points outlining each slot's part (canonical coordinates, unmirrored)."""
    g = scene.geo
    palm = state.palm + fidget
    hand = np.concatenate([_sphere_points(palm, g.palm_radius),
                           *[_sphere_points(f, 0.011) for f in state.fingers + fidget]])
    other = _sphere_points(scene.left_palm + left_fidget, g.palm_radius)
    half = state.cup_rot @ (UP * g.cup_height / 2)
    cup = _cylinder_points(state.cup_center - half, state.cup_center + half, g.cup_radius)
    bowl = _cylinder_points(g.bowl_center, g.bowl_top, g.bowl_radius, n=12)
    return [hand, other, cup, bowl]


def _project_box(camera, points):
    """(unclipped box [4], mean depth) of world points, or None when any is behind."""
    cam = camera.to_camera(points)
    if np.any(cam[:, 2] <= 1e-3):
        return None, None
    px = camera.project(cam)
    return np.array([px[:, 0].min(), px[:, 1].min(), px[:, 0].max(), px[:, 1].max()]), \
        float(cam[:, 2].mean())


def _area(box):
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _intersection(a, b):
    return _area(np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]),
                           min(a[3], b[3])]))


def frame_boxes(scene, state, fidget, left_fidget, camera, rng, noise=BoxNoise()):
    """The 4 slots of one frame: float32 ``[4, 10]`` in the frame's own pixels.

    ``camera`` renders the frame (world coordinates, mirrored as the scene says);
    ``rng`` draws the misses, jitter and confidence noise.
    """
    mirror = np.array([scene.mirror, 1.0, 1.0])
    width, height = camera.width, camera.height
    raw, depth = [], []
    for pts in part_points(scene, state, fidget, left_fidget):
        box, z = _project_box(camera, pts * mirror)
        raw.append(box)
        depth.append(z)
    clipped = [None if b is None else np.clip(b, 0, [width, height, width, height])
               for b in raw]
    palm = state.palm + fidget
    g = scene.geo
    touching = (np.linalg.norm(palm - state.cup_center)
                < g.palm_radius + g.cup_radius + 0.015)
    out = np.zeros((len(raw), NUM_COLUMNS), np.float32)
    out[:, SLOT_ID] = -1
    # draw the noise for every slot whether it is used or not: a fixed number of draws
    # per frame keeps the stream aligned
    miss = rng.random(len(raw)) < noise.miss_rate
    jitter = rng.normal(0.0, noise.jitter, (len(raw), 4))
    conf_noise = rng.normal(0.0, noise.confidence_noise, len(raw))
    for s, (box, clip) in enumerate(zip(raw, clipped)):
        if box is None or _area(box) <= 0:
            continue
        truncation = 1.0 - _area(clip) / _area(box)
        if truncation > noise.max_truncation or miss[s]:
            continue
        covered = sum(_intersection(clip, clipped[o]) for o in range(len(raw))
                      if o != s and clipped[o] is not None and depth[o] < depth[s])
        occlusion = min(1.0, covered / max(_area(clip), 1e-6))
        conf = 0.97 - 0.5 * occlusion - 0.6 * truncation + conf_noise[s]
        w, h = clip[2] - clip[0], clip[3] - clip[1]
        noisy = clip + jitter[s] * np.array([w, h, w, h])
        noisy = np.clip(noisy, 0, [width, height, width, height])
        if noisy[2] - noisy[0] < 1 or noisy[3] - noisy[1] < 1:
            continue
        out[s, :4] = noisy
        out[s, CONFIDENCE] = np.clip(conf, 0.05, 0.99)
        out[s, 8] = 1.0 if s < 2 else 0.0
        out[s, SLOT_ID] = s
    if touching and out[0, SLOT_ID] >= 0 and out[2, SLOT_ID] >= 0:
        out[[0, 2], CONTACT] = 1.0
    if out[0, SLOT_ID] >= 0 and out[2, SLOT_ID] >= 0:
        centre = (out[:, 0:2] + out[:, 2:4]) / 2
        out[0, 6:8] = (centre[2] - centre[0]) / np.array([width, height])
    return out


def box_rng(video_rng_seed):
    """The boxes' own random stream, derived from the video's seed sequence entries."""
    return np.random.default_rng([*video_rng_seed, 7])
