"""The Ego-Exo4D release as byov reads it: file names, fields and readers.

Every file name and field below is the one the official documentation and code define;
docs/egoexo4d.md says where each was read (documentation site sources and the
``ego4d`` package, with their commits). Nothing here guesses a field: a file that lacks
one this module reads raises :class:`EgoExo4DFormatError` naming the file, the entry and
the field.

Layout under a download folder ``<root>`` (the ``egoexo`` downloader's ``-o``)::

    <root>/takes.json                                  --parts metadata
    <root>/annotations/splits.json                     --parts annotations
    <root>/annotations/keystep_{train,val}.json        --parts annotations
    <root>/annotations/keystep_benchmark/
        keystep_segment_{train,val}.json
        keystep_segment_test_unannotated.json
        label_mapping.csv
    <root>/features/omnivore_video/<take_uid>_<cam_id>_<stream_id>.pt
                                                       --parts features/omnivore_video
"""
import csv
import json
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Tuple

from byov.utils.errors import UserInputError

TAKES_FILE = 'takes.json'
SPLITS_FILE = osp.join('annotations', 'splits.json')
KEYSTEP_FILE = osp.join('annotations', 'keystep_{split}.json')
BENCHMARK_DIR = osp.join('annotations', 'keystep_benchmark')
SEGMENT_FILE = osp.join(BENCHMARK_DIR, 'keystep_segment_{split}.json')
TEST_SEGMENT_FILE = osp.join(BENCHMARK_DIR, 'keystep_segment_test_unannotated.json')
LABEL_MAPPING_FILE = osp.join(BENCHMARK_DIR, 'label_mapping.csv')
FEATURE_DIR = osp.join('features', 'omnivore_video')
FEATURE_FILE = '{take_uid}_{cam_id}_{stream_id}.pt'
SPLITS = ('train', 'val', 'test')

#: Keys of a take's ``frame_aligned_videos`` that are not cameras.
NON_CAMERA_KEYS = ('collage', 'best_exo')
#: Feature stream of an Aria (ego) camera and of a GoPro (exo) camera: features exist only
#: for the Aria RGB stream and for stream 0 of each GoPro.
EGO_FEATURE_STREAM = 'rgb'
EXO_FEATURE_STREAM = '0'

DOWNLOAD_HINT = ('Download it with the egoexo CLI of the ego4d package (a licence is '
                 'required): see docs/egoexo4d.md, "Downloading".')


class EgoExo4DFormatError(UserInputError, ValueError):
    """An Ego-Exo4D file is missing or lacks a field the official format has."""


def load_json(root: str, relpath: str):
    """The parsed JSON file ``<root>/<relpath>``; a missing or unparsable file raises
    :class:`EgoExo4DFormatError` naming it and the download step."""
    path = osp.join(root, relpath)
    if not osp.isfile(path):
        raise EgoExo4DFormatError(f'{path} does not exist. {DOWNLOAD_HINT}')
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise EgoExo4DFormatError(f'{path} could not be read as JSON ({err}). Download it '
                                  'again (egoexo ... --force).') from err


def field(entry: dict, key: str, where: str):
    """``entry[key]``, or :class:`EgoExo4DFormatError` naming ``where`` and the field."""
    if not isinstance(entry, dict) or key not in entry:
        raise EgoExo4DFormatError(f'{where} has no field "{key}" (the official format has '
                                  'it): the file is not an Ego-Exo4D release file, or it is '
                                  'damaged.')
    return entry[key]


class Camera(NamedTuple):
    """One camera of a take whose features byov reads."""
    cam_id: str
    is_ego: bool
    stream_id: str  # the feature file's stream: 'rgb' (Aria) or '0' (GoPro)


class Take(NamedTuple):
    """The fields of one ``takes.json`` entry that byov uses."""
    take_uid: str
    take_name: str
    duration_sec: float
    parent_task_name: str
    task_name: str
    cameras: Tuple[Camera, ...]
    skipped_cameras: Tuple[str, ...]  # ego cameras that are not Aria (no feature stream)


def parse_take(entry: dict, index: int, path: str) -> Take:
    """A :class:`Take` from entry ``index`` of ``takes.json`` at ``path``.

    Cameras: the keys of ``frame_aligned_videos`` except ``collage`` and ``best_exo``;
    the view of each is ``is_ego`` of the same ``cam_id`` in ``capture.cameras``. The ego
    camera is the one with ``is_ego`` whose ``frame_aligned_videos`` entry has an ``rgb``
    stream (Aria); its features are ``<take_uid>_<cam_id>_rgb.pt``. Exo cameras
    (``is_ego`` false) have stream ``0``. An ``is_ego`` camera without an ``rgb`` stream
    (the release has a few egocentric GoPros) is listed in ``skipped_cameras``."""
    where = f'{path}, take {index}'
    take_uid = str(field(entry, 'take_uid', where))
    where = f'{path}, take {take_uid}'
    videos = field(entry, 'frame_aligned_videos', where)
    capture = field(entry, 'capture', where)
    is_ego = {}
    for cam in field(capture, 'cameras', f'{where}, "capture"'):
        is_ego[str(field(cam, 'cam_id', f'{where}, capture.cameras'))] = bool(
            field(cam, 'is_ego', f'{where}, capture.cameras'))
    cameras, skipped = [], []
    for cam_id in sorted(videos):
        if cam_id in NON_CAMERA_KEYS:
            continue
        if cam_id not in is_ego:
            raise EgoExo4DFormatError(f'{where}: camera "{cam_id}" of frame_aligned_videos '
                                      'is not in capture.cameras (which gives its view).')
        streams = videos[cam_id] or {}
        if is_ego[cam_id]:
            if EGO_FEATURE_STREAM in streams:
                cameras.append(Camera(cam_id, True, EGO_FEATURE_STREAM))
            else:
                skipped.append(cam_id)
        else:
            cameras.append(Camera(cam_id, False, EXO_FEATURE_STREAM))
    return Take(take_uid=take_uid, take_name=str(field(entry, 'take_name', where)),
                duration_sec=float(field(entry, 'duration_sec', where)),
                parent_task_name=str(field(entry, 'parent_task_name', where)),
                task_name=str(field(entry, 'task_name', where)),
                cameras=tuple(cameras), skipped_cameras=tuple(skipped))


def read_takes(root: str) -> List[Take]:
    """Every take of ``<root>/takes.json`` (a JSON list of take entries)."""
    entries = load_json(root, TAKES_FILE)
    path = osp.join(root, TAKES_FILE)
    if not isinstance(entries, list):
        raise EgoExo4DFormatError(f'{path} must hold a JSON list of takes, got '
                                  f'{type(entries).__name__}.')
    return [parse_take(e, i, path) for i, e in enumerate(entries)]


def read_splits(root: str) -> Dict[str, str]:
    """take_uid -> 'train' | 'val' | 'test', from ``take_uid_to_split`` of
    ``annotations/splits.json`` (lower-cased)."""
    data = load_json(root, SPLITS_FILE)
    mapping = field(data, 'take_uid_to_split', osp.join(root, SPLITS_FILE))
    return {str(uid): str(split).lower() for uid, split in mapping.items()}


class Segment(NamedTuple):
    """One keystep segment of a take, times in seconds from the take's start."""
    start_time: float
    end_time: float
    step_unique_id: int
    step_name: str


class KeystepTake(NamedTuple):
    take_uid: str
    take_name: str
    scenario: str
    segments: Tuple[Segment, ...]


def read_keystep_annotations(root: str, split: str) -> Dict[str, KeystepTake]:
    """take_uid -> :class:`KeystepTake` from ``annotations/keystep_<split>.json``
    (its ``annotations`` field: per take ``take_uid``, ``take_name``, ``scenario`` and
    ``segments`` with ``start_time``, ``end_time``, ``step_unique_id``, ``step_name``)."""
    relpath = KEYSTEP_FILE.format(split=split)
    path = osp.join(root, relpath)
    annotations = field(load_json(root, relpath), 'annotations', path)
    out = {}
    for key, entry in annotations.items():
        where = f'{path}, annotations["{key}"]'
        segments = tuple(
            Segment(float(field(s, 'start_time', f'{where}, segment {j}')),
                    float(field(s, 'end_time', f'{where}, segment {j}')),
                    int(field(s, 'step_unique_id', f'{where}, segment {j}')),
                    str(field(s, 'step_name', f'{where}, segment {j}')))
            for j, s in enumerate(field(entry, 'segments', where)))
        uid = str(field(entry, 'take_uid', where))
        out[uid] = KeystepTake(uid, str(field(entry, 'take_name', where)),
                               str(field(entry, 'scenario', where)), segments)
    return out


class Label(NamedTuple):
    label_id: int
    step_unique_id: int
    step_name: str
    scenario_name: str


def read_label_mapping(root: str) -> List[Label]:
    """The keystep benchmark's classes from ``label_mapping.csv`` (columns ``label_id``,
    ``step_unique_id``, ``step_name``, ``scenario_name``), in label_id order; the ids must
    be 0..C-1."""
    path = osp.join(root, LABEL_MAPPING_FILE)
    if not osp.isfile(path):
        raise EgoExo4DFormatError(f'{path} does not exist. {DOWNLOAD_HINT}')
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        columns = ('label_id', 'step_unique_id', 'step_name', 'scenario_name')
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise EgoExo4DFormatError(f'{path} lacks the column(s) {missing} (header: '
                                      f'{reader.fieldnames}).')
        labels = [Label(int(r['label_id']), int(r['step_unique_id']), r['step_name'],
                        r['scenario_name']) for r in reader]
    labels.sort(key=lambda lab: lab.label_id)
    if [lab.label_id for lab in labels] != list(range(len(labels))):
        raise EgoExo4DFormatError(f'{path}: label_id must run 0..{len(labels) - 1} once each.')
    return labels


class BenchmarkSegment(NamedTuple):
    """One segment of the keystep recognition benchmark (a trimmed keystep)."""
    take_uid: str
    take_name: str
    start_time: float
    end_time: float
    label_id: Optional[int]  # None in the unannotated test file
    ego_segment_name: str


def read_benchmark_segments(root: str, split: str) -> List[BenchmarkSegment]:
    """The segments of ``keystep_segment_<split>.json`` (``test``:
    ``keystep_segment_test_unannotated.json``, without labels): its ``segments`` field,
    each with ``take_uid``, ``take_name``, ``start_time``, ``end_time``, ``label_id`` and
    ``ego_segment_name``."""
    relpath = TEST_SEGMENT_FILE if split == 'test' else SEGMENT_FILE.format(split=split)
    path = osp.join(root, relpath)
    out = []
    for j, s in enumerate(field(load_json(root, relpath), 'segments', path)):
        where = f'{path}, segment {j}'
        label = None if split == 'test' else int(field(s, 'label_id', where))
        out.append(BenchmarkSegment(str(field(s, 'take_uid', where)),
                                    str(field(s, 'take_name', where)),
                                    float(field(s, 'start_time', where)),
                                    float(field(s, 'end_time', where)), label,
                                    str(field(s, 'ego_segment_name', where))))
    return out


def feature_path(root: str, take_uid: str, camera: Camera,
                 feature_dir: str = FEATURE_DIR) -> str:
    """``<root>/<feature_dir>/<take_uid>_<cam_id>_<stream_id>.pt``."""
    return osp.join(root, feature_dir, FEATURE_FILE.format(
        take_uid=take_uid, cam_id=camera.cam_id, stream_id=camera.stream_id))


def video_name(take_name: str, cam_id: str) -> str:
    """byov's name of one camera's stream of a take: ``<take_name>/<cam_id>``."""
    return f'{take_name}/{cam_id}'


def split_video_name(name: str) -> Tuple[str, str]:
    """(take_name, cam_id) of a :func:`video_name`."""
    take_name, _, cam_id = name.rpartition('/')
    return take_name, cam_id
