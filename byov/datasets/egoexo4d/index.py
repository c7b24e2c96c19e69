"""The index of one keystep split: its streams, their step counts and per-step labels,
and every problem of the split's data, built once and cached.

A split's takes are those of ``annotations/keystep_<split>.json`` (the keystep
annotations of the split); the takes ``annotations/splits.json`` puts in the split but
that have no keystep annotation are counted (:attr:`SplitIndex.unannotated`) and left
out. Each take contributes one stream per camera with features (:func:`format.parse_take`):
its feature file's step count N is read from the file's header only
(:func:`~byov.datasets.egoexo4d.features.read_feature_header`), and the label of each of
its N steps is the keystep of the annotated segment containing the step's window centre
(:mod:`~byov.datasets.egoexo4d.timing`), mapped to ``label_id`` of ``label_mapping.csv``
through the segment's ``step_unique_id``; a step in no segment, or in a segment whose
keystep is not in the mapping, is background, label ``C`` (the mapping's size). No
feature is kept: an index of the whole release holds a few int16 arrays.

Every problem is collected (:class:`TakeProblem`), not raised: the datasets decide, per
their ``on_damage``, whether to raise one error listing all or to drop the damaged takes.

**Cache.** :func:`load_split_index` keeps the index under ``<cache_dir>/egoexo4d_index/``
as one ``.npz`` (no pickle), named by a hash of the options and of the inputs' sizes and
modification times (takes.json, splits.json, the keystep file, the label mapping) and of
the feature folder's listing (names, sizes and modification times): any change selects a
new file, so the index is rebuilt; an unchanged root loads it in milliseconds. The file is
written to a temporary name and renamed into place. Under ``torch.distributed`` rank 0 builds it while
the other ranks wait at a barrier, then they load it.
"""
import hashlib
import io
import json
import logging
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from byov.utils.atomic import atomic_write
from byov.utils.errors import UserInputError
from byov.utils.progress import progress_bar
from ..integrity import Problem
from . import format as fmt
from .features import FeatureFileError, read_feature_header
from .timing import expected_num_steps, step_centres, step_labels

INDEX_FORMAT = 'byov.EgoExo4DIndex/1'
INDEX_DIR = 'egoexo4d_index'
STEP_TOLERANCE = 2
TIME_TOLERANCE = 0.5
ANNOTATED_SPLITS = ('train', 'val')


class EgoExo4DSplitError(UserInputError, ValueError):
    """A split byov cannot index (the unannotated test split, an unknown name)."""


class EgoExo4DWidthError(UserInputError, ValueError):
    """No feature file has the width the config expects: other features, not damage."""


class Stream(NamedTuple):
    """One camera stream of one take whose feature file could be read."""
    take_uid: str
    take_name: str
    scenario: str
    cam_id: str
    is_ego: bool
    feature_file: str  # relative to the data root
    num_steps: int  # N, rows of the feature file
    width: int  # D
    duration_sec: float
    labels: np.ndarray  # int16/int32 [N], label_id per step, background = num_classes


class TakeProblem(NamedTuple):
    """A problem of a take: ``cam_id`` None for the whole take (its annotation, its
    metadata), else the stream's camera."""
    take_uid: str
    take_name: str
    scenario: str
    cam_id: Optional[str]
    is_ego: Optional[bool]  # the camera's view; None with cam_id None
    problem: Problem


class SplitIndex(NamedTuple):
    """Everything the datasets and the checks need of one split.

    Attributes:
        split: 'train' or 'val'.
        class_names: step names in label_id order (C of them).
        streams: the readable streams, in no particular order.
        problems: every problem found (the damage report), see :class:`TakeProblem`.
        feature_width: the width the features must have (``feature_dim``, or the most
            common one); None when no file could be read.
        takes: take_uid -> (take_name, scenario) of every annotated take of the split.
        unannotated: take_uids that splits.json puts in the split, without keystep
            annotation (left out).
        other_split: take_uids of the keystep file that splits.json puts in another
            split (indexed all the same: the keystep file is the split's annotation).
    """
    split: str
    class_names: List[str]
    streams: List[Stream]
    problems: List[TakeProblem]
    feature_width: Optional[int]
    takes: Dict[str, tuple]
    unannotated: List[str]
    other_split: List[str]

    @property
    def num_classes(self) -> int:
        """C, the keystep classes (background is label C)."""
        return len(self.class_names)


def _fix(root: str, uid: str, part: str) -> str:
    return (f're-download it: egoexo -o {root} --parts {part} --uids {uid} --force, or set '
            "on_damage='skip' to leave the take out")


def _segment_problems(root: str, split: str, uid: str, name: str, scenario: str,
                      segments, duration: Optional[float],
                      time_tolerance: float) -> List[TakeProblem]:
    """Segments with start < 0, start >= end, or end past the take's end."""
    path = osp.join(root, fmt.KEYSTEP_FILE.format(split=split))
    wrong = []
    for j, seg in enumerate(segments):
        what = []
        if seg.start_time < 0:
            what.append('starts before 0')
        if seg.start_time >= seg.end_time:
            what.append('does not end after it starts')
        if duration is not None and seg.end_time > duration + time_tolerance:
            what.append(f'ends {seg.end_time - duration:.2f} s after the take '
                        f'(duration_sec {duration:.2f}, tolerance {time_tolerance} s)')
        if what:
            wrong.append(f'segment {j} "{seg.step_name}" [{seg.start_time:.2f}, '
                         f'{seg.end_time:.2f}] s {" and ".join(what)}')
    if not wrong:
        return []
    detail = f'take {name} ({uid}): ' + '; '.join(wrong)
    return [TakeProblem(uid, name, scenario, None, None, Problem(
        path, 'segment-times', detail,
        fix=(f'check {osp.basename(path)} (re-download the annotations if it was damaged in '
             f'transfer: egoexo -o {root} --parts annotations --force), or set '
             'on_damage=\'skip\' to leave the take out')))]


def build_split_index(data_root: str, split: str, feature_dir: str = fmt.FEATURE_DIR,
                      feature_dim: Optional[int] = None,
                      step_tolerance: int = STEP_TOLERANCE,
                      time_tolerance: float = TIME_TOLERANCE) -> SplitIndex:
    """Index ``split`` of the Ego-Exo4D root ``data_root`` (no cache; see the module).

    Args:
        feature_dir: the feature folder, relative to ``data_root``.
        feature_dim: the feature width every file must have; None: the most common
            width of the split's files.
        step_tolerance: a file may have this many steps more or fewer than
            :func:`~byov.datasets.egoexo4d.timing.expected_num_steps` of its take's
            duration (the release extracts at variable frame rates).
        time_tolerance: seconds a segment may end after the take's ``duration_sec``.

    Raises:
        EgoExo4DSplitError: ``split`` is not 'train' or 'val'.
        EgoExo4DFormatError: a file of the format is missing or lacks a field.
    """
    if split not in ANNOTATED_SPLITS:
        raise EgoExo4DSplitError(
            f'Ego-Exo4D split {split!r}: the keystep datasets read the annotated splits '
            f'{ANNOTATED_SPLITS}; the test split has no keystep annotations (the benchmark '
            "scores val). Set split='train' or 'val'.")
    root = data_root
    takes = {t.take_uid: t for t in fmt.read_takes(root)}
    split_of = fmt.read_splits(root)
    keystep = fmt.read_keystep_annotations(root, split)
    mapping = fmt.read_label_mapping(root)
    label_of = {lab.step_unique_id: lab.label_id for lab in mapping}
    background = len(mapping)
    label_dtype = np.int16 if background < np.iinfo(np.int16).max else np.int32
    folder = osp.join(root, feature_dir)
    if not osp.isdir(folder):
        raise fmt.EgoExo4DFormatError(
            f'{folder} (option feature_dir={feature_dir!r}) does not exist: download the '
            'features with egoexo -o ROOT --parts features/omnivore_video (see '
            'docs/egoexo4d.md, "Downloading").')

    problems: List[TakeProblem] = []
    readable = []  # (take, keystep take, camera, relpath, header)
    todo = []
    for uid in sorted(keystep):
        ks = keystep[uid]
        take = takes.get(uid)
        if take is None:
            problems.append(TakeProblem(uid, ks.take_name, ks.scenario, None, None, Problem(
                osp.join(root, fmt.TAKES_FILE), 'take-not-in-metadata',
                f'take {ks.take_name} ({uid}) of {fmt.KEYSTEP_FILE.format(split=split)} is '
                'not in takes.json, which gives its duration and cameras',
                fix=f're-download the metadata: egoexo -o {root} --parts metadata --force, '
                "or set on_damage='skip' to leave the take out")))
            continue
        problems += _segment_problems(root, split, uid, take.take_name, ks.scenario,
                                      ks.segments, take.duration_sec, time_tolerance)
        for cam in take.cameras:
            todo.append((take, ks, cam))
    for take, ks, cam in progress_bar(todo, desc=f'Ego-Exo4D {split}: feature headers',
                                      unit='file'):
        path = fmt.feature_path(root, take.take_uid, cam, feature_dir)
        try:
            header = read_feature_header(path)
        except FeatureFileError as err:
            problems.append(TakeProblem(take.take_uid, take.take_name, ks.scenario,
                                        cam.cam_id, cam.is_ego, Problem(
                path, err.kind, f'take {take.take_name} ({take.take_uid}), camera '
                f'{cam.cam_id}: {err.detail}',
                fix=_fix(root, take.take_uid, 'features/omnivore_video'))))
            continue
        readable.append((take, ks, cam, osp.relpath(path, root), header))

    widths = Counter(h.width for *_, h in readable)
    width = feature_dim if feature_dim is not None else (
        widths.most_common(1)[0][0] if widths else None)
    if feature_dim is not None and widths and feature_dim not in widths:
        found = ', '.join(f'{w} ({n} files)' for w, n in widths.most_common())
        raise EgoExo4DWidthError(
            f'Split "{split}" of {root}: no feature file under {feature_dir} is '
            f'feature_dim={feature_dim} wide; the files are {found}. These are other '
            'features than the config expects: set feature_dim (data_settings of the '
            'dataset config) and the model\'s width (frame_width: backbone.in_channels, '
            'decoder.out_channels) to the files\' width, or point feature_dir at the '
            'features the config was written for.')
    streams = []
    for take, ks, cam, relpath, header in readable:
        where = f'take {take.take_name} ({take.take_uid}), camera {cam.cam_id}'
        fix = _fix(root, take.take_uid, 'features/omnivore_video')
        path = osp.join(root, relpath)
        if header.width != width:
            source = ('feature_dim' if feature_dim is not None
                      else 'the most common width of the split\'s files')
            problems.append(TakeProblem(take.take_uid, take.take_name, ks.scenario,
                                        cam.cam_id, cam.is_ego, Problem(
                path, 'feature-width', f'{where}: features are {header.width} wide, '
                f'{source} is {width}', fix=fix)))
            continue
        expected = expected_num_steps(take.duration_sec)
        if abs(header.num_steps - expected) > step_tolerance:
            problems.append(TakeProblem(take.take_uid, take.take_name, ks.scenario,
                                        cam.cam_id, cam.is_ego, Problem(
                path, 'feature-steps', f'{where}: {header.num_steps} feature steps, the '
                f'take\'s duration {take.duration_sec:.2f} s gives {expected} '
                f'({header.num_steps - expected:+d}; step_tolerance {step_tolerance})',
                fix=fix)))
            continue
        segs = ks.segments
        labels = step_labels(step_centres(header.num_steps, take.duration_sec),
                             [s.start_time for s in segs], [s.end_time for s in segs],
                             [label_of.get(s.step_unique_id, background) for s in segs],
                             background)
        streams.append(Stream(take.take_uid, take.take_name, ks.scenario, cam.cam_id,
                              cam.is_ego, relpath, header.num_steps, header.width,
                              take.duration_sec, labels.astype(label_dtype)))
    in_split = {uid for uid, s in split_of.items() if s == split}
    return SplitIndex(
        split=split, class_names=[lab.step_name for lab in mapping], streams=streams,
        problems=problems, feature_width=width,
        takes={uid: (ks.take_name, ks.scenario) for uid, ks in keystep.items()},
        unannotated=sorted(in_split - set(keystep)),
        other_split=sorted(uid for uid in keystep if split_of.get(uid, split) != split))


# ---------------------------------------------------------------------------- cache
def _stat(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def index_key(data_root: str, split: str, **options) -> str:
    """The hash naming a split's cached index: the options, the data root's path, the
    sizes and modification times of the metadata, annotation and label files, and the
    names, sizes and modification times of the feature folder's files (a file rewritten
    with the same size, as a re-download may be, is still seen)."""
    files = {rel: _stat(osp.join(data_root, rel)) for rel in (
        fmt.TAKES_FILE, fmt.SPLITS_FILE, fmt.KEYSTEP_FILE.format(split=split),
        fmt.LABEL_MAPPING_FILE)}
    listing = hashlib.sha256()
    folder = osp.join(data_root, options.get('feature_dir', fmt.FEATURE_DIR))
    if osp.isdir(folder):
        entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                         for e in os.scandir(folder) if e.is_file())
        for name, size, mtime in entries:
            listing.update(f'{name}\0{size}\0{mtime}\n'.encode())
    ident = dict(format=INDEX_FORMAT, root=osp.abspath(data_root), split=split,
                 options=options, files=files, features=listing.hexdigest())
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]


def save_index(path: str, index: SplitIndex) -> None:
    """Write ``index`` to ``path`` (an ``.npz`` of plain arrays and one JSON text),
    atomically."""
    meta = dict(
        format=INDEX_FORMAT, split=index.split, class_names=index.class_names,
        feature_width=index.feature_width, takes=index.takes,
        unannotated=index.unannotated, other_split=index.other_split,
        streams=[[s.take_uid, s.take_name, s.scenario, s.cam_id, s.is_ego, s.feature_file,
                  s.num_steps, s.width, s.duration_sec] for s in index.streams],
        problems=[[p.take_uid, p.take_name, p.scenario, p.cam_id, p.is_ego, p.problem.path,
                   p.problem.kind, p.problem.detail, p.problem.fix]
                  for p in index.problems])
    labels = [s.labels for s in index.streams]
    dtype = labels[0].dtype if labels else np.int16
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
             labels=np.concatenate(labels) if labels else np.zeros(0, dtype),
             lengths=np.array([len(x) for x in labels], dtype=np.int64))
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with atomic_write(path, 'wb') as f:
        f.write(buffer.getvalue())


def load_index(path: str) -> SplitIndex:
    """The index saved by :func:`save_index` at ``path``; ValueError when the file is
    not one."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data['meta'].tobytes().decode())
        if meta.get('format') != INDEX_FORMAT:
            raise ValueError(f'{path} is not a {INDEX_FORMAT} file')
        labels, lengths = data['labels'], data['lengths']
    parts = np.split(labels, np.cumsum(lengths)[:-1]) if len(lengths) else []
    streams = [Stream(*row[:8], float(row[8]), part)
               for row, part in zip(meta['streams'], parts)]
    problems = [TakeProblem(uid, name, scen, cam, ego, Problem(path_, kind, detail, fix=fix))
                for uid, name, scen, cam, ego, path_, kind, detail, fix in meta['problems']]
    return SplitIndex(meta['split'], meta['class_names'], streams, problems,
                      meta['feature_width'], {k: tuple(v) for k, v in meta['takes'].items()},
                      meta['unannotated'], meta['other_split'])


def load_split_index(data_root: str, split: str, cache_dir: str,
                     feature_dir: str = fmt.FEATURE_DIR, feature_dim: Optional[int] = None,
                     step_tolerance: int = STEP_TOLERANCE,
                     time_tolerance: float = TIME_TOLERANCE) -> SplitIndex:
    """The index of ``split`` (:func:`build_split_index`), from
    ``<cache_dir>/egoexo4d_index/<split>-<key>.npz`` when it holds the index of the
    same inputs and options, else built and saved there. Under ``torch.distributed``,
    rank 0 builds and saves while the other ranks wait, then they load the file."""
    from mmengine.dist import barrier, get_dist_info
    options = dict(feature_dir=feature_dir, feature_dim=feature_dim,
                   step_tolerance=step_tolerance, time_tolerance=time_tolerance)
    if split not in ANNOTATED_SPLITS:  # the same error build_split_index raises
        build_split_index(data_root, split, **options)
    path = osp.join(cache_dir, INDEX_DIR,
                    f'{split}-{index_key(data_root, split, **options)}.npz')
    rank, world = get_dist_info()
    index, error = None, None
    if rank == 0:
        try:
            index = _load_or_build(path, data_root, split, options)
        except Exception as err:  # raised after the barrier, so no rank waits forever
            error = err
    if world > 1:
        barrier()
    if error is not None:
        raise error
    if index is None:
        if not osp.isfile(path):
            raise RuntimeError(f'rank 0 did not write the Ego-Exo4D index {path}; its log '
                               'says why.')
        index = load_index(path)
    return index


def _load_or_build(path: str, data_root: str, split: str, options: dict) -> SplitIndex:
    if osp.isfile(path):
        try:
            return load_index(path)
        except (OSError, ValueError, KeyError) as err:
            print_log(f'The Ego-Exo4D index {path} could not be read ({err}); building it '
                      'again.', logger='current', level=logging.WARNING)
    index = build_split_index(data_root, split, **options)
    save_index(path, index)
    return index


# ---------------------------------------------------------------------- statistics
def split_statistics(index: SplitIndex, streams: Optional[Sequence[Stream]] = None
                     ) -> dict:
    """Counts of a split (of ``streams``, default all readable streams): takes per
    scenario, ego and exo streams, feature steps, classes present, background
    fraction (steps labelled background / steps), damaged takes and takes without
    annotation."""
    streams = index.streams if streams is None else streams
    background = index.num_classes
    labels = (np.concatenate([s.labels for s in streams]) if streams
              else np.zeros(0, np.int64))
    steps = int(labels.size)
    per_scenario = Counter(scen for _, scen in index.takes.values())
    return dict(
        split=index.split, takes=len(index.takes),
        takes_per_scenario=dict(sorted(per_scenario.items())),
        streams_ego=sum(s.is_ego for s in streams),
        streams_exo=sum(not s.is_ego for s in streams), steps=steps,
        classes=index.num_classes,
        classes_present=int(np.unique(labels[labels != background]).size),
        background_fraction=float((labels == background).mean()) if steps else 0.0,
        damaged_takes=len({p.take_uid for p in index.problems}),
        takes_without_annotation=len(index.unannotated),
        feature_width=index.feature_width)
