"""The procedural action: five ordered phases, their timing and the 3-D pose at each frame.

A video's timeline says, for every frame, which phase it belongs to (its label) and how far
the movement of that phase has progressed (``progress`` in [0, 1]). Idle stretches and
pauses hold the pose still; they are labelled so that phase order is kept:

- frames before the action starts belong to phase 0 (``reach``, the hand waiting at rest);
- a pause inside a phase keeps that phase's label (the pose is frozen mid-movement);
- frames after the action ends belong to the last phase (``place``, the cup put down).

The pose itself (:func:`action_state`) is a pure function of the scene, the phase and the
progress, so a frame's appearance never depends on its absolute time.
"""
from dataclasses import dataclass

import numpy as np

PHASES = ('reach', 'grasp', 'lift', 'pour', 'place')
# Nominal share of the moving frames each phase takes; every video jitters these.
NOMINAL_SHARE = np.array([0.22, 0.13, 0.18, 0.29, 0.18])
MIN_PHASE_FRAMES = 3


@dataclass(frozen=True)
class Timeline:
    """Per-frame phase labels and movement progress of one video.

    Attributes:
        labels: int64 [L], phase index of each frame (non-decreasing).
        progress: float64 [L], progress of the phase's movement at each frame, in [0, 1].
        moving: bool [L], False on idle and pause frames (the pose does not change).
        action_start: first moving frame.
        action_end: one past the last moving frame.
        pauses: (start frame, length, phase) of each pause inside the action.
    """
    labels: np.ndarray
    progress: np.ndarray
    moving: np.ndarray
    action_start: int
    action_end: int
    pauses: tuple

    @property
    def num_frames(self):
        return len(self.labels)

    @property
    def phase_starts(self):
        """First frame labelled with each phase."""
        return tuple(int(np.argmax(self.labels == k)) for k in range(len(PHASES)))


def split_integer(total, shares, minimum=0):
    """Split ``total`` into ``len(shares)`` integers >= ``minimum`` in proportion to shares.

    Largest-remainder rounding, so the parts always sum to ``total`` exactly.
    """
    shares = np.asarray(shares, dtype=np.float64)
    n = len(shares)
    if total < minimum * n:
        raise ValueError(f'cannot split {total} into {n} parts of at least {minimum}')
    rest = total - minimum * n
    exact = rest * shares / shares.sum()
    parts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - parts), kind='stable')
    parts[order[:rest - parts.sum()]] += 1
    return parts + minimum


def sample_timeline(rng, num_frames, idle=True):
    """Draw the timing of one video of ``num_frames`` frames.

    With ``idle`` 15-55% of the frames are still: a stretch before the action, one after
    it and (in four videos of five) one or two pauses inside random phases, together
    20-50% of the still frames. How the rest splits between before and after is drawn
    from Beta(0.4, 0.4), so most videos have the bulk of their idle time at one end:
    that is what moves the phase boundaries around in normalised time. Without ``idle``
    every frame moves. Phase durations are jittered per video (log-normal, sigma 0.3,
    around :data:`NOMINAL_SHARE`) either way.
    """
    num_phases = len(PHASES)
    if num_frames < num_phases * MIN_PHASE_FRAMES:
        raise ValueError(f'a video needs at least {num_phases * MIN_PHASE_FRAMES} frames, '
                         f'got {num_frames}')
    shares = NOMINAL_SHARE * rng.lognormal(0.0, 0.3, num_phases)
    before = after = 0
    pause_lengths = []
    if idle:
        idle_total = int(round(num_frames * rng.uniform(0.15, 0.55)))
        idle_total = min(idle_total, num_frames - num_phases * MIN_PHASE_FRAMES)
        pause_total = 0
        if rng.random() < 0.8 and idle_total >= 8:
            pause_total = int(round(idle_total * rng.uniform(0.2, 0.5)))
            n_pauses = 1 if pause_total < 6 else int(rng.integers(1, 3))
            pause_lengths = list(split_integer(pause_total, rng.uniform(0.5, 1.0, n_pauses), 1))
        edge = idle_total - pause_total
        before = int(round(edge * rng.beta(0.4, 0.4)))
        after = edge - before
    active = num_frames - before - after - sum(pause_lengths)
    durations = split_integer(active, shares, MIN_PHASE_FRAMES)

    # pauses: (phase, fraction of the phase's movement done when it starts)
    pause_at = sorted((int(rng.integers(num_phases)), float(rng.uniform(0.2, 0.8)), int(n))
                      for n in pause_lengths)

    labels, progress, moving, pauses = [], [], [], []
    labels += [0] * before
    progress += [0.0] * before
    moving += [False] * before
    for k, d in enumerate(durations):
        phase_pauses = [(frac, n) for (p, frac, n) in pause_at if p == k]
        steps = (np.arange(d) + 1.0) / d  # the last moving frame of a phase reaches 1
        for i, u in enumerate(steps):
            for frac, n in phase_pauses:
                if i == int(frac * d):
                    held = steps[i - 1] if i > 0 else 0.0
                    pauses.append((len(labels), n, k))
                    labels += [k] * n
                    progress += [held] * n
                    moving += [False] * n
            labels.append(k)
            progress.append(u)
            moving.append(True)
    labels += [num_phases - 1] * after
    progress += [1.0] * after
    moving += [False] * after
    assert len(labels) == num_frames, (len(labels), num_frames)
    return Timeline(labels=np.asarray(labels, dtype=np.int64),
                    progress=np.asarray(progress, dtype=np.float64),
                    moving=np.asarray(moving, dtype=bool),
                    action_start=before, action_end=num_frames - after,
                    pauses=tuple(pauses))


# ----------------------------------------------------------------------------- pose


def smooth(u):
    """Minimum-jerk easing of u in [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def ramp(u, a, b):
    """Eased 0 -> 1 as u goes from a to b."""
    return smooth((u - a) / (b - a))


def rotation(axis, angle):
    """Rotation matrix about unit ``axis`` by ``angle`` (Rodrigues)."""
    x, y, z = axis
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def bezier(p0, p1, p2, u):
    return (1 - u) ** 2 * p0 + 2 * (1 - u) * u * p1 + u ** 2 * p2


@dataclass(frozen=True)
class ActionState:
    """World pose of the moving parts at one frame (canonical, unmirrored coordinates).

    ``palm``: centre of the acting hand; ``fingers`` [4, 3]; ``cup_center`` and
    ``cup_rot`` (cup to world rotation); ``cup_fill`` and ``bowl_fill`` in [0, 1];
    ``stream``: whether liquid is flowing; ``lip``: the cup's pouring lip;
    ``gaze``: the point an egocentric wearer looks at.
    """
    palm: np.ndarray
    fingers: np.ndarray
    cup_center: np.ndarray
    cup_rot: np.ndarray
    cup_fill: float
    bowl_fill: float
    stream: bool
    lip: np.ndarray
    gaze: np.ndarray


def action_state(geo, phase, u):
    """Pose of the acting hand, cup and liquid at ``phase`` with movement progress ``u``.

    ``geo`` is the scene's :class:`~byov.datasets.synthetic.scene.ActionGeometry`.
    """
    up = np.array([0.0, 0.0, 1.0])
    a = geo.approach          # horizontal unit vector, hand -> cup
    side = np.cross(up, a)
    rest_center = geo.cup_start + up * geo.cup_height / 2
    end_center = geo.cup_end + up * geo.cup_height / 2
    pour_center = geo.pour_center
    grasp_off = geo.grasp_palm - rest_center   # palm relative to the cup centre
    pre_grasp = geo.grasp_palm - a * 0.06 + up * 0.03

    # finger offsets from the palm: open (spread ahead of the palm) and closed (on the cup)
    spread = np.array([-1.5, -0.5, 0.5, 1.5])
    open_f = (a[None] * 0.045 + side[None] * spread[:, None] * 0.018
              + up[None] * (0.01 - 0.004 * np.abs(spread))[:, None])
    ang = np.deg2rad(np.array([-75.0, -40.0, 40.0, 75.0]))
    r = geo.cup_radius + 0.012
    closed_f = (a[None] * (geo.palm_radius + r * (1.0 - np.cos(ang)))[:, None] * 0.9
                + side[None] * (r * np.sin(ang))[:, None]
                + up[None] * np.array([0.01, -0.005, -0.005, 0.01])[:, None])

    cup_center, tilt, grip = rest_center, 0.0, 0.0
    cup_fill, bowl_fill, stream = 1.0, 0.0, False
    attached = False
    if phase == 0:      # reach: rest -> pre-grasp along an arc, fingers opening
        palm = bezier(geo.palm_rest, (geo.palm_rest + pre_grasp) / 2 + up * 0.09, pre_grasp,
                      smooth(u))
        grip = 0.35 * (1.0 - ramp(u, 0.3, 0.9))
        gaze = 0.6 * rest_center + 0.4 * palm
    elif phase == 1:    # grasp: close in on the cup and close the fingers
        palm = pre_grasp + (geo.grasp_palm - pre_grasp) * ramp(u, 0.0, 0.6)
        grip = ramp(u, 0.45, 1.0)
        gaze = rest_center
    elif phase == 2:    # lift: carry the cup up and over next to the bowl
        attached, grip = True, 1.0
        s = smooth(u)
        cup_center = bezier(rest_center, (rest_center + pour_center) / 2 + up * 0.14,
                            pour_center, s)
        tilt = geo.pour_angle * 0.08 * np.sin(np.pi * s)
        gaze = (1 - s) * rest_center + s * geo.bowl_top
    elif phase == 3:    # pour: tilt, liquid flows, tilt back
        attached, grip = True, 1.0
        cup_center = pour_center
        tilt = geo.pour_angle * (ramp(u, 0.0, 0.3) - ramp(u, 0.72, 1.0))
        flow = ramp(u, 0.22, 0.72)
        cup_fill, bowl_fill = 1.0 - flow, flow
        stream = 0.2 < u < 0.76
        gaze = geo.bowl_top
    else:               # place: carry the cup down, let go, draw the hand back
        attached = True
        s = ramp(u, 0.0, 0.75)
        cup_center = bezier(pour_center, (pour_center + end_center) / 2 + up * 0.1,
                            end_center, s)
        cup_fill, bowl_fill = 0.0, 1.0
        grip = 1.0 - ramp(u, 0.72, 0.9)
        gaze = (1 - s) * geo.bowl_top + s * end_center

    rot = rotation(geo.tilt_axis, tilt)
    if attached:
        palm = cup_center + rot @ grasp_off
        if phase == 4:
            palm = palm - a * 0.07 * ramp(u, 0.8, 1.0) + up * 0.03 * ramp(u, 0.8, 1.0)
    fingers = palm[None] + ((1.0 - grip) * open_f + grip * closed_f) @ rot.T
    # the lip: the rim point nearest the bowl
    lip = cup_center + rot @ (up * geo.cup_height / 2 + geo.to_bowl * geo.cup_radius)
    return ActionState(palm=palm, fingers=fingers, cup_center=cup_center, cup_rot=rot,
                       cup_fill=float(cup_fill), bowl_fill=float(bowl_fill),
                       stream=bool(stream), lip=lip, gaze=np.asarray(gaze, dtype=np.float64))
