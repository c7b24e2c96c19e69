"""Ego-Exo4D keystep datasets: whole streams (evaluation) and ego-exo pairs (training),
read from the released Omnivore features (docs/egoexo4d.md).

One item of :class:`EgoExo4DKeystepDataset` is one camera stream of one take, all its
feature steps in order (``[L, D]`` float32 after ``LoadEgoExo4DVideoFeatures``); one item
of :class:`EgoExo4DPairDataset` is an ego clip and an exo clip (``[2, T, D]``).
"""
import logging
import os.path as osp
from collections import defaultdict
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import sync_random_seed
from mmengine.logging import print_log

from byov.registry import DATASETS, TRANSFORMS
from byov.structures import CAMERA_VIEWS
from byov.utils.errors import UserInputError
from ..integrity import DatasetProblemsError
from . import format as fmt
from .index import (STEP_TOLERANCE, TIME_TOLERANCE, SplitIndex, Stream, TakeProblem,
                    load_split_index)
from .timing import step_centres

BACKGROUND_MODES = ('class', 'drop')
DAMAGE_MODES = ('error', 'skip')
PAIRINGS = ('synchronised', 'unpaired')
CHECK_HINT = ('`python tools/data/check_dataset.py DATA_ROOT` lists every problem of every '
              'split at once.')


class EgoExo4DOptionError(UserInputError, ValueError):
    """An option of an Ego-Exo4D dataset is wrong, or selects nothing."""


class EgoExo4DDamageError(DatasetProblemsError):
    """Damaged takes of a split (``problems``: one per damaged file or annotation;
    ``damaged_takes``: their take_uids)."""

    def __init__(self, what: str, problems: Sequence[TakeProblem], hint: str = ''):
        self.damaged_takes = sorted({p.take_uid for p in problems})
        super().__init__(what, [p.problem for p in problems], hint)


@DATASETS.register_module()
class EgoExo4DKeystepDataset(BaseDataset):
    """The streams of one keystep split of an Ego-Exo4D download, one item each, in
    ``video_index`` order: ego streams sorted by ``video_name``, then exo streams sorted
    by ``video_name`` (``<take_name>/<cam_id>``).

    The split's index (:mod:`~byov.datasets.egoexo4d.index`: streams, step counts from the
    feature files' headers, per-step keystep labels, every problem of the data) is built
    once and cached in ``cache_dir``. When the dataset is initialised (at construction,
    unless ``lazy_init=True``) the damaged takes among the selected ones are either
    reported, all in one :class:`EgoExo4DDamageError` (``on_damage='error'``), or left
    out with a warning naming them (``'skip'``; all streams of a damaged take go).

    ``get_data_info(i)`` gives ``video_name``, ``video_index``, ``is_ego``, ``view`` (the
    cam_id), ``num_frames`` (L), ``split``, ``gt_labels`` (int64 ``[L]``),
    ``frame_times`` (float64 ``[L]``, each kept step's window centre in seconds from the
    take's start), ``take_uid``, ``take_name``, ``scenario``, ``feature_path`` and
    ``step_inds`` (int64 rows of the feature file that make the L steps, or None for all
    rows in order).

    Args:
        data_root: the download folder (``egoexo -o``), holding takes.json.
        split: 'train' or 'val' (test has no keystep annotations).
        cache_dir: where the split's index is cached (never the data folder).
        feature_dir: the feature folder, relative to ``data_root``.
        feature_dim: the feature width D every file must have; None: the most common
            width of the split's files (the release's Omnivore features are 1536 wide).
        views: which streams: ``('ego', 'exo')``, ``('ego',)`` or ``('exo',)``.
        exo_cameras: cam_ids of the exo cameras to use (e.g. ``['cam01', 'cam02']``);
            None: all.
        scenarios: keystep scenario names (``scenario`` of the keystep annotations, e.g.
            ``'Cooking an Omelet'``) to use; None: all.
        background: ``'class'``: background steps (in no annotated segment, or of a
            keystep outside ``label_mapping.csv``) get label C, so there are C + 1
            classes; ``'drop'``: they are removed, each stream being its annotated steps
            in time order (``step_inds`` says which rows; a stream without any is left
            out, with a warning).
        on_damage: ``'error'`` or ``'skip'``, see above.
        step_tolerance: steps a feature file may have more or fewer than its take's
            duration gives (default 2).
        time_tolerance: seconds a segment may end after its take (default 0.5).
        pipeline: default ``LoadEgoExo4DVideoFeatures``, ``PackEgoExoInputs``.
        test_mode: default True (a failing item raises instead of being replaced).
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self, data_root: Optional[str], split: str, cache_dir: Optional[str],
                 feature_dir: str = fmt.FEATURE_DIR, feature_dim: Optional[int] = None,
                 views: Sequence[str] = CAMERA_VIEWS,
                 exo_cameras: Optional[Sequence[str]] = None,
                 scenarios: Optional[Sequence[str]] = None, background: str = 'class',
                 on_damage: str = 'error', step_tolerance: int = STEP_TOLERANCE,
                 time_tolerance: float = TIME_TOLERANCE, pipeline=None,
                 test_mode: bool = True, **kwargs):
        name = type(self).__name__
        unset = [k for k, v in (('data_root', data_root), ('cache_dir', cache_dir)) if v is None]
        if unset:
            raise EgoExo4DOptionError(
                f'{name}(split={split!r}): {", ".join(unset)} not set in this loader\'s '
                'dataset config. Write them into every loader, or pass --data-root / '
                '--cache-dir to byov\'s tools.')
        for option, value, allowed in (('background', background, BACKGROUND_MODES),
                                       ('on_damage', on_damage, DAMAGE_MODES)):
            if value not in allowed:
                raise EgoExo4DOptionError(f'{name}: {option} must be one of {allowed}, got '
                                          f'{value!r}.')
        views = (views,) if isinstance(views, str) else tuple(views)
        if not views or any(v not in CAMERA_VIEWS for v in views):
            raise EgoExo4DOptionError(f'{name}: views must be a non-empty subset of '
                                      f'{CAMERA_VIEWS}, got {views!r}.')
        if feature_dim is not None and int(feature_dim) < 1:
            raise EgoExo4DOptionError(f'{name}: feature_dim must be >= 1 or None, got '
                                      f'{feature_dim}.')
        self.split = split
        self.cache_dir = cache_dir
        self.feature_dir = feature_dir
        self.feature_dim = None if feature_dim is None else int(feature_dim)
        self.views = views
        self.exo_cameras = None if exo_cameras is None else tuple(exo_cameras)
        self.scenarios = None if scenarios is None else tuple(scenarios)
        self.background = background
        self.on_damage = on_damage
        self.step_tolerance = step_tolerance
        self.time_tolerance = time_tolerance
        self.index: Optional[SplitIndex] = None
        self.skipped_takes: List[str] = []
        if pipeline is None:
            pipeline = [dict(type='LoadEgoExo4DVideoFeatures'), dict(type='PackEgoExoInputs')]
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        kwargs.setdefault('data_prefix', dict())
        super().__init__(data_root=data_root, pipeline=pipeline, test_mode=test_mode,
                         **kwargs)

    # ------------------------------------------------------------------ selection
    def _selected(self, stream: Stream) -> bool:
        view = 'ego' if stream.is_ego else 'exo'
        if view not in self.views:
            return False
        if not stream.is_ego and self.exo_cameras is not None and (
                stream.cam_id not in self.exo_cameras):
            return False
        return self.scenarios is None or stream.scenario in self.scenarios

    def _relevant(self, problem: TakeProblem) -> bool:
        """Whether a problem concerns what this dataset reads: a take-level problem of a
        selected scenario, or a stream problem of a selected camera."""
        if self.scenarios is not None and problem.scenario not in self.scenarios:
            return False
        if problem.cam_id is None:
            return True
        return self._selected(Stream(problem.take_uid, problem.take_name, problem.scenario,
                                     problem.cam_id, problem.is_ego, '', 0, 0, 0.0, None))

    def load_data_list(self) -> List[dict]:
        """One dict per selected stream, in ``video_index`` order (see the class)."""
        index = load_split_index(self.data_root, self.split, self.cache_dir,
                                 self.feature_dir, self.feature_dim, self.step_tolerance,
                                 self.time_tolerance)
        self.index = index
        what = f'Split "{self.split}" of the Ego-Exo4D root {self.data_root}'
        self._check_selection(index)
        problems = [p for p in index.problems if self._relevant(p)]
        damaged = {p.take_uid for p in problems}
        if problems and self.on_damage == 'error':
            raise EgoExo4DDamageError(what, problems, CHECK_HINT)
        if damaged:
            names = sorted({f'{p.take_name} ({p.take_uid}): {p.problem.kind}'
                            for p in problems})
            print_log(f'{what}: on_damage=\'skip\' leaves out {len(damaged)} damaged '
                      f'take(s) of {len(index.takes)}: {"; ".join(names)}.',
                      logger='current', level=logging.WARNING)
        self.skipped_takes = sorted(damaged)
        streams = [s for s in index.streams
                   if self._selected(s) and s.take_uid not in damaged]
        streams.sort(key=lambda s: (not s.is_ego, fmt.video_name(s.take_name, s.cam_id)))
        data_list, empty = [], []
        for stream in streams:
            step_inds = None
            length = stream.num_steps
            if self.background == 'drop':
                step_inds = np.flatnonzero(stream.labels != index.num_classes).astype(np.int32)
                length = len(step_inds)
                if not length:
                    empty.append(fmt.video_name(stream.take_name, stream.cam_id))
                    continue
            data_list.append(dict(
                video_name=fmt.video_name(stream.take_name, stream.cam_id),
                video_index=len(data_list), is_ego=stream.is_ego, view=stream.cam_id,
                num_frames=length, split=self.split, take_uid=stream.take_uid,
                take_name=stream.take_name, scenario=stream.scenario,
                feature_path=osp.join(self.data_root, stream.feature_file),
                step_inds=step_inds, duration_sec=stream.duration_sec,
                num_steps=stream.num_steps, labels=stream.labels))
        if empty:
            print_log(f'{what}: background=\'drop\' leaves {len(empty)} stream(s) without '
                      f'any annotated step; they are left out: {", ".join(empty)}.',
                      logger='current', level=logging.WARNING)
        if not data_list:
            raise EgoExo4DOptionError(
                f'{what}: no stream is left (views={self.views}, exo_cameras='
                f'{self.exo_cameras}, scenarios={self.scenarios}, on_damage='
                f'{self.on_damage!r}, {len(index.streams)} readable streams in the split).')
        return data_list

    def _check_selection(self, index: SplitIndex) -> None:
        """Refuse scenario and camera names the split does not have (a typo would
        otherwise select nothing, or less than meant)."""
        name = type(self).__name__
        if self.scenarios is not None:
            known = sorted({scen for _, scen in index.takes.values()})
            unknown = [s for s in self.scenarios if s not in known]
            if unknown:
                raise EgoExo4DOptionError(f'{name}: scenarios {unknown} are not keystep '
                                          f'scenarios of split "{self.split}"; it has '
                                          f'{known}.')
        if self.exo_cameras is not None:
            known = sorted({s.cam_id for s in index.streams if not s.is_ego})
            unknown = [c for c in self.exo_cameras if c not in known]
            if unknown:
                raise EgoExo4DOptionError(f'{name}: exo_cameras {unknown} are not exo '
                                          f'cameras of split "{self.split}"; it has '
                                          f'{known}.')

    # ---------------------------------------------------------------------- items
    def get_data_info(self, idx: int) -> dict:
        """The stream's metadata (see the class), with ``gt_labels`` and ``frame_times``
        computed from the index's compact labels."""
        info = super().get_data_info(idx)
        labels = info.pop('labels')
        times = step_centres(info.pop('num_steps'), info.pop('duration_sec'))
        inds = info['step_inds']
        if inds is None:
            info['gt_labels'] = labels.astype(np.int64)
            info['frame_times'] = times
        else:
            inds = inds.astype(np.int64)
            info['step_inds'] = inds
            info['gt_labels'] = labels[inds].astype(np.int64)
            info['frame_times'] = times[inds]
        return info

    def prepare_data(self, idx: int) -> dict:
        results = self.get_data_info(idx)
        results['data_root'] = self.data_root
        return self.pipeline(results)

    @property
    def num_videos(self) -> int:
        """Streams in the dataset (a pair dataset's length is not its stream count)."""
        return BaseDataset.__len__(self)

    @property
    def video_infos(self) -> List[dict]:
        """Every stream's metadata in ``video_index`` order (as ``get_data_info``)."""
        self.full_init()
        infos = [self.get_data_info(i) for i in range(self.num_videos)]
        return [{k: v for k, v in i.items() if k != 'sample_idx'} for i in infos]

    @property
    def class_names(self) -> List[str]:
        """Class names by label: the mapping's step names, then ``'background'`` when
        ``background='class'``."""
        self.full_init()
        extra = ['background'] if self.background == 'class' else []
        return list(self.index.class_names) + extra

    @property
    def num_classes(self) -> int:
        """C + 1 with ``background='class'``, else C."""
        return len(self.class_names)


@DATASETS.register_module()
class EgoExo4DPairDataset(EgoExo4DKeystepDataset):
    """One item = an ego clip (first) and an exo clip (second), packed as ``inputs``
    float32 ``[2, T, D]`` by the default pipeline (``SampleClipFrames``,
    ``LoadEgoExo4DClipFeatures``, ``PackEgoExoInputs``), metainfo ``video_names``,
    ``is_ego``, ``frame_inds``, ``video_lengths``, ``pairing`` and data field
    ``gt_labels`` int64 ``[2, T]``.

    Pairing:

    - ``'synchronised'``: the ego stream and one exo stream (at random) of one take (at
      random), at the same moments: ``SampleClipFrames`` draws the ego clip's steps and
      gives the exo clip the steps at the same relative positions (both streams span
      the take: with equal step counts, the same steps). Epoch length: the takes with an
      ego and an exo stream.
    - ``'unpaired'`` (AE2's setting): an ego stream (at random) and an exo stream of
      *another* take of the same scenario (at random). Epoch length: the ego streams
      whose scenario has another take with an exo stream.

    Randomness: as :class:`~byov.datasets.EgoExoPairDataset`, item ``idx`` draws from
    ``np.random.default_rng([seed, idx])`` only; use ``EpochAwareSampler`` so that every
    epoch draws new pairs.

    Args:
        split: default 'train'.
        pairing: 'synchronised' or 'unpaired'.
        epoch_length: items per epoch; None: see Pairing.
        seed: base seed of the item RNGs; None: mmengine's ``sync_random_seed``.
        views: must hold both 'ego' and 'exo'.
        Others: see :class:`EgoExo4DKeystepDataset` (``test_mode`` defaults to False).
    """

    def __init__(self, data_root: Optional[str], cache_dir: Optional[str],
                 split: str = 'train', pairing: str = 'unpaired',
                 epoch_length: Optional[int] = None, seed: Optional[int] = None,
                 pipeline=None, test_mode: bool = False, **kwargs):
        if pairing not in PAIRINGS:
            raise EgoExo4DOptionError(f'EgoExo4DPairDataset: pairing must be one of '
                                      f'{PAIRINGS}, got {pairing!r}.')
        if epoch_length is not None and epoch_length < 1:
            raise EgoExo4DOptionError(f'EgoExo4DPairDataset: epoch_length must be >= 1 or '
                                      f'None, got {epoch_length}.')
        views = kwargs.get('views', CAMERA_VIEWS)
        views = (views,) if isinstance(views, str) else tuple(views)
        if set(views) != set(CAMERA_VIEWS):
            raise EgoExo4DOptionError(f'EgoExo4DPairDataset pairs an ego and an exo stream: '
                                      f'views must be {CAMERA_VIEWS}, got {views!r}.')
        self.pairing = pairing
        self.epoch_length = epoch_length
        self.seed = sync_random_seed() if seed is None else int(seed)
        self._ego: Optional[np.ndarray] = None
        self._exo_of: List[np.ndarray] = []
        if pipeline is None:
            pipeline = [dict(type='SampleClipFrames'), dict(type='LoadEgoExo4DClipFeatures'),
                        dict(type='PackEgoExoInputs')]
        super().__init__(data_root=data_root, split=split, cache_dir=cache_dir,
                         pipeline=pipeline, test_mode=test_mode, **kwargs)

    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        infos = [BaseDataset.get_data_info(self, i) for i in range(self.num_videos)]
        by_take, by_scenario = defaultdict(lambda: ([], [])), defaultdict(list)
        for i, info in enumerate(infos):
            by_take[info['take_uid']][0 if info['is_ego'] else 1].append(i)
            if not info['is_ego']:
                by_scenario[info['scenario']].append(i)
        ego, exo_of = [], []
        if self.pairing == 'synchronised':
            for uid in sorted(by_take, key=lambda u: min(sum(by_take[u], []))):
                egos, exos = by_take[uid]
                for e in egos:  # one ego stream a take in the release
                    if exos:
                        ego.append(e)
                        exo_of.append(np.asarray(exos, dtype=np.int64))
        else:
            for uid, (egos, _) in by_take.items():
                for e in egos:
                    scen = infos[e]['scenario']
                    others = [j for j in by_scenario[scen] if infos[j]['take_uid'] != uid]
                    if others:
                        ego.append(e)
                        exo_of.append(np.asarray(others, dtype=np.int64))
            order = np.argsort(ego, kind='stable')
            ego, exo_of = [ego[k] for k in order], [exo_of[k] for k in order]
        if not ego:
            need = ('a take with an ego and an exo stream' if self.pairing == 'synchronised'
                    else 'two takes of one scenario, one with an ego and the other with an '
                    'exo stream')
            raise EgoExo4DOptionError(
                f'EgoExo4DPairDataset(pairing={self.pairing!r}): split "{self.split}" of '
                f'{self.data_root} has no pair: it needs {need} (after the views, '
                'exo_cameras, scenarios and on_damage choices).')
        self._ego, self._exo_of = np.asarray(ego, dtype=np.int64), exo_of

    def __len__(self) -> int:
        self.full_init()
        return self.epoch_length or len(self._ego)

    def draw_pair(self, rng: np.random.Generator):
        """Indices (ego stream, exo stream) of an item."""
        self.full_init()
        k = int(rng.integers(len(self._ego)))
        exos = self._exo_of[k]
        return int(self._ego[k]), int(exos[int(rng.integers(len(exos)))])

    def prepare_data(self, idx: int) -> dict:
        if idx < 0:
            idx += len(self)
        rng = np.random.default_rng([self.seed, idx])
        a, b = self.draw_pair(rng)
        results = dict(clips=[self.get_data_info(a), self.get_data_info(b)], rng=rng,
                       data_root=self.data_root, sample_idx=idx, pairing=self.pairing)
        return self.pipeline(results)
