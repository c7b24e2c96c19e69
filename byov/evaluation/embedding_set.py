"""One split's frame embeddings with the labels and video structure the tasks need.

Frames are stored video by video in video-index order (the split's sorted video list:
ego videos first, then exo, each by name), every frame of a video, in temporal order:
``embeds [F, E]``, ``labels [F]``, ``video_ids [F]`` (the video index of each frame) and
``is_ego [F]``; ``video_names[v]`` names video v.

On disk (``save`` / ``load``) a split is AE2's file pair ``{split}_embeds.npy`` and
``{split}_label.npy`` (so AE2's tools read it, and AE2's released embeddings load here)
plus ``{split}_meta.json`` with what those files lack: each video's name, view and frame
count; and, for datasets whose frames have times (Ego-Exo4D's feature steps),
``{split}_times.npy`` (float64 seconds, one per frame). Each file is written to a
temporary name and renamed into place.
"""
import hashlib
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from mmengine.structures import BaseDataElement

from byov.utils.atomic import atomic_write
from .functional._checks import (check_is_ego, check_labels, check_same_view_per_video,
                                 check_video_ids)

META_FORMAT = 'byov.EmbeddingSet/1'
RECORD_KEYS = ('embeds', 'gt_labels', 'video_index', 'is_ego', 'video_name')


def video_record(sample) -> dict:
    """One video's record from a model output (a BaseDataElement as ``predict`` returns
    it, or its dict): float32 embeds [L, E], int64 gt_labels [L], video_index, is_ego,
    video_name and split; and ``frame_times`` (float64 [L], seconds) when the sample
    carries them (metainfo of datasets that time their frames, e.g. Ego-Exo4D). The one
    extractor of the evaluation path."""
    if isinstance(sample, BaseDataElement):
        sample = sample.to_dict()
    missing = [k for k in RECORD_KEYS if k not in sample]
    if missing:
        raise KeyError(f'a model output lacks {missing}; the ego-exo evaluation needs '
                       'per-video embeds and gt_labels with metainfo video_index, is_ego, '
                       'video_name (see docs/architecture.md, "Model outputs")')
    embeds = _as_numpy(sample['embeds']).astype(np.float32, copy=False)
    labels = _as_numpy(sample['gt_labels']).reshape(-1).astype(np.int64, copy=False)
    num_frames = sample.get('num_frames')
    if embeds.ndim != 2 or embeds.shape[0] != labels.shape[0] or (
            num_frames is not None and int(num_frames) != labels.shape[0]):
        raise ValueError(f'video {sample["video_name"]!r}: embeds {tuple(embeds.shape)}, '
                         f'{labels.shape[0]} labels and num_frames={num_frames} disagree '
                         '(one embedding and one label per frame)')
    record = dict(embeds=embeds, gt_labels=labels, video_index=int(sample['video_index']),
                  is_ego=bool(sample['is_ego']), video_name=str(sample['video_name']),
                  split=sample.get('split'))
    if sample.get('frame_times') is not None:
        record['frame_times'] = _video_times(sample['frame_times'], labels.shape[0],
                                             f'video {record["video_name"]!r}')
    return record


def _video_times(times, num_frames: int, where: str) -> np.ndarray:
    """One video's frame times as float64 [num_frames]: finite and non-decreasing."""
    times = _as_numpy(times).astype(np.float64).reshape(-1)
    if times.shape[0] != num_frames:
        raise ValueError(f'{where}: {times.shape[0]} frame_times for {num_frames} frames '
                         '(one time per frame)')
    if not np.isfinite(times).all() or np.any(np.diff(times) < 0):
        raise ValueError(f'{where}: frame_times must be finite seconds in temporal order '
                         '(non-decreasing)')
    return times


def find_embeddings_dir(path: str, split: str) -> str:
    """The folder holding ``{split}_embeds.npy``: ``path/embeddings`` of a work dir (where
    the evaluation loops write them), or ``path`` itself. Raises FileNotFoundError naming
    both places."""
    for folder in (osp.join(path, 'embeddings'), path):
        if osp.isfile(osp.join(folder, f'{split}_embeds.npy')):
            return folder
    raise FileNotFoundError(
        f'No {split}_embeds.npy in {osp.join(path, "embeddings")} or {path}. The evaluation '
        'loops (tools/test.py, or validation during training) write them into '
        '<work_dir>/embeddings/ unless save_embeddings=False; pass that work dir or '
        'folder.')


@dataclass(eq=False)
class EmbeddingSet:
    """Frame embeddings of one split.

    Attributes:
        embeds: float32 [F, E] frame embeddings.
        labels: int64 [F] phase labels.
        video_ids: int64 [F] video index of each frame, 0..V-1, videos contiguous and in
            increasing order.
        is_ego: bool [F] view of each frame (constant within a video).
        video_names: V names, ``video_names[v]`` for video index v.
        split: the split's name ('train', 'val', 'test'), used in messages and file names.
        frame_times: float64 [F] time of each frame in seconds from its video's start
            (non-decreasing within a video), or None when the dataset gives no times
            (AE2, the synthetic benchmark). The Ego-Exo4D keystep protocol maps annotated
            segments onto frames with it.
    """
    embeds: np.ndarray
    labels: np.ndarray
    video_ids: np.ndarray
    is_ego: np.ndarray
    video_names: List[str] = field(default_factory=list)
    split: str = ''
    frame_times: Optional[np.ndarray] = None

    def __post_init__(self):
        self.embeds = np.asarray(self.embeds)
        if self.embeds.ndim != 2 or not np.issubdtype(self.embeds.dtype, np.floating):
            raise ValueError(f'{self._where}embeds must be a float array [frames, dims], got '
                             f'{self.embeds.dtype} {self.embeds.shape}')
        num_frames = self.embeds.shape[0]
        self.labels = check_labels('labels', self.labels, num_frames)
        runs = check_video_ids('video_ids', self.video_ids, num_frames)
        if not np.array_equal(runs.ids, np.arange(runs.ids.size)):
            raise ValueError(f'{self._where}video_ids must run 0, 1, ..., V-1 in order (the '
                             f'video index), got {runs.ids[:10].tolist()}...')
        self.video_ids = np.asarray(self.video_ids, dtype=np.int64)
        self.is_ego = check_is_ego('is_ego', self.is_ego, num_frames)
        check_same_view_per_video('is_ego', self.is_ego, runs)
        self.video_names = [str(n) for n in self.video_names] or [
            f'video_{v}' for v in range(runs.ids.size)]
        if len(self.video_names) != runs.ids.size:
            raise ValueError(f'{self._where}video_names has {len(self.video_names)} names for '
                             f'{runs.ids.size} videos')
        self._lengths = runs.lengths
        self._starts = runs.starts
        if self.frame_times is not None:
            times = np.asarray(self.frame_times, dtype=np.float64)
            if times.shape != (num_frames,):
                raise ValueError(f'{self._where}frame_times must be [frames] = '
                                 f'[{num_frames}], got shape {times.shape}')
            backwards = np.flatnonzero((np.diff(times) < 0)
                                       & (self.video_ids[1:] == self.video_ids[:-1]))
            bad = np.flatnonzero(~np.isfinite(times))
            if bad.size or backwards.size:
                v = int(self.video_ids[bad[0] if bad.size else backwards[0]])
                raise ValueError(f'{self._where}video {self.video_names[v]!r}: frame_times '
                                 'must be finite seconds in temporal order (non-decreasing '
                                 'within a video)')
            self.frame_times = times

    # ------------------------------------------------------------------ structure
    @property
    def _where(self) -> str:
        return f'{self.split} split: ' if self.split else ''

    @property
    def num_frames(self) -> int:
        return int(self.embeds.shape[0])

    @property
    def num_videos(self) -> int:
        return len(self.video_names)

    @property
    def video_lengths(self) -> np.ndarray:
        """Frames per video, int64 [V]."""
        return self._lengths.copy()

    @property
    def video_is_ego(self) -> np.ndarray:
        """View per video, bool [V]."""
        return self.is_ego[self._starts]

    @property
    def frame_index(self) -> np.ndarray:
        """Position of each frame within its video, int64 [F]."""
        return np.arange(self.num_frames) - self._starts[self.video_ids]

    def video_slice(self, video_id: int) -> slice:
        start = int(self._starts[video_id])
        return slice(start, start + int(self._lengths[video_id]))

    def check_finite(self) -> 'EmbeddingSet':
        """Raise a ValueError naming the split and the first video with NaN/inf
        embeddings; returns self."""
        finite = np.isfinite(self.embeds).all(axis=1)
        if not finite.all():
            bad_frames = np.flatnonzero(~finite)
            v = int(self.video_ids[bad_frames[0]])
            in_video = np.count_nonzero(~finite[self.video_slice(v)])
            num_bad_videos = np.unique(self.video_ids[bad_frames]).size
            raise ValueError(
                f'{self._where or "embeddings: "}video {self.video_names[v]!r} (index {v}) has '
                f'NaN or inf embeddings at {in_video} of {self._lengths[v]} frames (first: '
                f'frame {int(bad_frames[0] - self._starts[v])}); {num_bad_videos} video(s) '
                'affected in all. The model produced non-finite outputs.')
        return self

    def to_records(self) -> List[dict]:
        """One record per video (as :func:`video_record` returns them), in video order;
        with ``frame_times`` when the set has them."""
        records = []
        for v, name in enumerate(self.video_names):
            part = self.video_slice(v)
            records.append(dict(embeds=self.embeds[part], gt_labels=self.labels[part],
                                video_index=v, is_ego=bool(self.is_ego[part.start]),
                                video_name=name, num_frames=part.stop - part.start,
                                split=self.split))
            if self.frame_times is not None:
                records[-1]['frame_times'] = self.frame_times[part]
        return records

    def fingerprint(self) -> dict:
        """What identifies the data this split evaluated: its name, sizes, the sha256 of
        its ordered video list (view, name and frame count per line) and of its labels
        (int64, little-endian). Equal fingerprints mean the same videos, frames and
        labels in the same order (a temporal crop changes both hashes)."""
        lines = '\n'.join(f'{"ego" if ego else "exo"}\t{name}\t{length}' for name, ego, length
                          in zip(self.video_names, self.video_is_ego, self._lengths))
        labels = np.ascontiguousarray(self.labels, dtype='<i8').tobytes()
        return dict(split=self.split, num_videos=self.num_videos, num_frames=self.num_frames,
                    split_sha256=hashlib.sha256(lines.encode()).hexdigest(),
                    labels_sha256=hashlib.sha256(labels).hexdigest())

    # ------------------------------------------------------------------ building
    @classmethod
    def from_records(cls, records: Sequence[dict], split: str = '',
                     duplicates: str = 'drop') -> 'EmbeddingSet':
        """Build from one record per video.

        Args:
            records: dicts with ``embeds`` [L, E], ``gt_labels`` [L], ``video_index``,
                ``is_ego``, ``video_name``, and optionally ``frame_times`` [L] (all
                records or none); any order.
            split: the split's name.
            duplicates: a video index seen twice (a distributed sampler pads the last
                batch with repeats): 'drop' keeps the first copy, provided the copies
                name the same video with the same frame count; 'raise' refuses.
        """
        if duplicates not in ('drop', 'raise'):
            raise ValueError(f"duplicates must be 'drop' or 'raise', got {duplicates!r}")
        where = f'{split} split: ' if split else ''
        if not records:
            raise ValueError(f'{where}no video records to build an EmbeddingSet from')
        by_index = {}
        for record in records:
            missing = {'embeds', 'gt_labels', 'video_index', 'is_ego', 'video_name'} - set(
                record)
            if missing:
                raise ValueError(f'{where}a video record lacks {sorted(missing)}')
            index = int(record['video_index'])
            embeds = _as_numpy(record['embeds'])
            labels = _as_numpy(record['gt_labels']).reshape(-1)
            if embeds.ndim != 2 or embeds.shape[0] != labels.shape[0]:
                raise ValueError(f'{where}video {record["video_name"]!r}: embeds {embeds.shape} '
                                 f'do not match {labels.shape[0]} labels (one row per frame)')
            if index in by_index:
                first = by_index[index]
                same = (first['video_name'] == record['video_name']
                        and first['embeds'].shape == embeds.shape)
                if duplicates == 'raise' or not same:
                    raise ValueError(
                        f'{where}video index {index} appears twice ({first["video_name"]!r}, '
                        f'{record["video_name"]!r})' + ('' if same else '; the records '
                                                        'disagree, so this is not padding'))
                continue
            times = record.get('frame_times')
            if times is not None:
                times = _video_times(times, labels.shape[0],
                                     f'{where}video {record["video_name"]!r}')
            by_index[index] = dict(embeds=embeds, labels=labels, is_ego=bool(record['is_ego']),
                                   video_name=str(record['video_name']), times=times)
        indices = sorted(by_index)
        if indices != list(range(len(indices))):
            missing = sorted(set(range(indices[-1] + 1)) - set(indices))
            raise ValueError(f'{where}video indices must be 0..V-1; missing {missing[:10]} '
                             f'(of 0..{indices[-1]}). Were some videos not embedded?')
        ordered = [by_index[i] for i in indices]
        dims = {r['embeds'].shape[1] for r in ordered}
        if len(dims) > 1:
            raise ValueError(f'{where}videos have embeddings of different sizes {sorted(dims)}')
        lengths = [r['labels'].shape[0] for r in ordered]
        timed = [r['times'] is not None for r in ordered]
        if any(timed) and not all(timed):
            untimed = [r['video_name'] for r in ordered if r['times'] is None]
            raise ValueError(f'{where}{len(untimed)} of {len(ordered)} video records have no '
                             f'frame_times (first: {untimed[0]!r}); a split has times for '
                             'every video or for none')
        frame_times = np.concatenate([r['times'] for r in ordered]) if all(timed) else None
        return cls(
            embeds=np.concatenate([r['embeds'] for r in ordered]).astype(np.float32,
                                                                          copy=False),
            labels=np.concatenate([r['labels'] for r in ordered]).astype(np.int64),
            video_ids=np.repeat(np.arange(len(ordered)), lengths),
            is_ego=np.repeat([r['is_ego'] for r in ordered], lengths).astype(bool),
            video_names=[r['video_name'] for r in ordered], split=split,
            frame_times=frame_times)

    # ------------------------------------------------------------------ files
    @staticmethod
    def paths(work_dir: str, split: str) -> dict:
        """The files of a split: embeds, labels (AE2's names), meta and times (written
        only for a set with ``frame_times``)."""
        return dict(embeds=osp.join(work_dir, f'{split}_embeds.npy'),
                    labels=osp.join(work_dir, f'{split}_label.npy'),
                    meta=osp.join(work_dir, f'{split}_meta.json'),
                    times=osp.join(work_dir, f'{split}_times.npy'))

    def save(self, work_dir: str, split: Optional[str] = None) -> dict:
        """Write ``{split}_embeds.npy``, ``{split}_label.npy`` and ``{split}_meta.json``
        into ``work_dir`` (each atomically), and ``{split}_times.npy`` when the set has
        ``frame_times`` (without them, a times file of an earlier save is removed, so it
        is never read with other embeddings); returns the written files' paths."""
        split = split or self.split
        if not split:
            raise ValueError('save() needs a split name (argument or EmbeddingSet.split)')
        os.makedirs(work_dir, exist_ok=True)
        paths = self.paths(work_dir, split)
        meta = dict(format=META_FORMAT, split=split, num_frames=self.num_frames,
                    embed_dim=int(self.embeds.shape[1]), video_names=list(self.video_names),
                    video_is_ego=[bool(e) for e in self.video_is_ego],
                    video_lengths=[int(n) for n in self._lengths],
                    frame_times=self.frame_times is not None)
        if self.frame_times is not None:
            _atomic_write(paths['times'], lambda f: np.save(f, self.frame_times))
        else:
            del paths['times']
            stale = self.paths(work_dir, split)['times']
            if osp.isfile(stale):
                os.remove(stale)
        _atomic_write(paths['embeds'], lambda f: np.save(f, self.embeds))
        _atomic_write(paths['labels'], lambda f: np.save(f, self.labels))
        _atomic_write(paths['meta'], lambda f: f.write(json.dumps(meta, indent=1).encode()))
        return paths

    @classmethod
    def load(cls, work_dir: str, split: str, video_lengths: Optional[Sequence[int]] = None,
             video_is_ego: Optional[Sequence[bool]] = None,
             video_names: Optional[Sequence[str]] = None,
             mmap_mode: Optional[str] = None) -> 'EmbeddingSet':
        """Read a split written by :meth:`save`, or AE2's two files.

        AE2's tools write only ``{split}_embeds.npy`` and ``{split}_label.npy`` (the test
        split under the name 'val'); for those, pass ``video_lengths`` and
        ``video_is_ego`` (per video, in the split's sorted video order, as the dataset
        lists them). Given arguments override ``{split}_meta.json``. ``frame_times``
        come from ``{split}_times.npy`` when the meta file says the split has them (or,
        without a meta file, when that file exists); otherwise they are None.
        """
        paths = cls.paths(work_dir, split)
        for key in ('embeds', 'labels'):
            if not osp.isfile(paths[key]):
                raise FileNotFoundError(f'{paths[key]} not found (expected the {split} split '
                                        f'embeddings in {work_dir})')
        meta = {}
        if osp.isfile(paths['meta']):
            with open(paths['meta']) as f:
                meta = json.load(f)
        video_lengths = meta.get('video_lengths') if video_lengths is None else video_lengths
        video_is_ego = meta.get('video_is_ego') if video_is_ego is None else video_is_ego
        video_names = meta.get('video_names') if video_names is None else video_names
        if video_lengths is None or video_is_ego is None:
            raise ValueError(
                f'{paths["meta"]} not found and video_lengths/video_is_ego not given: '
                'embeddings written by AE2\'s tools carry no video boundaries; pass the '
                'frame count and view of each video in the split\'s sorted order')
        embeds = np.load(paths['embeds'], mmap_mode=mmap_mode)
        labels = np.load(paths['labels'])
        video_lengths = np.asarray(video_lengths, dtype=np.int64)
        if len(video_is_ego) != len(video_lengths):
            raise ValueError(f'{split} split: {len(video_is_ego)} views for '
                             f'{len(video_lengths)} videos')
        if video_lengths.sum() != embeds.shape[0] or labels.shape[0] != embeds.shape[0]:
            raise ValueError(
                f'{paths["embeds"]} has {embeds.shape[0]} frames and {paths["labels"]} '
                f'{labels.shape[0]}, but the videos hold {int(video_lengths.sum())} frames '
                '(files from different runs?)')
        frame_times = None
        if meta.get('frame_times', not meta and osp.isfile(paths['times'])):
            if not osp.isfile(paths['times']):
                raise FileNotFoundError(f'{paths["times"]} not found, but {paths["meta"]} '
                                        'says the split has frame times (files copied '
                                        'without it?)')
            frame_times = np.load(paths['times'])
            if frame_times.shape != (embeds.shape[0],):
                raise ValueError(f'{paths["times"]} has shape {frame_times.shape}, but '
                                 f'{paths["embeds"]} has {embeds.shape[0]} frames (files '
                                 'from different runs?)')
        return cls(embeds=embeds, labels=labels,
                   video_ids=np.repeat(np.arange(video_lengths.size), video_lengths),
                   is_ego=np.repeat(np.asarray(video_is_ego, dtype=bool), video_lengths),
                   video_names=list(video_names or []), split=split,
                   frame_times=frame_times)


def _as_numpy(value) -> np.ndarray:
    """A numpy array from a numpy array, a (CPU or GPU) torch tensor or a list."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _atomic_write(path: str, write) -> None:
    """Call ``write(binary file)`` on a temporary file next to ``path``, then rename it."""
    with atomic_write(path, 'wb') as f:
        write(f)
