"""Validation and test loops for the ego-exo protocol.

The AE2 tasks need two splits: the *fit* split (train), on which classifiers and
regressors are fit, and the *eval* split (val during training, test at the end). A loop
embeds both once, video by video (sharded across ranks and gathered back in order), and
evaluates them with :func:`byov.evaluation.evaluate_embedding_sets`, the one evaluation
path (``tools/evaluate_embeddings.py`` calls the same function). It saves the embeddings
in the reference file format, prints one table, writes a results file with the run's
provenance, and keeps the result in ``loop.evaluation`` for the hooks
(:class:`~byov.engine.EgoExoVisualizationHook` draws from it).
"""
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
from mmengine.dist import broadcast_object_list, collect_results, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.runner import BaseLoop, TestLoop, ValLoop
from mmengine.runner.amp import autocast
from torch.utils.data import DataLoader

from byov.datasets.config_utils import MIXED_ROOTS_KEY, DataConfigError, check_config
from byov.engine.feature_source import hand_feature_source
from byov.engine.provenance import dataset_provenance, runner_provenance, temporal_crop_of
from byov.engine.results import format_metrics_table, write_results_json
from byov.evaluation import (EgoExoEvaluation, EmbeddingSet, dump_evaluation,
                             evaluate_embedding_sets, video_record)
from byov.evaluation.metrics.base import COLLECT_DEVICE
from byov.registry import LOOPS
from byov.utils.progress import progress_bar


def _check_same_data_root(eval_dataset, fit_dataset, allowed: bool, loop: str) -> None:
    """Refuse a fit split read from another dataset than the eval split (whichever
    runner built the loop): classifiers fitted on one dataset, scored on another."""
    roots = [getattr(d, 'data_root', None) for d in (eval_dataset, fit_dataset)]
    if allowed or None in roots or osp.normpath(roots[0]) == osp.normpath(roots[1]):
        return
    where = {'EgoExoValLoop': 'val_cfg.fit_dataloader',
             'EgoExoTestLoop': 'test_cfg.fit_dataloader'}.get(loop, 'fit_dataloader')
    raise DataConfigError(
        f'{loop}: the eval split is read from {roots[0]} but the fit split '
        f'({where}) from {roots[1]}; the evaluation would fit its classifiers on one '
        'dataset and score them on another. Set the same data_root in both loaders (byov\'s '
        f'tools: --data-root DIR sets all); if the mix is deliberate, set '
        f'`{MIXED_ROOTS_KEY} = True` in the config.')


def _check_same_labels(eval_dataset, fit_dataset, loop: str,
                       other: Optional[str] = None) -> None:
    """Refuse a fit split labelled otherwise than the eval split (datasets that say how:
    ``background`` and ``num_classes``, e.g. Ego-Exo4D's): classifiers fitted with a
    background class scored on a split without it give wrong numbers that look right."""
    labelling = [(getattr(d, 'background', None), getattr(d, 'num_classes', None))
                 for d in (eval_dataset, fit_dataset)]
    if None in labelling[0] or None in labelling[1] or labelling[0] == labelling[1]:
        return
    (eb, ec), (fb, fc) = labelling
    where = other or {'EgoExoValLoop': 'val_cfg.fit_dataloader',
                      'EgoExoTestLoop': 'test_cfg.fit_dataloader'}.get(loop, 'fit_dataloader')
    what = 'the model is trained on' if other == 'train_dataloader' else \
        'the evaluation fits its classifiers on'
    raise DataConfigError(
        f'{loop}: the eval split is labelled with background={eb!r} ({ec} classes) but '
        f'{where} with background={fb!r} ({fc} classes): {what} other labels than it '
        'scores. Set the same background (data_settings of the dataset config) in every '
        'loader.')


def _give_metrics_the_data_root(metrics, eval_dataset, loop: str) -> None:
    """Metrics that read annotation files of the dataset themselves (an attribute
    ``data_root``, e.g. ``KeystepRecognitionMetric``) read the eval split's: None is
    filled from it, and another root is refused (the metric would score segments of
    another dataset)."""
    root = getattr(eval_dataset, 'data_root', None)
    for metric in metrics:
        if not hasattr(metric, 'data_root') or root is None:
            continue
        if metric.data_root is None:
            metric.data_root = root
        elif osp.normpath(metric.data_root) != osp.normpath(root):
            raise DataConfigError(
                f'{loop}: {type(metric).__name__} reads data_root={metric.data_root}, but '
                f'the eval split is read from {root}; it would score another dataset\'s '
                'annotations. Leave the metric\'s data_root unset (None: the eval split\'s '
                'is used) or set the same folder.')


class _EgoExoEvalMixin:
    """What validation and testing share; ``_stage`` is 'val' or 'test'.

    ``evaluation`` holds the last :class:`~byov.evaluation.EgoExoEvaluation` on the main
    process (None before the first run and on other ranks)."""

    _stage = 'val'
    _results_file = 'val_results.json'
    evaluation: Optional[EgoExoEvaluation] = None

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fit_dataloader=None,
                 fp16: bool = False, save_embeddings: bool = True,
                 results_file: Optional[str] = None,
                 dump_file: Optional[str] = None) -> None:
        # byov's runner checked the config before building; mmengine's plain Runner did
        # not, and every ego-exo config reaches this loop before training starts
        if not getattr(runner, 'config_checked', False):
            check_config(runner.cfg)
        super().__init__(runner, dataloader, evaluator, fp16)
        if fit_dataloader is None:
            raise ValueError(
                f'{type(self).__name__} needs `fit_dataloader` (the train split embedded '
                'whole-video by whole-video); see configs/_base_/datasets/*.py.')
        if dump_file is not None and not str(dump_file).endswith('.npz'):
            raise ValueError(f'{type(self).__name__}: dump_file={dump_file!r} must end in '
                             '.npz (numpy arrays, read without pickle).')
        if isinstance(fit_dataloader, dict):
            fit_dataloader = runner.build_dataloader(fit_dataloader, seed=runner.seed)
        self.fit_dataloader = fit_dataloader
        _check_same_data_root(self.dataloader.dataset, fit_dataloader.dataset,
                              runner.cfg.get(MIXED_ROOTS_KEY, False), type(self).__name__)
        _check_same_labels(self.dataloader.dataset, fit_dataloader.dataset,
                           type(self).__name__)
        train_loop = getattr(runner, '_train_loop', None)
        if isinstance(train_loop, BaseLoop):  # built first when the runner trains
            _check_same_labels(self.dataloader.dataset, train_loop.dataloader.dataset,
                               type(self).__name__, other='train_dataloader')
        _give_metrics_the_data_root(self.evaluator.metrics, self.dataloader.dataset,
                                    type(self).__name__)
        self._hand_feature_source(runner)
        self.save_embeddings = save_embeddings
        self.results_file = results_file or self._results_file
        self.dump_file = dump_file
        self.evaluation = None

    def _hand_feature_source(self, runner) -> None:
        """Tell the model's stem what its inputs are made from before the runner loads a
        checkpoint (mmengine's Runner builds this loop first): the training data's source
        when the runner trains (its train loop is built before this one), else this
        loop's; the other loaders must agree (:mod:`byov.engine.feature_source`)."""
        datasets = [(f'{self._stage}_dataloader', self.dataloader.dataset),
                    (f'{self._stage}_cfg.fit_dataloader', self.fit_dataloader.dataset)]
        train_loop = getattr(runner, '_train_loop', None)
        role = 'eval'
        if isinstance(train_loop, BaseLoop):
            datasets.insert(0, ('train_dataloader', train_loop.dataloader.dataset))
            role = 'train'
        hand_feature_source(runner.model, datasets, role)

    @torch.no_grad()
    def _embed(self, dataloader: DataLoader, split: str,
               call_hooks: bool = False) -> Optional[EmbeddingSet]:
        """Embed every video of ``dataloader``; the gathered EmbeddingSet on the main
        process, None elsewhere. With ``call_hooks`` the runner's iteration hooks run."""
        records = []
        step = getattr(self.runner.model, f'{self._stage}_step')
        bar = progress_bar(dataloader, desc=f'embedding {split}')
        for idx, data_batch in enumerate(bar):
            if call_hooks:
                self.runner.call_hook(
                    f'before_{self._stage}_iter', batch_idx=idx, data_batch=data_batch)
            with autocast(enabled=self.fp16):
                outputs = step(data_batch)
            records.extend(video_record(sample) for sample in outputs)
            if call_hooks:
                self.runner.call_hook(
                    f'after_{self._stage}_iter', batch_idx=idx, data_batch=data_batch,
                    outputs=outputs)
        records = collect_results(records, len(dataloader.dataset), device=COLLECT_DEVICE)
        if not is_main_process():
            return None
        return EmbeddingSet.from_records(records, split=split)

    def _evaluate(self, fit_set, eval_set, fit_split, eval_split) -> dict:
        """Main process: evaluate, save embeddings, print, write results (and the dump);
        returns the metrics. A failure raises before any results file is written."""
        eval_set.check_finite()
        fit_set.check_finite()
        if self.save_embeddings:
            out_dir = osp.join(self.runner.work_dir, 'embeddings')
            fit_set.save(out_dir, fit_split)
            eval_set.save(out_dir, eval_split)
        evaluation = evaluate_embedding_sets(self.evaluator.metrics, eval_set, fit_set)
        print_log('\n' + format_metrics_table(evaluation.metrics,
                                              title=f'{eval_split} split'),
                  logger='current')
        eval_dataset, fit_dataset = self.dataloader.dataset, self.fit_dataloader.dataset
        provenance = runner_provenance(self.runner, self._stage)
        path = osp.join(self.runner.work_dir, self.results_file)
        record = write_results_json(
            path, evaluation.metrics, evaluation.protocol,
            figure_options=evaluation.figure_options, fit_split=fit_split,
            eval_split=eval_split, eval_temporal_crop=temporal_crop_of(eval_dataset),
            data=dict(fit=dataset_provenance(fit_dataset, fit_set),
                      eval=dataset_provenance(eval_dataset, eval_set)),
            **provenance)
        print_log(f'Results written to {path}', logger='current')
        if self.dump_file:
            dump_evaluation(self.dump_file, evaluation, record)
            print_log(f'Embeddings, labels and results dumped to {self.dump_file}',
                      logger='current')
        self.evaluation = evaluation
        return evaluation.metrics

    def run(self) -> dict:
        self.runner.call_hook(f'before_{self._stage}')
        self.runner.call_hook(f'before_{self._stage}_epoch')
        self.runner.model.eval()
        self.evaluation = None

        fit_split = getattr(self.fit_dataloader.dataset, 'split', 'train')
        eval_split = getattr(self.dataloader.dataset, 'split', self._stage)
        fit_set = self._embed(self.fit_dataloader, fit_split)
        eval_set = self._embed(self.dataloader, eval_split, call_hooks=True)

        # the main process evaluates; every rank gets the metrics, or the error
        outcome = [None]
        if is_main_process():
            try:
                outcome = [self._evaluate(fit_set, eval_set, fit_split, eval_split)]
            except Exception as err:
                outcome = [f'{type(err).__name__}: {err}']
                broadcast_object_list(outcome)
                raise
        broadcast_object_list(outcome)
        if isinstance(outcome[0], str):
            raise RuntimeError(f'the evaluation failed on the main process: {outcome[0]}')
        metrics = outcome[0]
        self.runner.call_hook(f'after_{self._stage}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{self._stage}')
        return metrics


@LOOPS.register_module()
class EgoExoValLoop(_EgoExoEvalMixin, ValLoop):
    """Validation on the ego-exo protocol (fit split: train, eval split: val).

    Args:
        runner (Runner): the runner.
        dataloader (DataLoader | dict): the eval split, whole videos.
        evaluator (Evaluator | dict | list): the metrics.
        fit_dataloader (DataLoader | dict): the fit split, whole videos.
        fp16 (bool): autocast during embedding.
        save_embeddings (bool): write ``embeddings/{split}_embeds.npy`` etc.
        results_file (str, optional): results file name inside the work dir; None:
            ``val_results.json`` (validation) or ``results.json`` (testing).
        dump_file (str, optional): also write embeddings, labels and results into this
            ``.npz`` file (``tools/test.py --dump``; see
            :func:`byov.evaluation.dump_evaluation`).
    """

    _stage = 'val'
    _results_file = 'val_results.json'


@LOOPS.register_module()
class EgoExoTestLoop(_EgoExoEvalMixin, TestLoop):
    """Testing on the ego-exo protocol (fit split: train, eval split: test).

    Same arguments as :class:`EgoExoValLoop`; results go to ``results.json``.
    """

    _stage = 'test'
    _results_file = 'results.json'
