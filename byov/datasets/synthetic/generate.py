"""Generating the synthetic ego-exo benchmark: configuration, one video, the whole dataset."""
import dataclasses
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...version import __version__
from .action import PHASES, action_state, ramp, sample_timeline
from .boxes import box_key, box_rng, frame_boxes
from .cameras import ego_camera_track, sample_exo_camera, smooth_noise
from .renderer import render
from .scene import Sensor, frame_geometry, sample_scene
from .scene_state import video_states
from .writer import (LAYOUTS, VIEWS, atomic_output, check_frame_count, video_relpath,
                     write_boxes, write_labels, write_meta, write_scene_states,
                     write_split_lists, write_video)

# 2: hand-object boxes (det_bounding_box.pickle); frames and labels as in version 1
# 3: per-frame scene state (scene_state.pickle); every other file as in version 2
SYNTHETIC_VERSION = 3
REFERENCE_FPS = 30.0


@dataclass(frozen=True)
class SyntheticEgoExoConfig:
    """Options of the synthetic benchmark.

    Attributes:
        layout: 'csv' (break_eggs-like, split lists) or 'folders' (pour_milk-like).
        seed: everything follows from it; the same seed gives the same dataset.
        splits: (split, number of ego videos, number of exo videos) per split.
        ego_size, exo_size: (height, width) of the frames, even numbers.
        ego_fps, exo_fps: frame rate of each view.
        min_frames, max_frames: range of video lengths at 30 fps (a view with another
            frame rate gets proportionally more or fewer frames for the same action).
        idle: idle stretches before and after the action and pauses inside it; False
            makes every frame move (the action fills the video evenly paced).
        supersample: render this many times larger and reduce (anti-aliasing).
    """
    layout: str = 'csv'
    seed: int = 0
    splits: tuple = (('train', 20, 20), ('val', 5, 5), ('test', 8, 8))
    ego_size: tuple = (112, 112)
    exo_size: tuple = (112, 112)
    ego_fps: float = 30.0
    exo_fps: float = 30.0
    min_frames: int = 60
    max_frames: int = 120
    idle: bool = True
    supersample: int = 2

    def __post_init__(self):
        splits = self.splits
        if isinstance(splits, dict):
            splits = tuple((k, *v) for k, v in splits.items())
        object.__setattr__(self, 'splits', tuple((str(s), int(a), int(b)) for s, a, b in splits))
        object.__setattr__(self, 'ego_size', tuple(int(x) for x in self.ego_size))
        object.__setattr__(self, 'exo_size', tuple(int(x) for x in self.exo_size))
        if self.layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got {self.layout!r}')
        for view, size in (('ego', self.ego_size), ('exo', self.exo_size)):
            if len(size) != 2 or min(size) < 16 or any(x % 2 for x in size):
                raise ValueError(f'{view}_size must be (height, width), even numbers >= 16 '
                                 f'(odd sizes break some decoders), got {size}')
        if not 15 <= self.min_frames <= self.max_frames:
            raise ValueError(f'need 15 <= min_frames <= max_frames, got {self.min_frames}, '
                             f'{self.max_frames}')
        if min(self.ego_fps, self.exo_fps) <= 0:
            raise ValueError('frame rates must be positive')
        for view in VIEWS:
            shortest = self.num_frames_range(view)[0]
            if shortest < 15:
                raise ValueError(f'{view} videos of {shortest} frames at {self.fps(view)} fps '
                                 'are too short for 5 phases; raise min_frames (given at '
                                 '30 fps) or the frame rate')
        if len({s for s, _, _ in self.splits}) != len(self.splits):
            raise ValueError(f'split names repeat: {self.splits}')

    def size(self, view):
        return self.ego_size if view == 'ego' else self.exo_size

    def fps(self, view):
        return self.ego_fps if view == 'ego' else self.exo_fps

    def num_frames_range(self, view):
        """(shortest, longest) video of ``view`` in frames, at its frame rate."""
        scale = self.fps(view) / REFERENCE_FPS
        return round(self.min_frames * scale), round(self.max_frames * scale)


def video_name(split, view, index):
    """``<view>_<split>_<index>``; indices do not pair ego with exo videos."""
    return f'{view}_{split}_{index:03d}'


def video_seed(seed, split, view, index):
    """The entropy of one video's random streams."""
    return [int(seed), zlib.crc32(split.encode()), VIEWS.index(view), int(index)]


def video_rng(seed, split, view, index):
    """The random stream of one video: independent of every other video and of order."""
    return np.random.default_rng(video_seed(seed, split, view, index))


def render_video(config, split, view, index, with_state=False):
    """Draw and render one video; returns (frames RGB uint8 [L, H, W, 3], labels, boxes,
    info), where boxes are float32 ``[L, 4, 10]`` in AE2's box format
    (:mod:`byov.datasets.synthetic.boxes`); ``with_state`` appends the scene state,
    float32 ``[L, K]`` (:mod:`byov.datasets.synthetic.scene_state`). The state draws
    nothing at random, so asking for it never changes the rest."""
    rng = video_rng(config.seed, split, view, index)
    height, width = config.size(view)
    fps = config.fps(view)
    scene = sample_scene(rng)
    shortest, longest = config.num_frames_range(view)
    num_frames = int(rng.integers(shortest, longest + 1))
    # the timing has a stream of its own: with and without idle, a seed gives the same
    # scenes, cameras, lengths and noise; only when each phase happens differs
    timing_rng = np.random.default_rng(int(rng.integers(1 << 62)))
    tl = sample_timeline(timing_rng, num_frames, idle=config.idle)
    states = [action_state(scene.geo, int(k), float(u))
              for k, u in zip(tl.labels, tl.progress)]
    # the free hands fidget a little (the acting one only while it holds nothing)
    fidget = smooth_noise(rng, num_frames, fps, 0.012)
    left_fidget = smooth_noise(rng, num_frames, fps, 0.012)
    hold = np.array([(1.0 - u) if k == 0 else (ramp(u, 0.8, 1.0) if k == len(PHASES) - 1
                                              else 0.0) for k, u in zip(tl.labels, tl.progress)])
    fidget *= hold[:, None]
    fidget[:, 2] = np.maximum(fidget[:, 2], 0.0)
    left_fidget[:, 2] = np.maximum(left_fidget[:, 2], 0.0)
    mirror = np.array([scene.mirror, 1.0, 1.0])
    light = scene.light * mirror
    background = scene.colors['wall']
    static_camera = view == 'exo'
    if static_camera:
        cameras = [sample_exo_camera(rng, scene.action_center, width, height)] * num_frames
        gain = np.ones(num_frames)
        # the room, table and static shadows look the same in every frame: draw them once
        background = render(cameras[0], scene.static_faces[view]['background'], [], light,
                            scene.ambient, background, config.supersample, reduce=False)
    else:
        gaze = np.array([s.gaze for s in states]) * mirror
        cameras = ego_camera_track(rng, scene.eye, gaze, fps, width, height)
        gain = 1.0 + smooth_noise(rng, num_frames, fps, 0.08, (0.3, 1.0), dims=1)[:, 0]
    sensor = Sensor(scene.sensor, rng, height, width)
    frames = np.empty((num_frames, height, width, 3), dtype=np.uint8)
    boxes_rng = box_rng(video_seed(config.seed, split, view, index))  # its own stream
    boxes = np.empty((num_frames, 4, 10), dtype=np.float32)
    for i in range(num_frames):
        faces, spheres = frame_geometry(scene, states[i], fidget[i], left_fidget[i], view,
                                        cameras[i].eye, background=not static_camera)
        img = render(cameras[i], faces, spheres, light, scene.ambient, background,
                     supersample=config.supersample)
        frames[i] = sensor(img, rng, gain[i])
        boxes[i] = frame_boxes(scene, states[i], fidget[i], left_fidget[i], cameras[i],
                               boxes_rng)
    cam0 = cameras[0]
    info = dict(
        split=split, view=view, num_frames=num_frames, fps=fps, height=height, width=width,
        action_start=tl.action_start, action_end=tl.action_end,
        phase_starts=list(tl.phase_starts),
        pauses=[list(map(int, p)) for p in tl.pauses],
        camera=dict(eye=np.round(cam0.eye, 4).tolist(),
                    fov_deg=round(float(np.degrees(2 * np.arctan(width / 2 / cam0.f))), 2),
                    static=view == 'exo'),
        scene=scene.summary())
    if with_state:
        return frames, tl.labels, boxes, info, video_states(scene.geo, states)
    return frames, tl.labels, boxes, info


def _make_video(args):
    """Worker: render one video, write it into the dataset being built, check it."""
    config, root, split, view, index = args
    name = video_name(split, view, index)
    frames, labels, boxes, info, states = render_video(config, split, view, index,
                                                       with_state=True)
    path = Path(root) / video_relpath(config.layout, split, view, name)
    write_video(path, frames, config.fps(view))
    check_frame_count(path, len(labels))
    return name, labels, (boxes, states), info


def generate_synthetic_egoexo(out_dir, config=None, *, overwrite=False, workers=1,
                              progress=False, **options):
    """Generate the synthetic ego-exo benchmark into ``out_dir`` (AE2 layout).

    Args:
        out_dir: the dataset folder to create (its parent is created if needed).
        config: a :class:`SyntheticEgoExoConfig`; ``options`` override its fields
            (``layout``, ``seed``, ``splits``, ``ego_size``, ``exo_size``, ``ego_fps``,
            ``exo_fps``, ``min_frames``, ``max_frames``, ``idle``, ``supersample``);
            ``splits`` may be a dict ``{split: (n_ego, n_exo)}``.
        overwrite: replace an existing synthetic dataset at ``out_dir``.
        workers: processes rendering videos in parallel (the output does not depend on it).
        progress: show a tqdm progress bar.

    Returns:
        The metadata dict written to ``<out_dir>/synthetic_egoexo.json``.
    """
    config = dataclasses.replace(config or SyntheticEgoExoConfig(), **options)
    jobs = [(split, view, i) for split, n_ego, n_exo in config.splits
            for view, n in (('ego', n_ego), ('exo', n_exo)) for i in range(n)]
    if not jobs:
        raise ValueError('no videos to generate: every split has 0 ego and 0 exo videos')
    with atomic_output(out_dir, overwrite=overwrite) as tmp:
        for split, _, _ in config.splits:
            for view in VIEWS:
                (tmp / video_relpath(config.layout, split, view, 'x')).parent.mkdir(
                    parents=True, exist_ok=True)
        args = [(config, str(tmp), *job) for job in jobs]
        bar = None
        if progress:
            from byov.utils.progress import progress_bar
            bar = progress_bar(total=len(args), desc='synthetic ego-exo', unit='video')
        results = []
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for res in pool.map(_make_video, args):
                    results.append(res)
                    bar is not None and bar.update()
        else:
            for a in args:
                results.append(_make_video(a))
                bar is not None and bar.update()
        if bar is not None:
            bar.close()
        labels = {name: lab for name, lab, _, _ in results}
        names = {split: {view: [] for view in VIEWS} for split, _, _ in config.splits}
        for name, _, _, info in results:
            names[info['split']][info['view']].append(name)
        if config.layout == 'csv':
            write_split_lists(tmp, names)
        write_labels(tmp, labels)
        write_boxes(tmp, {box_key(info['view'], name): tables[0]
                          for name, _, tables, info in results})
        write_scene_states(tmp, {box_key(info['view'], name): tables[1]
                                 for name, _, tables, info in results})
        meta = dict(
            generator='byov.datasets.synthetic', synthetic_version=SYNTHETIC_VERSION,
            byov_version=__version__, seed=config.seed, layout=config.layout,
            config=dataclasses.asdict(config), phases=list(PHASES),
            splits=names,
            videos={name: info for name, _, _, info in sorted(results, key=lambda r: r[0])})
        write_meta(tmp, meta)
    return meta
