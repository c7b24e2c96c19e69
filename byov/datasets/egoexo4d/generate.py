"""Write a small Ego-Exo4D root in the official format, for tests, demos and scale checks.

The files are those byov reads from a real download (:mod:`.format`), with the fields
the official documentation shows (a take entry carries its capture, cameras and
frame-aligned video streams, as in the release's ``takes.json``); the values are made
up. Each take has one Aria ego camera (``aria01``, with its SLAM, eye-tracking and RGB
streams) and ``exo_cameras`` GoPros (``cam01``, ...), keystep annotations (takes of the
train and val splits), the keystep benchmark's segment files and label mapping, and one
Omnivore-shaped feature file ``[N, D]`` per stream, N by the release's window rule.

The features carry the keystep, so a model can learn from them: each keystep has a
vector of ``latent_dim`` numbers; a stream's step is that vector (or a background vector)
plus a slow drift within the take and an offset per take, seen through its camera's fixed
linear map into the ``feature_dim`` feature space, plus noise in every feature direction
(so a wide feature space does not make the keysteps easier to tell apart). ``view_gap``
in [0, 1] mixes each exo camera's map away from the ego camera's (0: all views alike). Keysteps
come in a scenario-typical order with a few swaps per take, with background gaps
between them. Each scenario also has one rare keystep that the label mapping leaves out
(as the benchmark drops keysteps seen fewer than 20 times): its steps are background.

``damage`` injects the faults the loader must report, one take each (train split):

- ``missing_features``: an exo stream's feature file is deleted;
- ``corrupt_features``: the ego stream's file holds bytes that are not a tensor;
- ``wrong_width``: an exo stream's features are ``D + 3`` wide;
- ``short_features``: the ego stream has 10 steps fewer than the take's duration gives;
- ``segment_outside``: a keystep segment ends 30 s after the take;
- ``unknown_take``: the keystep annotations name a take that takes.json lacks.

The root is written to ``<root>.partial`` and renamed into place when complete.
"""
import csv
import json
import os
import os.path as osp
import shutil
import uuid
from typing import List, Sequence

import numpy as np

from . import format as fmt
from .timing import expected_num_steps, step_centres, step_labels

DAMAGE_KINDS = ('missing_features', 'corrupt_features', 'wrong_width', 'short_features',
                'segment_outside', 'unknown_take')

#: Made-up scenarios: (keystep scenario, parent task, task, coarse scenario of the
#: label mapping, keysteps in their usual order).
SCENARIOS = (
    ('Cooking an Omelet', 'Cooking', 'Cooking an Omelet', 'cooking',
     ('Crack eggs', 'Whisk eggs', 'Heat the pan', 'Pour eggs into pan', 'Fold omelet',
      'Plate omelet')),
    ('Covid-19 Rapid Antigen Test', 'Health', 'Covid-19 Rapid Antigen Test', 'health',
     ('Unbox package', 'Read the instructions', 'Swab the nose', 'Insert swab into tube',
      'Drop solution on test plate', 'Read the result')),
    ('Remove a Wheel', 'Bike Repair', 'Remove a Wheel', 'bike repair',
     ('Release the brake', 'Open the quick release', 'Lift the bike', 'Pull the wheel out',
      'Set the wheel aside')),
    ('Making Milk Tea', 'Cooking', 'Making Milk Tea', 'cooking',
     ('Boil water', 'Add tea leaves', 'Pour milk', 'Add sugar', 'Strain the tea')),
)
RARE_STEP = 'Adjust the camera'  # per scenario, left out of the label mapping


class EgoExo4DRootExistsError(FileExistsError):
    """The output folder exists and overwrite was not asked for."""


def _uid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _streams(cam_ids: Sequence[str], rng) -> dict:
    """A take's ``frame_aligned_videos``: the Aria's four streams, stream 0 of each
    GoPro, and the two collage entries."""
    videos = {'aria01': {
        name: dict(cam_id='aria01', stream_id=sid, readable_stream_id=name,
                   clip_uid=_uid(rng), relative_path=f'frame_aligned_videos/aria01_{sid}.mp4')
        for name, sid in (('slam-left', '1201-1'), ('slam-right', '1201-2'),
                          ('et', '211-1'), ('rgb', '214-1'))}}
    for cam in cam_ids:
        videos[cam] = {'0': dict(cam_id=cam, stream_id='0', readable_stream_id='0',
                                 clip_uid=_uid(rng),
                                 relative_path=f'frame_aligned_videos/{cam}.mp4')}
    videos['collage'] = {'0': dict(clip_uid=_uid(rng), stream_id='0', readable_stream_id='0',
                                   relative_path='ego_preview.mp4')}
    videos['best_exo'] = {'0': dict(clip_uid=None, stream_id='0', readable_stream_id='0',
                                    relative_path=None)}
    return videos


def _cameras(cam_ids: Sequence[str], rng) -> List[dict]:
    cams = [dict(cam_id='aria01', is_ego=True, has_walkaround=True, includes_audio=True,
                 device_type='aria', relative_path='videos/aria01.vrs',
                 video_artifact_uid=_uid(rng))]
    for cam in cam_ids:
        cams.append(dict(cam_id=cam, is_ego=False, has_walkaround=False, includes_audio=True,
                         device_type='hero10', relative_path=f'videos/{cam}.mp4',
                         video_artifact_uid=_uid(rng)))
    return cams


def _segments(steps: Sequence[str], duration: float, rng) -> List[tuple]:
    """(start, end, step name) of a take's keysteps: the usual order with a swap or two,
    the rare step now and then, background gaps between segments."""
    order = list(steps)
    for _ in range(int(rng.integers(0, 3))):
        i = int(rng.integers(0, len(order) - 1))
        order[i], order[i + 1] = order[i + 1], order[i]
    if rng.random() < 0.5:
        order.insert(int(rng.integers(0, len(order) + 1)), RARE_STEP)
    weights = rng.uniform(0.6, 1.4, size=2 * len(order) + 1)
    weights[0::2] *= 0.35  # the gaps (background) are shorter than the keysteps
    bounds = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum() * duration
    return [(round(float(bounds[2 * k + 1]), 5), round(float(bounds[2 * k + 2]), 5), name)
            for k, name in enumerate(order)]


def _write_pt(path: str, array: np.ndarray):
    import torch  # local: the metadata half of this module needs no torch
    torch.save(torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)), path)


def write_egoexo4d_root(root: str, num_takes: int = 12, scenarios: int = 2,
                        exo_cameras: int = 2, feature_dim: int = 1536, seed: int = 0,
                        duration_range=(12.0, 40.0), view_gap: float = 0.5,
                        noise: float = 1.0, latent_dim: int = 16,
                        split_fractions=(0.5, 0.25, 0.25),
                        damage: Sequence[str] = (), overwrite: bool = False,
                        progress: bool = False) -> dict:
    """Write a root of ``num_takes`` takes (split train/val/test by ``split_fractions``,
    at least one take each) over the first ``scenarios`` made-up scenarios.

    Returns a summary: takes per split, streams, feature files, the label mapping's size,
    and ``damage``: one dict per injected fault (``kind``, ``take_uid``, ``take_name``,
    ``path``) in ``DAMAGE_KINDS`` order.
    """
    unknown = [d for d in damage if d not in DAMAGE_KINDS]
    if unknown:
        raise ValueError(f'damage kinds {unknown} unknown; choose from {DAMAGE_KINDS}.')
    if not 1 <= scenarios <= len(SCENARIOS):
        raise ValueError(f'scenarios must be 1..{len(SCENARIOS)}, got {scenarios}.')
    if num_takes < 3 or exo_cameras < 1 or feature_dim < 2:
        raise ValueError('need num_takes >= 3, exo_cameras >= 1 and feature_dim >= 2, got '
                         f'{num_takes}, {exo_cameras}, {feature_dim}.')
    if osp.exists(root) and not overwrite:
        raise EgoExo4DRootExistsError(f'{root} exists; pass overwrite=True (--overwrite) to '
                                      'replace it.')
    rng = np.random.default_rng(seed)
    tmp = f'{root}.partial'
    shutil.rmtree(tmp, ignore_errors=True)
    feature_dir = osp.join(tmp, fmt.FEATURE_DIR)
    os.makedirs(feature_dir)
    os.makedirs(osp.join(tmp, fmt.BENCHMARK_DIR))

    # the label space: every scenario's keysteps, except the rare one
    chosen = SCENARIOS[:scenarios]
    vocabulary, labels = {}, []
    next_unique = 800
    unique_of = {}
    for scenario, _, _, coarse, steps in chosen:
        for name in steps + (RARE_STEP,):
            if (scenario, name) in unique_of:
                continue
            unique_of[scenario, name] = next_unique
            vocabulary[str(next_unique)] = name
            if name != RARE_STEP:
                labels.append((len(labels), next_unique, name, coarse))
            next_unique += 1
    label_of = {u: lab for lab, u, _, _ in labels}
    num_labels = len(labels)

    # the features' generative parts
    cam_ids = [f'cam{i + 1:02d}' for i in range(exo_cameras)]
    latent_dim = min(latent_dim, feature_dim)
    step_vecs = rng.normal(size=(num_labels + 1, latent_dim))  # + background
    step_vecs[num_labels] *= 0.3

    def camera_map():  # feature_dim x latent_dim, orthonormal columns
        return np.linalg.qr(rng.normal(size=(feature_dim, latent_dim)))[0]

    ego_map = camera_map()
    cam_maps = {'aria01': ego_map}
    for cam in cam_ids:
        cam_maps[cam] = (1 - view_gap) * ego_map + view_gap * camera_map()

    # takes and splits
    counts = np.maximum(1, np.floor(np.asarray(split_fractions) * num_takes).astype(int))
    counts[0] = num_takes - counts[1:].sum()
    split_of = ['train'] * counts[0] + ['val'] * counts[1] + ['test'] * counts[2]
    takes, annotations = [], {'train': {}, 'val': {}}
    bench = {'train': [], 'val': [], 'test': []}
    streams = 0
    iterator = range(num_takes)
    if progress:
        from byov.utils.progress import progress_bar
        iterator = progress_bar(iterator, desc='Ego-Exo4D root: takes')
    for t in iterator:
        scenario, parent, task, coarse, steps = chosen[t % scenarios]
        uid = _uid(rng)
        name = f'synthuni_{coarse.replace(" ", "")}_{t // scenarios + 1:02d}_{t % 7 + 1}'
        duration = float(round(rng.uniform(*duration_range), 6))
        capture_uid = _uid(rng)
        take = dict(
            root_dir=f'takes/{name}', take_name=name, participant_uid=int(rng.integers(1, 800)),
            is_dropped=False, objects=[], best_exo=cam_ids[0],
            task_start_sec=0.2, task_end_sec=round(duration - 0.2, 5), task_name=task,
            parent_task_id=1000 * (1 + [c[1] for c in SCENARIOS].index(parent)),
            parent_task_name=parent, take_idx=t % 7 + 1, duration_sec=duration,
            is_narrated=False, physical_setting_uid=int(rng.integers(1, 200)),
            timesync_start_idx=100 * t, timesync_end_idx=100 * t + int(duration * 30),
            capture=dict(
                root_dir=f'captures/{name.rsplit("_", 1)[0]}',
                capture_name=name.rsplit('_', 1)[0], university_name='synthuni',
                physical_setting_uid=7, ds_recorded=1689793200 + t, has_trajectory=True,
                has_gaze=True, has_postsurvey=False, cameras=_cameras(cam_ids, rng),
                timesync_validated=True, validated=True, timesync_uid=_uid(rng),
                capture_uid=capture_uid),
            validated=True, frame_aligned_videos=_streams(cam_ids, rng),
            university_name='synthuni', capture_uid=capture_uid, take_uid=uid,
            take_timing_uid=_uid(rng), timesync_uid=_uid(rng))
        takes.append(take)
        split = split_of[t]
        segs = _segments(steps, duration, rng)
        if split in annotations:
            annotations[split][uid] = dict(
                take_uid=uid, take_name=name, scenario=scenario,
                annotation_meta=dict(annotation_uid=_uid(rng)),
                segments=[dict(start_time=s, end_time=e,
                               step_id=steps.index(n) + 2 if n in steps else len(steps) + 2,
                               step_name=n, step_description=n.lower(),
                               is_essential=n != RARE_STEP,
                               step_unique_id=unique_of[scenario, n]) for s, e, n in segs])
        for s, e, n in segs:
            u = unique_of[scenario, n]
            if u not in label_of:
                continue
            ego_clip = f'{split}/{name}/start{s}_end{e}_aria01_214-1.mp4'
            entry = dict(segment_name_list=[ego_clip] + [
                f'{split}/{name}/start{s}_end{e}_{c}.mp4' for c in cam_ids],
                ego_segment_name=ego_clip, take_uid=uid, take_name=name,
                start_time=s, end_time=e)
            if split != 'test':
                entry.update(step_unique_id=u, label_id=label_of[u], step_name=n)
            bench[split].append(entry)
        # features: one file per stream
        n_steps = expected_num_steps(duration)
        centres = step_centres(n_steps, duration)
        seg_labels = [label_of.get(unique_of[scenario, n], num_labels) for _, _, n in segs]
        lab = step_labels(centres, [s for s, _, _ in segs], [e for _, e, _ in segs],
                          seg_labels, num_labels)
        drift = np.cumsum(rng.normal(scale=0.05, size=(n_steps, latent_dim)), axis=0)
        scene = rng.normal(scale=0.5, size=latent_dim)
        latent = step_vecs[lab] + drift + scene
        for cam in ['aria01'] + cam_ids:
            stream = 'rgb' if cam == 'aria01' else '0'
            feats = latent @ cam_maps[cam].T + rng.normal(scale=noise,
                                                          size=(n_steps, feature_dim))
            _write_pt(osp.join(feature_dir, fmt.FEATURE_FILE.format(
                take_uid=uid, cam_id=cam, stream_id=stream)), feats)
            streams += 1

    # damage, one train take each
    injected = []
    train_takes = [tk for tk, sp in zip(takes, split_of) if sp == 'train']
    if len(damage) > len(train_takes):
        raise ValueError(f'{len(damage)} damage kinds need as many train takes; the root has '
                         f'{len(train_takes)} (raise num_takes).')
    for kind, take in zip([d for d in DAMAGE_KINDS if d in damage], train_takes):
        uid, name = take['take_uid'], take['take_name']
        ego = osp.join(feature_dir, f'{uid}_aria01_rgb.pt')
        exo = osp.join(feature_dir, f'{uid}_{cam_ids[-1]}_0.pt')
        path = None
        if kind == 'missing_features':
            os.remove(exo)
            path = exo
        elif kind == 'corrupt_features':
            with open(ego, 'wb') as f:
                f.write(b'not a tensor: damaged in transfer\n' * 4)
            path = ego
        elif kind == 'wrong_width':
            n_steps = expected_num_steps(take['duration_sec'])
            _write_pt(exo, rng.normal(size=(n_steps, feature_dim + 3)))
            path = exo
        elif kind == 'short_features':
            n_steps = expected_num_steps(take['duration_sec'])
            _write_pt(ego, rng.normal(size=(max(n_steps - 10, 1), feature_dim)))
            path = ego
        elif kind == 'segment_outside':
            seg = annotations['train'][uid]['segments'][-1]
            seg['end_time'] = round(take['duration_sec'] + 30.0, 5)
            path = osp.join(root, fmt.KEYSTEP_FILE.format(split='train'))
        elif kind == 'unknown_take':
            ghost = _uid(rng)
            entry = dict(annotations['train'][uid], take_uid=ghost,
                         take_name=f'{name}_not_in_takes_json')
            annotations['train'][ghost] = entry
            uid, name = ghost, entry['take_name']
            path = osp.join(root, fmt.KEYSTEP_FILE.format(split='train'))
        if path is not None and path.startswith(tmp):  # where it lies once renamed
            path = osp.join(root, osp.relpath(path, tmp))
        injected.append(dict(kind=kind, take_uid=uid, take_name=name, path=path))

    # metadata and annotation files
    def dump(relpath, obj):
        with open(osp.join(tmp, relpath), 'w') as f:
            json.dump(obj, f)

    dump(fmt.TAKES_FILE, takes)
    split_to = {s: [tk['take_uid'] for tk, sp in zip(takes, split_of) if sp == s]
                for s in fmt.SPLITS}
    dump(fmt.SPLITS_FILE, dict(
        take_uid_to_split={tk['take_uid']: sp for tk, sp in zip(takes, split_of)},
        split_to_take_uids=split_to))
    taxonomy = {}
    for scenario, _, _, _, steps in chosen:
        nodes = {'0': dict(id=0, is_leafnode=False, name=scenario, parent_id=None,
                           parent_name=None),
                 '1': dict(id=1, is_leafnode=False, name='Steps', parent_id=0,
                           parent_name=scenario)}
        for k, n in enumerate(steps + (RARE_STEP,)):
            nodes[str(k + 2)] = dict(id=k + 2, is_leafnode=True, name=n, parent_id=1,
                                     parent_name='Steps', unique_id=unique_of[scenario, n])
        taxonomy[scenario] = nodes
    for split, entries in annotations.items():
        dump(fmt.KEYSTEP_FILE.format(split=split),
             dict(annotations=entries, taxonomy=taxonomy, vocabulary=vocabulary))
    for split in ('train', 'val'):
        dump(fmt.SEGMENT_FILE.format(split=split), dict(
            date='01/01/2026', description='EgoExo4D Fine-grained Keystep Recognition '
            '(byov generated)', splits=split, segments=bench[split]))
    dump(fmt.TEST_SEGMENT_FILE, dict(date='01/01/2026', description='EgoExo4D Fine-grained '
                                     'Keystep Recognition (byov generated)', splits='test',
                                     segments=bench['test']))
    with open(osp.join(tmp, fmt.LABEL_MAPPING_FILE), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['label_id', 'step_unique_id', 'step_name', 'scenario_name'])
        writer.writerows(labels)
    if osp.exists(root):
        shutil.rmtree(root)
    os.replace(tmp, root)
    return dict(root=root, takes={s: len(v) for s, v in split_to.items()}, streams=streams,
                cameras=['aria01'] + cam_ids, num_labels=num_labels, feature_dim=feature_dim,
                scenarios=[c[0] for c in chosen], damage=injected)
