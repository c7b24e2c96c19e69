"""Ego-Exo4D fine-grained keystep recognition as a metric (see functional/keystep.py).

The benchmark's segments (``annotations/keystep_benchmark/keystep_segment_<split>.json``
under ``data_root``) are read for the fit split (train) and the eval split (val: the test
file is unannotated). Each segment names its take; its stream in an
:class:`~byov.evaluation.EmbeddingSet` is the video named
``byov.datasets.egoexo4d.format.video_name(take_name, cam_id)`` of that take and the
wanted view, and its embedding is the mean of that stream's frame embeddings whose
``frame_times`` fall inside it.
"""
import logging
import os.path as osp
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from byov.datasets.egoexo4d import format as e4d_format
from byov.datasets.egoexo4d import timing
from byov.evaluation.functional.keystep import (DEFAULT_C, DEFAULT_MAX_ITER,
                                                keystep_recognition, pool_segments)
from byov.registry import METRICS
from byov.structures import CAMERA_VIEWS
from byov.utils.errors import UserInputError

from .base import EgoExoMetric


class KeystepProtocolError(UserInputError, ValueError):
    """The embeddings and the keystep benchmark's files do not fit together."""


@METRICS.register_module()
class KeystepRecognitionMetric(EgoExoMetric):
    """Top-1 keystep recognition of a linear probe on segment-pooled frame embeddings.

    Fit: every segment of the fit split's benchmark file, once per stream of its take
    whose view is in ``fit_views`` (the official protocol trains on ego and exo clips).
    Eval: every segment of the eval split's file on its take's ``eval_view`` stream(s)
    (the benchmark: the ego clip). A segment's embedding is the mean of the stream's
    frame embeddings whose time lies in ``[start_time, end_time)`` (the nearest frame
    when none does). Classes are ``label_id`` of ``label_mapping.csv``.

    Keys: ``top1`` (percent; the benchmark's number), ``top1_per_class_mean`` (percent,
    mean over the eval segments' classes), ``num_eval_segments`` and
    ``num_fit_segments`` (samples scored and fit: segment x stream),
    ``missing_eval_segments`` and ``missing_fit_segments`` (segments whose take, or a
    stream of the wanted view, is not in the split's embeddings, e.g. a damaged take
    that the dataset skipped; logged as a WARNING naming the takes).

    Args:
        data_root: the Ego-Exo4D download folder (the dataset's ``data_root``); None:
            byov's evaluation loops set it to the eval split's data root (and refuse a
            metric whose data_root names another folder).
        fit_views: views whose streams give fit samples, a non-empty subset of
            ('ego', 'exo').
        eval_view: 'ego' (the benchmark) or 'exo' (every exo stream of the take: an extra).
        fit_split, eval_split: the benchmark files to read; None: the split names of
            the fit and eval embeddings (``EmbeddingSet.split``). 'test' has no labels.
        C, max_iter, standardize: the probe's options (see
            :func:`~byov.evaluation.functional.keystep.keystep_recognition`).
        window_sec: time one frame covers (a feature step: 32/30 s); a segment that
            overlaps none of its stream's frames is an error.
    """
    default_prefix = 'keystep'
    requires_fit_split = True

    def __init__(self, data_root: Optional[str] = None, fit_views: Sequence[str] = CAMERA_VIEWS,
                 eval_view: str = 'ego', fit_split: Optional[str] = None,
                 eval_split: Optional[str] = None, C: float = DEFAULT_C,
                 max_iter: int = DEFAULT_MAX_ITER, standardize: bool = True,
                 window_sec: float = timing.WINDOW_SEC, **kwargs) -> None:
        super().__init__(**kwargs)
        if data_root is not None and (not isinstance(data_root, str) or not data_root):
            raise KeystepProtocolError(
                'KeystepRecognitionMetric: data_root must be the Ego-Exo4D folder (the '
                f"dataset's data_root variable) or None, got {data_root!r}")
        views = (fit_views,) if isinstance(fit_views, str) else tuple(fit_views)
        if not views or any(v not in CAMERA_VIEWS for v in views):
            raise KeystepProtocolError(f'KeystepRecognitionMetric: fit_views must be a '
                                       f'non-empty subset of {CAMERA_VIEWS}, got {fit_views!r}')
        if eval_view not in CAMERA_VIEWS:
            raise KeystepProtocolError(f'KeystepRecognitionMetric: eval_view must be one of '
                                       f'{CAMERA_VIEWS}, got {eval_view!r}')
        for name, split in (('fit_split', fit_split), ('eval_split', eval_split)):
            if split is not None and split not in e4d_format.SPLITS:
                raise KeystepProtocolError(f'KeystepRecognitionMetric: {name} must be one of '
                                           f'{e4d_format.SPLITS} or None, got {split!r}')
        if not window_sec > 0:
            raise KeystepProtocolError('KeystepRecognitionMetric: window_sec must be '
                                       f'positive, got {window_sec!r}')
        self.data_root = data_root
        self.fit_views = tuple(v for v in CAMERA_VIEWS if v in views)
        self.eval_view = eval_view
        self.fit_split = fit_split
        self.eval_split = eval_split
        self.C = C
        self.max_iter = max_iter
        self.standardize = standardize
        self.window_sec = float(window_sec)
        self._segments: Dict[Tuple[str, str], list] = {}

    # ------------------------------------------------------------------ segments
    def _read_segments(self, split: str, role: str) -> list:
        if split == 'test':
            raise KeystepProtocolError(
                f'KeystepRecognitionMetric: the {role} split is "test", whose segment file '
                f'({e4d_format.TEST_SEGMENT_FILE}) has no labels; the keystep benchmark '
                'scores the val split. Evaluate on val, or set eval_split / fit_split.')
        if self.data_root is None:
            raise KeystepProtocolError(
                'KeystepRecognitionMetric has no data_root: set it to the Ego-Exo4D folder '
                "(the dataset's data_root), or evaluate with EgoExoValLoop / "
                "EgoExoTestLoop, which give it the eval split's.")
        key = (self.data_root, split)
        if key not in self._segments:
            segments = e4d_format.read_benchmark_segments(self.data_root, split)
            if not segments:
                raise KeystepProtocolError(
                    f'{osp.join(self.data_root, e4d_format.SEGMENT_FILE.format(split=split))}'
                    ' holds no segments.')
            num_classes = len(e4d_format.read_label_mapping(self.data_root))
            bad = [s for s in segments if not 0 <= s.label_id < num_classes]
            if bad:
                raise KeystepProtocolError(
                    f'{osp.join(self.data_root, e4d_format.SEGMENT_FILE.format(split=split))}: '
                    f'{len(bad)} segment(s) have a label_id outside 0..{num_classes - 1} of '
                    f'{e4d_format.LABEL_MAPPING_FILE} (first: {bad[0].ego_segment_name!r}, '
                    f'label_id {bad[0].label_id}); the files are from different releases.')
            self._segments[key] = segments
        return self._segments[key]

    def _samples(self, emb, split: str, views: Tuple[str, ...], role: str):
        """Pooled embeddings [N, E], labels [N] and the missing segments of one split:
        one sample per segment per stream of its take whose view is in ``views``."""
        if emb.frame_times is None:
            raise KeystepProtocolError(
                f'KeystepRecognitionMetric: the {role} split ({emb.split or split}) has no '
                'frame_times; the keystep protocol maps segments to frames by time. Embed '
                'it from EgoExo4DKeystepDataset (whose packed samples carry frame_times), '
                'or load embeddings saved with their {split}_times.npy.')
        segments = self._read_segments(split, role)
        streams = defaultdict(list)  # take_name -> video indices of the wanted views
        for v, (name, ego) in enumerate(zip(emb.video_names, emb.video_is_ego)):
            if ('ego' if ego else 'exo') in views:
                streams[e4d_format.split_video_name(name)[0]].append(v)
        videos, starts, ends, labels, names, missing = [], [], [], [], [], []
        for seg in segments:
            found = streams.get(seg.take_name)
            if not found:
                missing.append(seg)
                continue
            for v in found:
                videos.append(v)
                starts.append(seg.start_time)
                ends.append(seg.end_time)
                labels.append(seg.label_id)
                names.append(f'{seg.ego_segment_name} on {emb.video_names[v]}')
        path = osp.join(self.data_root, e4d_format.SEGMENT_FILE.format(split=split))
        if not videos:
            raise KeystepProtocolError(
                f'KeystepRecognitionMetric: none of the {len(segments)} segments of {path} '
                f'has a {"/".join(views)} stream among the {emb.num_videos} videos of the '
                f'{role} split ({emb.split or "unnamed"}): the split and the segment file '
                'do not match (another split, another data_root, or video names not of '
                'the form <take_name>/<cam_id>).')
        if missing:
            takes = Counter(seg.take_name for seg in missing)
            listed = ', '.join(f'{t} ({n})' for t, n in sorted(takes.items())[:10])
            print_log(
                f'KeystepRecognitionMetric: {len(missing)} of {len(segments)} {role} '
                f'segments of {path} have no {"/".join(views)} stream in the {role} split '
                f'and are left out: {len(takes)} take(s): {listed}'
                f'{", ..." if len(takes) > 10 else ""} (damaged takes the dataset skipped?)',
                logger='current', level=logging.WARNING)
        # the set's video index is its video_ids value (0..V-1)
        pooled = pool_segments(emb.embeds, emb.frame_times, emb.video_ids, videos, starts,
                               ends, window_sec=self.window_sec, segment_names=names)
        return pooled, np.asarray(labels, dtype=np.int64), missing

    # ------------------------------------------------------------------ the task
    def compute(self, eval_set, fit_set=None) -> dict:
        fit_set = self._require_fit_set(fit_set)
        fit_split = self.fit_split or fit_set.split or 'train'
        eval_split = self.eval_split or eval_set.split
        if not eval_split:
            raise KeystepProtocolError('KeystepRecognitionMetric: the eval embeddings name '
                                       'no split; set eval_split (the benchmark: val)')
        fit_x, fit_y, fit_missing = self._samples(fit_set, fit_split, self.fit_views, 'fit')
        eval_x, eval_y, eval_missing = self._samples(eval_set, eval_split,
                                                     (self.eval_view,), 'eval')
        result = keystep_recognition(fit_x, fit_y, eval_x, eval_y, C=self.C,
                                     max_iter=self.max_iter, standardize=self.standardize)
        if not result['converged']:
            print_log(f'KeystepRecognitionMetric: the logistic regression did not converge '
                      f'in max_iter={self.max_iter} lbfgs iterations; top1 is that of the '
                      'last iterate (raise max_iter for a converged probe).',
                      logger='current', level=logging.WARNING)
        return dict(top1=result['top1'], top1_per_class_mean=result['top1_per_class_mean'],
                    num_eval_segments=int(eval_y.size), num_fit_segments=int(fit_y.size),
                    missing_eval_segments=len(eval_missing),
                    missing_fit_segments=len(fit_missing))

    def protocol(self) -> dict:
        return dict(task='keystep recognition (Ego-Exo4D)', segments='keystep_benchmark',
                    fit_split=self.fit_split or 'fit set', eval_split=self.eval_split or
                    'eval set', fit_views=list(self.fit_views), eval_view=self.eval_view,
                    pooling='mean of frames with time in [start, end); nearest if none',
                    window_sec=self.window_sec,
                    classifier='LogisticRegression(lbfgs, multinomial, L2)', C=self.C,
                    max_iter=self.max_iter, standardize=self.standardize, score='top-1 %')
