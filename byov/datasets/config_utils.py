"""The datasets a config describes: where they are set, and checks before a run.

The ego-exo dataset bases (``configs/_base_/datasets/egoexo.py``) put the settings every
loader shares at the top of the config: ``data_root``, ``layout``, ``cache_dir``,
``frame_size`` and ``num_frames`` (frames per training clip). :func:`setup_data`, which
every byov tool runs on a config, copies them into each loader that does not set its
own, applies ``--data-root`` / ``--cache-dir`` to every loader, and refuses loaders that
read different data roots.

One more top-level option switches the whole config to the frozen-feature cache
(:mod:`byov.datasets.feature_cache`): ``feature_cache = dict(mode='exact')`` (or
``'compact'``; ``cache_dir`` optional). :func:`setup_data` then describes the features by
the model's own frozen parts, gives every loader that ``feature_cache``, makes its
pipeline read features instead of frames and sets the model's ``input_type``.
"""
import copy
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from byov.registry import DATASETS
from byov.utils.errors import UserInputError
from .ae2 import scan_split
from .feature_cache import MODE_INPUT_TYPES, MODES
from .integrity import Problem

# top-level config keys copied into every loader's dataset that lacks them
SHARED_KEYS = ('data_root', 'layout', 'cache_dir', 'frame_size')
# where the loaders live; the fit split of the evaluation loops sits in their configs
LOADER_KEYS = ('train_dataloader', 'fit_dataloader', 'val_dataloader', 'test_dataloader',
               'val_cfg.fit_dataloader', 'test_cfg.fit_dataloader')
# the loaders that a run reads together (``fit_dataloader`` alone is a template)
USED_LOADER_KEYS = ('train_dataloader', 'val_dataloader', 'val_cfg.fit_dataloader',
                    'test_dataloader', 'test_cfg.fit_dataloader')
# those of ``runner.train()`` (the test loaders are read by ``tools/test.py`` only)
TRAIN_LOADER_KEYS = USED_LOADER_KEYS[:3]
MIXED_ROOTS_KEY = 'allow_mixed_data_roots'
FEATURE_CACHE_KEY = 'feature_cache'
DEFAULT_FEATURE_DIR = 'data/cache/features'
# the steps that load frames, and those that load the feature cache in their place
FEATURE_STEPS = {'LoadClipFromCache': 'LoadClipFeatures',
                 'LoadVideoFromCache': 'LoadVideoFeatures'}
PROTOCOL_KEY = 'progression_append_time'
# a top-level dict (num_context_steps, context_stride) for every frame-loading step:
# models that read context frames (AE2's encoder) set it once in their model config
CONTEXT_KEY = 'context_frames'


class DataConfigError(UserInputError, ValueError):
    """The loaders of a config disagree, or a data option is wrong; the message names the
    loaders or option and the fix (byov's tools print it without a traceback)."""


class MissingDataError(UserInputError, FileNotFoundError):
    """The data a config reads is missing or incomplete; the message says where and how to
    fix it (byov's tools print it without a traceback)."""


def _get(cfg, dotted: str):
    node = cfg  # a Config or a dict
    for part in dotted.split('.'):
        node = node.get(part) if hasattr(node, 'get') else None
        if node is None:
            return None
    return node


def iter_loaders(cfg, keys: Sequence[str] = LOADER_KEYS,
                 others: bool = True) -> Iterator[Tuple[str, dict]]:
    """``(dotted name, dataset config)`` of every loader among ``keys`` (and, with
    ``others``, any other top-level ``*_dataloader``) that has a dataset."""
    keys = list(keys) + sorted(k for k in cfg.keys() if others and
                               k.endswith('_dataloader') and k not in LOADER_KEYS)
    for key in keys:
        loader = _get(cfg, key)
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        if isinstance(dataset, dict):
            yield key, dataset


def setup_data(cfg, data_root: Optional[str] = None, cache_dir: Optional[str] = None,
               check_roots: bool = True, used: Sequence[str] = USED_LOADER_KEYS) -> None:
    """Make every loader of ``cfg`` read the data the config (or the command line) says.

    1. ``data_root`` / ``cache_dir`` given here (``--data-root`` / ``--cache-dir``) set
       every loader and the top-level keys;
    2. each top-level key of :data:`SHARED_KEYS`, and ``num_frames`` for a
       ``SampleClipFrames`` step without its own, fills the loaders that lack it;
       ``num_frames`` also fills ``model.num_frames`` when the model config has it None;
       a top-level ``context_frames`` dict fills the ``LoadClipFromCache`` /
       ``LoadVideoFromCache`` steps with the keys they lack;
    3. the dataset's protocol option ``progression_append_time`` sets ``append_time``
       of the reference-variant ``PhaseProgressionMetric``\ s that leave it unset;
    4. a top-level ``feature_cache`` switches the config to cached features
       (:func:`setup_feature_cache`);
    5. :func:`check_data_roots` refuses loaders that read different data roots
       among the loaders ``used`` by the run (``check_roots=False``: for a tool that
       reads one loader only).

    A box loader (``LoadClipBoxes``, ``LoadVideoBoxes``) without a ``box_file`` reads its
    dataset's ``<data_root>/det_bounding_box.pickle`` (after step 1, so ``--data-root``
    moves the boxes with the data).
    """
    overrides = {k: v for k, v in (('data_root', data_root), ('cache_dir', cache_dir))
                 if v is not None}
    for key, value in overrides.items():
        cfg[key] = value
    for _, dataset in iter_loaders(cfg):
        dataset.update(overrides)
        for key in SHARED_KEYS:
            if dataset.get(key) is None and cfg.get(key) is not None:
                dataset[key] = cfg[key]
        for step in dataset.get('pipeline') or ():
            _fill_box_file(step, dataset)
            if (isinstance(step, dict) and step.get('type') == 'SampleClipFrames'
                    and step.get('num_frames') is None and cfg.get('num_frames')):
                step['num_frames'] = cfg['num_frames']
            _fill_context(step, cfg.get(CONTEXT_KEY))
    model = cfg.get('model')
    if (isinstance(model, dict) and 'num_frames' in model and model['num_frames'] is None
            and cfg.get('num_frames')):
        model['num_frames'] = cfg['num_frames']  # the clip length, set once
    _setup_protocol(cfg)
    setup_feature_cache(cfg)
    if check_roots:
        check_data_roots(cfg, used)


def _fill_context(step, context: Optional[dict]) -> None:
    """The frame-loading ``step`` gets each key of ``context`` that it does not set."""
    if context and isinstance(step, dict) and step.get('type') in FEATURE_STEPS:
        for key, value in context.items():
            step.setdefault(key, value)


def _fill_box_file(step, dataset: dict) -> None:
    """``box_file=None`` of a box-loading pipeline step -> ``<data_root>/<BOX_FILE>``."""
    from .boxes import BOX_FILE, BOX_LOADERS
    if (isinstance(step, dict) and step.get('type') in BOX_LOADERS
            and step.get('box_file') is None and dataset.get('data_root')):
        step['box_file'] = osp.join(dataset['data_root'], BOX_FILE)


def _setup_protocol(cfg) -> None:
    """The dataset's protocol options: ``progression_append_time`` sets ``append_time``
    of every reference-variant ``PhaseProgressionMetric`` that does not set it."""
    append_time = cfg.get(PROTOCOL_KEY)
    if append_time is None:
        return
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg.get(key)
        metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
        for metric in metrics:
            if (isinstance(metric, dict) and metric.get('type') == 'PhaseProgressionMetric'
                    and metric.get('variant', 'reference') == 'reference'
                    and metric.get('append_time') is None):
                metric['append_time'] = bool(append_time)


def setup_feature_cache(cfg) -> None:
    """Switch ``cfg`` to the frozen-feature cache when it sets the top-level option
    ``feature_cache = dict(mode='exact' | 'compact', cache_dir=...)``.

    The features are described by the model's own frozen parts (``model.stem``'s
    ``frame_encoder`` and ``token_selector``, ``model.data_preprocessor``) unless the
    option names them; every loader gets it (entries of a loader's own ``feature_cache``
    win), its frame-loading steps become the feature-loading ones (``LoadClipFromCache`` ->
    ``LoadClipFeatures``, ``LoadVideoFromCache`` -> ``LoadVideoFeatures``), and
    ``input_type`` of the stem and the data preprocessor is set to the mode's
    (``'patch_tokens'`` / ``'frame_vectors'``). Running it twice changes nothing.
    """
    option = cfg.get(FEATURE_CACHE_KEY)
    if not option:
        return
    if not isinstance(option, dict) or option.get('mode') not in MODES:
        raise DataConfigError(
            f'feature_cache = {option!r}: the option is a dict with mode one of {MODES}, '
            "e.g. feature_cache = dict(mode='exact', cache_dir='data/cache/features') "
            '(docs/own_data.md).')
    model = cfg.get('model')
    stem = model.get('stem') if isinstance(model, dict) else None
    if not isinstance(stem, dict):
        raise DataConfigError(
            'feature_cache: the config has no model.stem, whose frame encoder the cache '
            'describes; set feature_cache.frame_encoder, or use a model with a stem.')
    if model.get('data_preprocessor') is None:
        model['data_preprocessor'] = dict(type='EgoExoDataPreprocessor')
    preprocessor = model['data_preprocessor']
    full = dict(option, cache_dir=option.get('cache_dir') or DEFAULT_FEATURE_DIR)
    for key, default in (('frame_encoder', stem.get('frame_encoder')),
                         ('token_selector', stem.get('token_selector')),
                         ('data_preprocessor', preprocessor)):
        if full.get(key) is None:
            full[key] = copy.deepcopy(_plain(default))
    if full['frame_encoder'] is None:
        raise DataConfigError(
            'feature_cache: model.stem has no frame_encoder to compute the features with; '
            'set one (or feature_cache.frame_encoder).')
    cfg[FEATURE_CACHE_KEY] = full
    input_type = MODE_INPUT_TYPES[full['mode']]
    for name, node in (('model.stem', stem), ('model.data_preprocessor', preprocessor)):
        current = node.get('input_type') or 'frames'
        if current not in ('frames', input_type):
            raise DataConfigError(
                f"feature_cache: mode={full['mode']!r} feeds the model {input_type}, but "
                f'{name}.input_type={current!r}; remove {name}.input_type from the config '
                '(the option sets it).')
        node['input_type'] = input_type
    for _, dataset in iter_loaders(cfg):
        own = _plain(dataset.get(FEATURE_CACHE_KEY)) or {}  # e.g. its own cache_dir
        dataset[FEATURE_CACHE_KEY] = dict(copy.deepcopy(full), **own)
        for step in dataset.get('pipeline') or ():
            if isinstance(step, dict) and step.get('type') in FEATURE_STEPS:
                step['type'] = FEATURE_STEPS[step['type']]


def _plain(node):
    """A config node as plain dicts and lists (a ConfigDict's ``to_dict``)."""
    return node.to_dict() if hasattr(node, 'to_dict') else node


def check_data_roots(cfg, used: Sequence[str] = USED_LOADER_KEYS) -> None:
    """Refuse a config whose loaders (training, fit and eval splits) read different
    data roots: the classifiers would be fitted on one dataset and scored on another.
    A config that means it sets ``allow_mixed_data_roots = True``."""
    roots = {key: dataset.get('data_root')
             for key, dataset in iter_loaders(cfg, used, others=False)}
    if len(set(roots.values())) <= 1 or cfg.get(MIXED_ROOTS_KEY, False):
        return
    width = max(len(k) for k in roots)
    lines = '\n'.join(f'  {k.ljust(width)}  {v}' for k, v in roots.items())
    raise DataConfigError(
        f'The dataloaders of this config read different data roots:\n{lines}\n'
        'The evaluation would fit its classifiers on one dataset and score them on '
        'another. Pass --data-root DIR to set every loader at once (or set `data_root` '
        'at the top of the config); if the mix is deliberate, set '
        f'`{MIXED_ROOTS_KEY} = True` in the config.')


def check_data_available(cfg, used: Sequence[str] = USED_LOADER_KEYS) -> None:
    """Fail fast, before any model is built, when a loader's data is not there.

    Lists each split (split lists or folders, label.pickle, empty files; decodes
    nothing) and raises one error naming every loader whose data is missing or
    damaged, and the fix. Decoding problems are found later by the datasets
    themselves, or all at once by ``tools/data/check_dataset.py``.
    """
    failures: List[str] = []
    by_root: Dict[str, List[Tuple[str, dict]]] = {}
    for key, dataset in iter_loaders(cfg, used, others=False):
        by_root.setdefault(dataset.get('data_root'), []).append((key, dataset))
    for root, loaders in by_root.items():
        names = ', '.join(key for key, _ in loaders)
        if root is None:
            failures.append(f'{names}: no data_root (set `data_root` at the top of the '
                            'config, or pass --data-root DIR)')
            continue
        if not osp.isdir(root):
            failures.append(f'data root {root} does not exist (read by {names})')
            continue
        seen = set()
        for key, dataset in loaders:
            split, layout = dataset.get('split', 'train'), dataset.get('layout') or 'auto'
            if (split, layout) in seen:
                continue
            seen.add((split, layout))
            try:
                records, problems = scan_split(root, split, layout)
            except (OSError, ValueError) as err:
                failures.append(f'{key} (split "{split}"): {err}')
                continue
            problems += [Problem(r.path, 'zero-byte', 'the file has 0 bytes')
                         for r in records if osp.getsize(r.path) == 0]  # cheap: a stat
            failures += [f'{key} (split "{split}"): {p}' for p in problems if p.is_error]
    if failures:
        lines = '\n'.join(f'  {f}' for f in failures)
        raise MissingDataError(
            f'The data of this config is missing or incomplete:\n{lines}\n'
            'Put the dataset there (docs/data.md says where to get it and how it is laid '
            'out) or pass --data-root DIR. '
            '`python tools/data/check_dataset.py CONFIG` checks every video.')


def iter_dataset_configs(cfg) -> Iterator[Tuple[str, dict]]:
    """``(dataloader name, dataset config)`` of every loader in ``cfg`` that names a
    ``data_root``, each distinct (data_root, split, cache_dir, frame_size) once:
    train, fit, val, test, then any others by name."""
    seen = set()
    for key, dataset in iter_loaders(cfg):
        if 'data_root' not in dataset:
            continue
        ident = (dataset['data_root'], dataset.get('split'), dataset.get('cache_dir'),
                 str(dataset.get('frame_size')))
        if ident not in seen:
            seen.add(ident)
            yield key, dataset


def build_dataset(dataset_cfg: dict, lazy_init: bool = False):
    """Build a byov dataset from its config. ``lazy_init=False`` decodes the videos not
    cached yet and reports every problem of the split at once; ``True`` lists the split
    and reads label.pickle only."""
    return DATASETS.build(dict(dataset_cfg, lazy_init=lazy_init))


def build_dataset_lazily(dataset_cfg: dict):
    """Build a byov dataset from its config without decoding anything
    (``lazy_init=True``: the split is listed and label.pickle read)."""
    return build_dataset(dataset_cfg, lazy_init=True)
