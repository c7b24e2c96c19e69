"""Train and evaluate many small models in one process: the engine of the benchmark sweep.

mmengine's Runner does a lot per run that a sweep of a hundred small models pays for a
hundred times (a work dir, a logger, a visualizer, checkpoint files, an evaluation that
loads and embeds the fit split again for every view of the results). This module keeps
the optimisation exactly as the Runner does it and drops the rest:

- :func:`train_model` builds the model, the training data, the optimiser and the random
  state in the Runner's order, then runs the training iterations as mmengine's
  ``EpochBasedTrainLoop`` with byov's default hooks does (the sampler's epoch set before
  each epoch, ``IterationSeedHook``'s reseeding before each iteration, ``train_step``
  with the config's optimiser wrapper). The same config and seed give the same weights as
  ``tools/train.py CONFIG --seed S`` (``tests/test_sweep.py`` compares them). It yields the
  model at the iterations asked for, so one training gives a whole learning curve.
- :class:`EvaluationData` loads the fit split and the eval split(s) of a config once
  (whole videos, and a seeded temporal crop of the eval split as ``tools/test.py
  --temporal-crop`` inserts it); :func:`evaluate_model` embeds them with a model and
  scores them with the config's metrics, embedding the fit split once for every eval
  split. ``clock='held'`` embeds with the temporal encoder's positions held fixed
  (``positions='held'``, docs/time_leakage.md) without building another model.

Nothing is written to disk. ``benchmarks/sweep.py`` is the user of this module.
"""
import copy
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.runner.utils import set_random_seed

from byov.datasets.transforms.temporal_crop import add_temporal_crop
from byov.engine.feature_source import hand_feature_source
from byov.engine.hooks.iteration_seed_hook import iteration_seed
from byov.evaluation.embedding_set import EmbeddingSet, video_record
from byov.evaluation.evaluate import evaluate_embedding_sets
from byov.registry import DATASETS, METRICS, MODELS
from byov.utils.errors import UserInputError

CLOCKS = ('with', 'held')


class SweepConfigError(UserInputError):
    """A config the in-process sweep cannot run as the Runner would."""


def _scope():
    return DefaultScope.overwrite_default_scope('byov')


def _reseed(seed: int) -> None:
    """What ``IterationSeedHook.before_train_iter`` does, for one iteration seed."""
    import random

    import numpy as np
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _check_trainable(cfg: Config, path: str) -> None:
    missing = [k for k in ('train_dataloader', 'optim_wrapper', 'train_cfg')
               if not cfg.get(k)]
    if missing:
        raise SweepConfigError(f'{path}: no {", ".join(missing)}: the config is not trained '
                               '(an evaluated-only row); evaluate it without training.')
    train_cfg = cfg.train_cfg
    if train_cfg.get('type', 'EpochBasedTrainLoop') != 'EpochBasedTrainLoop':
        raise SweepConfigError(f'{path}: train_cfg.type={train_cfg.get("type")!r}; the sweep '
                               'trains as EpochBasedTrainLoop does.')
    if cfg.get('param_scheduler'):
        raise SweepConfigError(f'{path}: param_scheduler is set; the sweep runs a constant '
                               'learning rate (the demo schedule) and would not match '
                               'tools/train.py.')


def build_model(cfg: Config) -> BaseModel:
    """The config's model, as the Runner builds it (no weights initialised yet)."""
    with _scope():
        return MODELS.build(copy.deepcopy(cfg.model))


def train_model(cfg: Config, seed: int, checkpoints: Sequence[int], path: str = 'config'
                ) -> Iterator[Tuple[int, BaseModel]]:
    """Train the config's model from seed ``seed``, yielding ``(iteration, model)`` at each
    of ``checkpoints`` (iterations done, sorted; 0 = the initialised model).

    The order of every random draw is the Runner's (``tools/train.py --seed``): the global
    generators seeded, the model built, the training data built (its item seed drawn),
    the model's weights initialised; then per epoch the sampler's epoch, per iteration the
    ``(seed, iteration)`` reseeding. The model is in training mode between yields and the
    caller must not change it (evaluate a copy, or evaluate and return before the next
    iteration; :func:`evaluate_model` restores the mode)."""
    _check_trainable(cfg, path)
    checkpoints = sorted(set(int(c) for c in checkpoints))
    if not checkpoints or checkpoints[0] < 0:
        raise SweepConfigError(f'{path}: checkpoints must be iterations >= 0, got {checkpoints}')
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg['num_workers'] = 0  # one process; items depend on (seed, index) only
    loader_cfg['pin_memory'] = False  # CPU tensors, used where they are
    loader_cfg.pop('persistent_workers', None)
    loader_cfg.pop('prefetch_factor', None)
    with _scope():
        set_random_seed(seed, deterministic=cfg.get('randomness', {}).get(
            'deterministic', False))
        model = MODELS.build(copy.deepcopy(cfg.model))
        loader = Runner.build_dataloader(loader_cfg, seed=seed)
        hand_feature_source(model, [('train_dataloader', loader.dataset)], 'train')
        model.init_weights()
        optim_wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    iters_per_epoch = len(loader)
    if iters_per_epoch == 0:
        raise SweepConfigError(f'{path}: the training data gives no batch')
    optim_wrapper.initialize_count_status(model, 0, checkpoints[-1])
    done = 0
    if checkpoints[0] == 0:
        model.eval()
        yield 0, model
    epoch = 0
    while done < checkpoints[-1]:
        if hasattr(loader.sampler, 'set_epoch'):
            loader.sampler.set_epoch(epoch)
        model.train()
        for batch in loader:
            _reseed(iteration_seed(seed, done))
            model.train_step(batch, optim_wrapper=optim_wrapper)
            done += 1
            if done in checkpoints:
                model.eval()
                yield done, model
                model.train()
            if done >= checkpoints[-1]:
                break
        epoch += 1


class EvaluationData:
    """A config's evaluation splits, loaded once: the fit split (whole videos) and the
    eval split, whole and (``temporal_crop``) cropped to a seeded random window of each
    video, exactly as ``tools/test.py [--temporal-crop F --crop-seed S]`` loads them.

    Items are kept as the data pipeline packs them; models of one input type (pixels,
    boxes, scene state) share an instance."""

    def __init__(self, cfg: Config, temporal_crop: Optional[float] = None,
                 crop_seed: int = 0, eval_loader: str = 'test_dataloader'):
        loop_cfg = cfg.get('test_cfg' if eval_loader == 'test_dataloader' else 'val_cfg')
        if not loop_cfg or not loop_cfg.get('fit_dataloader'):
            raise SweepConfigError(f'the config has no {eval_loader} fit_dataloader: it '
                                   'is not an ego-exo evaluation config')
        self.metrics_cfg = copy.deepcopy(cfg.get('test_evaluator'))
        self.splits: Dict[str, List] = {}
        self.split_names: Dict[str, str] = {}
        loaders = {'fit': loop_cfg.fit_dataloader, 'full': cfg.get(eval_loader)}
        if temporal_crop is not None:
            cropped = copy.deepcopy(cfg)
            add_temporal_crop(cropped, temporal_crop, crop_seed)
            loaders['crop'] = cropped.get(eval_loader)
        with _scope():
            for name, loader_cfg in loaders.items():
                dataset = DATASETS.build(copy.deepcopy(loader_cfg.dataset))
                self.splits[name] = [dataset[i] for i in range(len(dataset))]
                self.split_names[name] = getattr(dataset, 'split', name)
                if name == 'fit':
                    self.fit_dataset = dataset
                elif name == 'full':
                    self.eval_dataset = dataset
        self.temporal_crop = temporal_crop

    def metrics(self):
        metrics = self.metrics_cfg
        if isinstance(metrics, dict):
            metrics = [metrics]
        with _scope():
            return [METRICS.build(copy.deepcopy(m)) for m in metrics]


def _set_clock(model, clock: str) -> List[Tuple[object, str]]:
    """Hold the positions of every temporal encoder (``clock='held'``); returns what to
    restore."""
    if clock not in CLOCKS:
        raise SweepConfigError(f'clock must be one of {CLOCKS}, got {clock!r}')
    changed = []
    if clock == 'held':
        for module in model.modules():
            if hasattr(module, 'POSITIONS') and getattr(module, 'positions', None) == 'sincos':
                changed.append((module, module.positions))
                module.positions = 'held'
    return changed


@torch.no_grad()
def embed_split(model: BaseModel, items: Sequence[dict], split: str) -> EmbeddingSet:
    """Embed every video (one per batch, as the test loop's loaders do)."""
    records = []
    for item in items:
        batch = dict(inputs=[item['inputs']], data_samples=[item['data_samples']])
        for sample in model.test_step(batch):
            records.append(video_record(sample))
    return EmbeddingSet.from_records(records, split=split)


def evaluate_model(model: BaseModel, data: EvaluationData,
                   clocks: Sequence[str] = ('with',)) -> Dict[Tuple[str, str], dict]:
    """The metrics of ``model`` on ``data``: ``{(clock, 'full'|'crop'): metrics}``.

    The fit split is embedded once per clock setting and serves every eval split, as it
    does in ``tools/test.py`` (which keeps the fit split whole under a crop)."""
    was_training = model.training
    model.eval()
    hand_feature_source(model, [('fit_dataloader', data.fit_dataset),
                                ('test_dataloader', data.eval_dataset)], 'eval')
    results = {}
    try:
        for clock in clocks:
            changed = _set_clock(model, clock)
            try:
                fit_set = embed_split(model, data.splits['fit'], data.split_names['fit'])
                for name in ('full', 'crop'):
                    if name not in data.splits:
                        continue
                    eval_set = embed_split(model, data.splits[name], data.split_names[name])
                    results[(clock, name)] = evaluate_embedding_sets(
                        data.metrics(), eval_set, fit_set).metrics
            finally:
                for module, positions in changed:
                    module.positions = positions
    finally:
        model.train(was_training)
    return results
