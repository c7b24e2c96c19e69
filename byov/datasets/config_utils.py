"""The datasets a config describes: options of byov's tools, and checks before a run.

A shipped config is complete: every loader names its data root, layout, cache dir, frame
size and pipeline, so mmengine's ``Runner.from_cfg`` runs it as written
(``configs/_base_/datasets/synthetic_egoexo.py`` shows the lines that do it).

- :func:`setup_data`, which byov's tools run, applies their conveniences as plain merges
  (``--data-root`` / ``--cache-dir`` set every loader) and writes, with a warning, the
  top-level values that the loaders do not hold into them (:func:`fill_from_top_level`:
  ``data_root``, ``layout``, ``cache_dir``, ``frame_size``, ``num_frames``,
  ``context_frames``, ``progression_append_time``, ``feature_cache = dict(mode=...)``;
  from ``--cfg-options data_root=...`` or a config of an earlier byov version).
- :func:`check_config` refuses a config whose loaders do not hold such values, whose own
  variables (``clip_len``, ``data_settings``, ...) changed after its file was read,
  whose loaders read different data roots, or whose model is built for another clip
  length than its training clips. :class:`~byov.engine.ByovRunner` runs it before
  building anything, whoever builds the runner; byov's evaluation loops run it when
  mmengine's plain Runner built them.
"""
import copy
import os.path as osp
import warnings
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
# top-level keys that a run reads (mmengine's Runner, its hooks and loops, byov's runner
# and tools); every other top-level key of a config file is a helper variable, read only
# while the file is parsed (data_settings, clip_len, train_pipeline, ...)
RUN_KEYS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor',
    'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name', 'model_wrapper_cfg',
    'find_unused_parameters', 'compile', 'activation_checkpointing', 'efficient_conv_bn_eval',
    'resource_limit', 'sync_bn', 'runner_type', 'custom_imports', 'partial_load',
    'allow_mixed_data_roots', 'filename'))
# what byov's tools take on the command line for a helper variable of the dataset configs
HELPER_OPTIONS = {'clip_len': 'num_frames', 'data_settings.data_root': 'data_root',
                  'data_settings.cache_dir': 'cache_dir',
                  'data_settings.frame_size': 'frame_size', 'data_settings.layout': 'layout'}
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
    """The data options of byov's tools, applied to ``cfg`` in place.

    1. ``data_root`` / ``cache_dir`` given here (``--data-root`` / ``--cache-dir``) set
       every loader and the top-level keys (a plain merge: a shipped config is complete);
    2. loaders that do not hold the config's top-level values (left unset by configs of
       earlier byov versions, or a top-level value changed after the loaders were
       written, e.g. ``--cfg-options frame_size=112``) get them
       (:func:`fill_from_top_level`), with a warning naming each key: byov's runner and
       evaluation loops refuse such a config elsewhere (:func:`check_config`), so it
       runs only through byov's tools until the values are written into the loaders;
    3. :func:`check_data_roots` refuses loaders that read different data roots among
       the loaders ``used`` by the run (``check_roots=False``: for a tool that reads one
       loader only).
    """
    apply_data_options(cfg, data_root, cache_dir)
    filled = fill_from_top_level(cfg)
    if filled:
        warnings.warn(
            'This config\'s loaders did not hold its top-level values (left unset, as in '
            'configs of earlier byov versions, or a top-level value changed after the '
            f'loaders were written); byov\'s tools set {_listing(filled)} from them. '
            'Outside byov\'s tools (mim, mmaction2\'s tools, a script) byov\'s runner '
            'and evaluation loops refuse such a config: write the values into the loaders '
            '(docs/own_data.md shows how).',
            stacklevel=2)
    if check_roots:
        check_data_roots(cfg, used)


def apply_data_options(cfg, data_root: Optional[str] = None,
                       cache_dir: Optional[str] = None) -> None:
    """``--data-root`` / ``--cache-dir``: set the value in every loader's dataset (and at
    the top of the config). A feature cache keeps its own ``cache_dir`` (the features'
    folder); box files follow the data root by themselves (``box_file=None``)."""
    overrides = {k: v for k, v in (('data_root', data_root), ('cache_dir', cache_dir))
                 if v is not None}
    for key, value in overrides.items():
        cfg[key] = value
    for _, dataset in iter_loaders(cfg):
        dataset.update(overrides)


def fill_from_top_level(cfg) -> List[str]:
    """Make the loaders read the config's top-level values; returns the dotted names of
    what changed (empty for a complete, consistent config).

    A top-level value of :data:`SHARED_KEYS` (and ``num_frames``) fills each loader that
    leaves it None (configs of earlier byov versions), and replaces the loaders' value
    where no loader reads the top-level one: it was changed after the loaders were
    written (``--cfg-options frame_size=112``), so the config's word is the top-level
    value. A loader that deliberately differs from the others keeps its value, and with
    ``allow_mixed_data_roots`` data roots are only filled. ``num_frames`` concerns the
    ``SampleClipFrames`` steps and ``model.num_frames``. A top-level ``context_frames``
    dict fills the ``LoadClipFromCache`` / ``LoadVideoFromCache`` steps with the keys
    they lack; ``progression_append_time`` sets ``append_time`` of the
    reference-variant ``PhaseProgressionMetric``\ s that leave it unset (and refuses one
    that says otherwise); a top-level ``feature_cache`` switches the config to cached
    features (:func:`setup_feature_cache`).
    """
    before = _copy_tree(cfg)
    datasets = [dataset for _, dataset in iter_loaders(cfg)]
    for key in SHARED_KEYS:
        mixed = key == 'data_root' and cfg.get(MIXED_ROOTS_KEY, False)
        _fill([(d, key) for d in datasets], cfg.get(key), replace_stale=not mixed)
    steps = [step for d in datasets for step in d.get('pipeline') or ()
             if isinstance(step, dict)]
    clips = [(step, 'num_frames') for step in steps if step.get('type') == 'SampleClipFrames']
    model = cfg.get('model')
    if isinstance(model, dict) and 'num_frames' in model:
        stale = _fill(clips, cfg.get('num_frames'))
        if model['num_frames'] is None or stale:
            _fill([(model, 'num_frames')], cfg.get('num_frames'))
    else:
        _fill(clips, cfg.get('num_frames'))
    for step in steps:
        _fill_context(step, cfg.get(CONTEXT_KEY))
    _setup_protocol(cfg)
    setup_feature_cache(cfg)
    return [p for p in _changed_paths(before, _copy_tree(cfg))
            if not p.startswith('fit_dataloader.')]  # the bases' template, read by no run


def _copy_tree(node):
    """A config's dicts and lists copied (as plain ones); anything else in it (a built
    model or dataloader handed to a Runner) kept as the same object."""
    node = node.to_dict() if hasattr(node, 'to_dict') else node
    if isinstance(node, dict):
        return {key: _copy_tree(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_copy_tree(value) for value in node]
    return node


def _fill(places: Sequence[Tuple[dict, str]], value, replace_stale: bool = True) -> bool:
    """Set ``node[key] = value`` where it is None; with ``replace_stale``, everywhere
    when no place holds ``value`` (a stale set). Returns whether the set was stale."""
    if value is None or not places:
        return False
    held = [_plain(node.get(key)) for node, key in places]
    stale = (replace_stale and _plain(value) not in held
             and any(v is not None for v in held))
    for node, key in places:
        if node.get(key) is None or stale:
            node[key] = value
    return stale


def unfilled_settings(cfg) -> List[str]:
    """What :func:`fill_from_top_level` would change in ``cfg`` (left unchanged)."""
    return fill_from_top_level(_copy_tree(cfg))


def check_config(cfg, used: Sequence[str] = USED_LOADER_KEYS) -> None:
    """Refuse, before anything is built, a config that mmengine's Runner would run wrongly
    or fail on late: settings left to be filled from top-level values
    (:func:`unfilled_settings`), loaders that read different data roots
    (:func:`check_data_roots`), or a model built for another clip length than its
    training clips (:func:`check_clip_length`)."""
    changed = changed_helper_variables(cfg)
    if changed:
        raise DataConfigError(_helper_error(changed))
    unfilled = unfilled_settings(cfg)
    if unfilled:
        tops = {k: cfg.get(k) for k in (*SHARED_KEYS, 'num_frames', CONTEXT_KEY,
                                         PROTOCOL_KEY, FEATURE_CACHE_KEY)
                if cfg.get(k) is not None}
        named = ', '.join(f'{k}={v!r}' for k, v in tops.items()
                          if not isinstance(v, dict)) or ', '.join(tops)
        raise DataConfigError(
            f'This config sets {named} at its top level, but its loaders or model do not '
            f'hold it ({_listing(unfilled)}). Only byov\'s tools (tools/train.py, '
            'tools/test.py) write such top-level values into every loader; this run would '
            'ignore them. Use byov\'s tools, or set the keys themselves (each loader\'s '
            'dataset.data_root, ...; train_dataloader.dataset.pipeline.0.num_frames and '
            'model.num_frames for the clip length), as configs/_base_/datasets/'
            'synthetic_egoexo.py writes them.')
    check_data_roots(cfg, used)
    check_clip_length(cfg)


def changed_helper_variables(cfg) -> List[Tuple[str, object, object]]:
    """``(dotted name, value in the file, value now)`` of every helper variable of
    ``cfg`` (a top-level key of its file that no run reads, :data:`RUN_KEYS`) changed
    since the file was read, e.g. by ``--cfg-options clip_len=8``: the loaders and the
    model were written from it when the file was parsed, so the change does nothing.
    Empty for a config without a file."""
    filename = getattr(cfg, 'filename', None)
    if filename is None and isinstance(cfg, dict):
        filename = cfg.get('filename')  # a config as a plain dict (ByovRunner's check)
    if not filename or not osp.isfile(filename):
        return []
    from mmengine.config import Config
    original = Config.fromfile(filename)
    changed = []
    for key in original.keys():
        if key in RUN_KEYS or key in (*SHARED_KEYS, 'num_frames', CONTEXT_KEY, PROTOCOL_KEY,
                                      FEATURE_CACHE_KEY, 'fit_dataloader'):
            continue  # run keys; byov's tools' words; the loops' template (tools set it)
        old, new = _copy_tree(original.get(key)), _copy_tree(cfg.get(key))
        for path in _changed_paths(old, new, key):
            changed.append((path, _at(old, path, key), _at(new, path, key)))
    return changed


def _at(tree, path: str, root: str):
    node = tree
    for part in path[len(root):].replace('[', '.').replace(']', '').split('.'):
        if part == '':
            continue
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return node


def _helper_error(changed) -> str:
    lines = []
    for path, old, new in changed:
        option = HELPER_OPTIONS.get(path)
        hint = (f' (byov\'s tools take --cfg-options {option}={new!r} for this)'
                if option else '')
        lines.append(f'  {path}: {old!r} in the file, now {new!r}{hint}')
    return ('These variables of the config changed after its file was read, but no run '
            'reads them: the loaders and the model were written from them when the file '
            'was parsed, so the change would do nothing:\n' + '\n'.join(lines) + '\n'
            'Change the keys the run reads instead (e.g. '
            'train_dataloader.dataset.pipeline.0.num_frames and model.num_frames for the '
            'clip length, each loader\'s dataset.data_root; byov\'s tools: --data-root, '
            '--cache-dir), or edit the config file.')


def check_clip_length(cfg) -> None:
    """Refuse a model whose ``num_frames`` differs from the training clips' length
    (``SampleClipFrames.num_frames`` of the train loader): its positional table and
    masks are built for the one, the clips come with the other."""
    model = cfg.get('model')
    model_frames = model.get('num_frames') if isinstance(model, dict) else None
    loader = cfg.get('train_dataloader')
    dataset = loader.get('dataset') if isinstance(loader, dict) else None
    steps = (dataset or {}).get('pipeline') or ()
    lengths = [s.get('num_frames') for s in steps
               if isinstance(s, dict) and s.get('type') == 'SampleClipFrames']
    if model_frames is None or not lengths or lengths[0] is None:
        return
    if lengths[0] != model_frames:
        raise DataConfigError(
            f'model.num_frames={model_frames}, but the train loader samples clips of '
            f'{lengths[0]} frames (train_dataloader.dataset.pipeline.N.num_frames of its '
            'SampleClipFrames step): the model is built for the clip length it trains on. '
            'Set both keys to the same value (byov\'s tools: --cfg-options num_frames=N '
            'sets both; configs read the dataset config\'s clip_len).')


def _changed_paths(before, after, path: str = '') -> List[str]:
    """Dotted names where two plain config trees differ (list items as ``[i]``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        changed = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f'{path}.{key}' if path else str(key)
            if key not in before or key not in after:
                changed.append(sub)
            else:
                changed += _changed_paths(before[key], after[key], sub)
        return changed
    if (isinstance(before, (list, tuple)) and isinstance(after, (list, tuple))
            and len(before) == len(after)):
        return [p for i, (x, y) in enumerate(zip(before, after))
                for p in _changed_paths(x, y, f'{path}.{i}')]  # as --cfg-options names it
    return [] if before is after or before == after else [path]


def _listing(paths: Sequence[str], most: int = 6) -> str:
    shown = ', '.join(paths[:most])
    return shown + (f' and {len(paths) - most} more' if len(paths) > most else '')


def _fill_context(step, context: Optional[dict]) -> None:
    """The frame-loading ``step`` gets each key of ``context`` that it does not set."""
    if context and isinstance(step, dict) and step.get('type') in FEATURE_STEPS:
        for key, value in context.items():
            step.setdefault(key, value)


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
                    and metric.get('variant', 'reference') == 'reference'):
                if metric.get('append_time') is None:
                    metric['append_time'] = bool(append_time)
                elif bool(metric['append_time']) != bool(append_time):
                    raise DataConfigError(
                        f'{PROTOCOL_KEY} = {append_time!r} at the top of the config, but '
                        f'{key} has PhaseProgressionMetric(append_time='
                        f'{metric["append_time"]!r}); set append_time in the metric '
                        f'(configs/_base_/datasets/ae2_pour_liquid.py) and drop '
                        f'{PROTOCOL_KEY}.')


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
        'another. Pass --data-root DIR to set every loader at once (or set the same '
        'data_root in every loader of the config); if the mix is deliberate, set '
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
        if _is_egoexo4d_root(root):  # its datasets check the files when they are built
            failures += _egoexo4d_missing(root, loaders)
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


def _is_egoexo4d_root(root: str) -> bool:
    from .egoexo4d import format as e4d
    return all(osp.isfile(osp.join(root, f)) for f in (e4d.TAKES_FILE, e4d.SPLITS_FILE))


def _egoexo4d_missing(root: str, loaders) -> List[str]:
    """The Ego-Exo4D files each loader reads that are missing (a stat each; the feature
    files are checked when the dataset is built)."""
    from .egoexo4d import format as e4d
    failures = []
    for key, dataset in loaders:
        split = dataset.get('split', 'train')
        for rel in (e4d.KEYSTEP_FILE.format(split=split), e4d.LABEL_MAPPING_FILE,
                    dataset.get('feature_dir', e4d.FEATURE_DIR)):
            if not osp.exists(osp.join(root, rel)):
                failures.append(f'{key} (split "{split}"): {osp.join(root, rel)} does not '
                                'exist (Ego-Exo4D: see docs/egoexo4d.md, "Downloading")')
    return failures


def iter_dataset_configs(cfg) -> Iterator[Tuple[str, dict]]:
    """``(dataloader name, dataset config)`` of every loader a run reads (train, val, the
    loops' fit splits, test; not the ``fit_dataloader`` template of the dataset bases)
    that names a ``data_root``, each distinct (data_root, split, cache_dir, frame_size)
    once."""
    seen = set()
    for key, dataset in iter_loaders(cfg, USED_LOADER_KEYS, others=False):
        if dataset.get('data_root') is None:
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
