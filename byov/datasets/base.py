"""What the pair and whole-video datasets share: a split's records and its frame cache."""
import logging
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from byov.registry import TRANSFORMS
from byov.utils.progress import progress_bar
from .ae2 import LABEL_FILE, VideoRecord, scan_split
from .integrity import (CHECK_HINT, DatasetProblemsError, Problem, VideoDecodeError,
                        header_frame_count)
from .feature_cache import FeatureCache
from .frame_cache import FrameCache

MISMATCH_MODES = ('error', 'truncate')


def label_problem(record: VideoRecord, decoded: int, announced: int,
                  label_file: str = LABEL_FILE) -> Optional[Problem]:
    """The problem of ``record``'s labels against its ``decoded`` frame count, or None
    when they fit by the reference's rule.

    The reference checks the labels against the container header's count
    (``announced``); per-frame data longer than the video is cut to the video. So labels
    of the header's length fit a video whose header over- or under-states its frames:
    the first ``min(labels, decoded)`` frames and labels are used. Labels that match
    neither count are a problem."""
    n = len(record.labels)
    if n in (decoded, announced):
        return None
    kind = 'labels-too-long' if n > decoded else 'labels-too-short'
    header = f', its header {announced}' if announced not in (0, decoded) else ''
    return Problem(record.path, kind,
                   f'{label_file} has {n} labels for {record.path}, which decodes to '
                   f'{decoded} frames{header} ({n - decoded:+d})')


def resolve_labels(record: VideoRecord, decoded: int, mismatch: str,
                   label_file: str = LABEL_FILE,
                   announced: Optional[int] = None) -> np.ndarray:
    """The labels of ``record`` given its decoded frame count ``decoded``.

    Equal counts pass; labels of the header's length (``announced``, read from the
    video when None) are cut to the decoded frames (see :func:`label_problem`);
    otherwise ``mismatch='error'`` raises and ``'truncate'`` keeps the first
    ``min(len(labels), decoded)`` labels (and frames, in the loaders)."""
    labels = record.labels
    if decoded == len(labels):
        return labels
    if announced is None:
        announced = header_frame_count(record.path)
    problem = label_problem(record, decoded, announced, label_file)
    if problem is None or mismatch == 'truncate':
        return labels[:min(decoded, len(labels))]
    raise ValueError(f'{problem}.')


class EgoExoBaseDataset(BaseDataset):
    """Videos of one split of an AE2-layout dataset, decoded through a frame cache.

    Building the dataset lists the split and reads label.pickle (no decoding), so a
    broken layout fails at once. ``full_init()`` (run at construction unless
    ``lazy_init=True``) decodes every video not cached yet and checks each decoded
    frame count against its labels; afterwards only cache headers are read. Every
    problem of the split (files named but missing, videos without labels, empty,
    undecodable videos, label counts) is reported in one
    :class:`~byov.datasets.integrity.DatasetProblemsError`; with ``lazy_init=True`` the
    listing's problems are raised at construction.

    Args:
        data_root: dataset folder (holds label.pickle); see :mod:`byov.datasets.ae2`.
        split: 'train', 'val' or 'test'.
        cache_dir: folder of the frame cache (never the data folder).
        frame_size: ``H`` or ``(H, W)``: every frame of every view is resized to it.
        layout: 'auto', 'csv' or 'folders'.
        label_length_mismatch: 'error' (default) or 'truncate' when a video's label
            count differs from its decoded frame count.
        feature_cache: None (read frames), or the arguments of a
            :class:`~byov.datasets.feature_cache.FeatureCache` (``cache_dir``, ``mode``,
            ``frame_encoder``, ``data_preprocessor``, ``token_selector``; its frame size
            is this dataset's): frame counts come from the cached features, which must
            exist for every video (``tools/data/build_feature_cache.py``), no video is
            decoded, and the pipeline reads ``results['feature_cache']``
            (``LoadClipFeatures`` / ``LoadVideoFeatures``).
        pipeline: transforms (configs are built in byov's TRANSFORMS registry).
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: Optional[str], split: str, cache_dir: Optional[str],
                 frame_size: Union[int, Sequence[int]] = 224, layout: str = 'auto',
                 label_length_mismatch: str = 'error', feature_cache: Optional[dict] = None,
                 pipeline: Sequence = (), **kwargs):
        unset = [k for k, v in (('data_root', data_root), ('cache_dir', cache_dir),
                                ('frame_size', frame_size)) if v is None]
        if unset:
            raise ValueError(
                f'{type(self).__name__}(split={split!r}): {", ".join(unset)} not set in '
                'this loader\'s dataset config. Write them into every loader, as the '
                'dataset configs in configs/_base_/datasets/ do (synthetic_egoexo.py: '
                'data_settings), or pass --data-root / --cache-dir to byov\'s tools.')
        if label_length_mismatch not in MISMATCH_MODES:
            raise ValueError(f'label_length_mismatch must be one of {MISMATCH_MODES}, '
                             f'got {label_length_mismatch!r}.')
        layout = 'auto' if layout is None else layout
        self.split = split
        self.layout = layout
        self.label_length_mismatch = label_length_mismatch
        self.frame_cache = FrameCache(cache_dir, frame_size)
        self.feature_cache = (FeatureCache(frame_size=frame_size, **feature_cache)
                              if feature_cache else None)
        self.records: List[VideoRecord]
        self.records, self._listing_problems = scan_split(data_root, split, layout)
        if self._listing_problems and kwargs.get('lazy_init', False):
            raise DatasetProblemsError(f'Split "{split}" of {data_root}',
                                       self._listing_problems, CHECK_HINT)
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        kwargs.setdefault('data_prefix', dict())
        super().__init__(data_root=data_root, pipeline=pipeline, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One dict per video (in ``video_index`` order), its frame count checked.

        Every damaged video of the split is collected first and reported in one
        :class:`~byov.datasets.integrity.DatasetProblemsError`."""
        data_list, records, cache = [], self.records, self.frame_cache
        if self.feature_cache is not None:  # counts from the features; nothing decoded
            cache = self.feature_cache
            cache.check_complete(records, self.split, self.data_root)
        elif not all(osp.isfile(cache.path_for(r.path, r.view)) for r in records):
            records = progress_bar(records, desc=f'frame cache: decoding {self.split}')
        label_file = osp.join(self.data_root, LABEL_FILE)
        problems, cut = list(self._listing_problems), []
        for rec in records:
            try:
                decoded = cache.num_frames(rec.path, rec.view)
            except VideoDecodeError as err:
                problems.append(err.problem)
                continue
            labels = rec.labels
            if decoded != len(labels):
                announced = header_frame_count(rec.path)
                problem = label_problem(rec, decoded, announced, label_file)
                if problem is not None and self.label_length_mismatch == 'error':
                    problems.append(problem)
                    continue
                labels = labels[:min(decoded, len(labels))]
                if problem is None:
                    cut.append(f'{osp.basename(rec.path)} ({decoded} decoded, header '
                               f'{announced})')
            data_list.append(dict(
                video_name=rec.name, video_path=rec.path, view=rec.view,
                is_ego=rec.is_ego, video_index=len(data_list), num_frames=len(labels),
                split=self.split, gt_labels=labels))
        if problems:
            raise DatasetProblemsError(f'Split "{self.split}" of {self.data_root}',
                                       problems, CHECK_HINT)
        if cut:
            print_log(f'{len(cut)} video(s) of split "{self.split}" of {self.data_root} '
                      'decode to another frame count than their container header '
                      'announces, and labels of the header\'s length: the first '
                      'min(labels, decoded) frames and labels are used (AE2 checks labels '
                      'against the header and cuts per-frame data to the video): '
                      f'{", ".join(cut)}.', logger='current', level=logging.WARNING)
        return data_list

    @property
    def video_infos(self) -> List[dict]:
        """Per-video metadata in ``video_index`` order: ``video_name``, ``video_path``,
        ``view``, ``is_ego``, ``video_index``, ``num_frames``, ``split``, ``gt_labels``
        (int64 [L]). Once the dataset is initialised (or with
        ``label_length_mismatch='truncate'``, which runs ``full_init()`` first) the counts
        are checked against the decoded videos; before, on a lazily built dataset, they
        are the label counts and nothing is decoded."""
        if self._fully_initialized or self.label_length_mismatch == 'truncate':
            self.full_init()
            infos = [self.get_data_info(i) for i in range(self.num_videos)]
            return [{k: v for k, v in i.items() if k != 'sample_idx'} for i in infos]
        return [dict(video_name=r.name, video_path=r.path, view=r.view, is_ego=r.is_ego,
                     video_index=i, num_frames=r.num_frames, split=self.split,
                     gt_labels=r.labels)
                for i, r in enumerate(self.records)]

    @property
    def num_videos(self) -> int:
        """Videos in the split (the pair dataset's length is not its video count)."""
        return BaseDataset.__len__(self)
