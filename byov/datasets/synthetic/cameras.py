"""Pinhole cameras: a static distant exocentric one and a moving head-mounted egocentric one.

Camera coordinates follow OpenCV: x right, y down, z forward (depth). World coordinates:
z up, the table top is the plane z = 0, the actor stands on the -y side facing +y.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """``x_cam = R @ (x_world - eye)``; pixel = (f x / z + cx, f y / z + cy)."""
    R: np.ndarray
    eye: np.ndarray
    f: float
    width: int
    height: int

    @property
    def cx(self):
        return self.width / 2.0

    @property
    def cy(self):
        return self.height / 2.0

    def to_camera(self, points):
        """World points [..., 3] -> camera coordinates [..., 3]."""
        return (points - self.eye) @ self.R.T

    def project(self, cam_points):
        """Camera points [..., 3] with z > 0 -> pixel coordinates [..., 2]."""
        z = cam_points[..., 2:3]
        return cam_points[..., :2] * (self.f / z) + np.array([self.cx, self.cy])

    def scaled(self, factor):
        """The same camera rendering an image ``factor`` times larger."""
        return Camera(self.R, self.eye, self.f * factor, self.width * factor,
                      self.height * factor)


def focal_from_fov(fov_deg, width):
    """Focal length in pixels for a horizontal field of view."""
    return (width / 2.0) / np.tan(np.deg2rad(fov_deg) / 2.0)


def look_at(eye, target, roll=0.0):
    """World -> camera rotation looking from ``eye`` at ``target``, z up, rolled (radians)."""
    forward = target - eye
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    if np.linalg.norm(right) < 1e-6:          # looking straight down
        right = np.array([1.0, 0.0, 0.0])
    right = right / np.linalg.norm(right)
    down = np.cross(forward, right)
    c, s = np.cos(roll), np.sin(roll)
    right, down = c * right + s * down, -s * right + c * down
    return np.stack([right, down, forward])


def sample_exo_camera(rng, target, width, height):
    """A static third-person camera 1.0-1.6 m from ``target``.

    Azimuth anywhere except within 60 degrees of straight behind the actor, elevation
    18-50 degrees, horizontal field of view 34-50 degrees, a small roll.
    """
    az = np.deg2rad(rng.uniform(-30.0, 210.0))
    el = np.deg2rad(rng.uniform(18.0, 50.0))
    dist = rng.uniform(1.0, 1.6)
    aim = target + rng.normal(0.0, [0.05, 0.05, 0.03])
    eye = aim + dist * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    R = look_at(eye, aim, roll=np.deg2rad(rng.uniform(-4.0, 4.0)))
    return Camera(R, eye, focal_from_fov(rng.uniform(34.0, 50.0), width), width, height)


def smooth_noise(rng, num_frames, fps, amplitude, freq_range=(0.2, 0.8), dims=3):
    """A smooth random signal [num_frames, dims]: a sum of two random sinusoids per dim."""
    t = np.arange(num_frames) / fps
    out = np.zeros((num_frames, dims))
    for _ in range(2):
        freq = rng.uniform(*freq_range, dims)
        phase = rng.uniform(0.0, 2 * np.pi, dims)
        out += np.sin(2 * np.pi * freq[None] * t[:, None] + phase[None]) / 2.0
    return out * amplitude


def ego_camera_track(rng, eye_rest, gaze, fps, width, height):
    """Head-mounted camera for each frame, following the gaze points ``gaze`` [L, 3].

    The head lags behind the gaze (exponential smoothing), leans over the table towards
    where it looks, bobs (1.4-2.4 Hz), drifts in yaw and pitch and rolls a little; wide
    lens (55-75 degrees).
    """
    num_frames = len(gaze)
    lag = rng.uniform(0.12, 0.35)        # smoothing weight per frame at 30 fps
    lag = 1.0 - (1.0 - lag) ** (30.0 / fps)
    aim = np.empty_like(gaze)
    aim[0] = gaze[0]
    for i in range(1, num_frames):
        aim[i] = aim[i - 1] + lag * (gaze[i] - aim[i - 1])
    aim = aim + smooth_noise(rng, num_frames, fps, rng.uniform(0.03, 0.08))
    bob = smooth_noise(rng, num_frames, fps, rng.uniform(0.006, 0.018), (1.4, 2.4))
    lean = rng.uniform(0.2, 0.4)
    horiz = aim - eye_rest
    horiz[:, 2] = 0.0
    eyes = eye_rest + lean * horiz + bob - np.array([0.0, 0.0, rng.uniform(0.03, 0.1)])
    roll = np.deg2rad(smooth_noise(rng, num_frames, fps, rng.uniform(2.0, 8.0), dims=1)[:, 0]
                      + rng.uniform(-5.0, 5.0))
    f = focal_from_fov(rng.uniform(55.0, 75.0), width)
    return [Camera(look_at(eyes[i], aim[i], roll[i]), eyes[i], f, width, height)
            for i in range(num_frames)]
