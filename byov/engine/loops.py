"""Validation and test loops for the ego-exo protocol.

The AE2 tasks need two splits: the *fit* split (train), on which classifiers and
regressors are fit, and the *eval* split (val during training, test at the end). A loop
embeds both, video by video (sharded across ranks and gathered back in order), saves the
embeddings in the reference file format, hands the fit split to the metrics that need
it, evaluates, prints one table and writes a results file.
"""
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.dist import collect_results, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast
from torch.utils.data import DataLoader

from byov.engine.results import format_metrics_table, write_results_json
from byov.evaluation.embedding_set import EmbeddingSet
from byov.evaluation.metrics.base import COLLECT_DEVICE
from byov.registry import LOOPS
from byov.utils.progress import progress_bar


def _video_records(outputs) -> List[dict]:
    """One plain record per video from the model's predict outputs."""
    records = []
    for sample in outputs:
        meta = sample.metainfo
        records.append(dict(
            embeds=sample.embeds, gt_labels=sample.gt_labels,
            video_index=int(meta['video_index']), is_ego=bool(meta['is_ego']),
            video_name=meta['video_name']))
    return records


class _EgoExoEvalMixin:
    """What validation and testing share; ``_stage`` is 'val' or 'test'."""

    _stage = 'val'

    def _init_ego_exo(self, runner, fit_dataloader, save_embeddings, results_file):
        if fit_dataloader is None:
            raise ValueError(
                f'{type(self).__name__} needs `fit_dataloader` (the train split embedded '
                'whole-video by whole-video); see configs/_base_/datasets/*.py.')
        if isinstance(fit_dataloader, dict):
            fit_dataloader = runner.build_dataloader(fit_dataloader, seed=runner.seed)
        self.fit_dataloader = fit_dataloader
        self.save_embeddings = save_embeddings
        self.results_file = results_file

    @torch.no_grad()
    def _embed(self, dataloader: DataLoader, desc: str, evaluate: bool = False):
        """Embed every video of ``dataloader``; returns the gathered EmbeddingSet on the
        main process (None elsewhere). With ``evaluate`` the outputs also go through the
        evaluator, and the runner's iteration hooks are called."""
        records = []
        for idx, data_batch in enumerate(progress_bar(dataloader, desc=desc)):
            if evaluate:
                self.runner.call_hook(
                    f'before_{self._stage}_iter', batch_idx=idx, data_batch=data_batch)
            with autocast(enabled=self.fp16):
                step = getattr(self.runner.model, f'{self._stage}_step')
                outputs = step(data_batch)
            records.extend(_video_records(outputs))
            if evaluate:
                self.evaluator.process(data_samples=outputs, data_batch=data_batch)
                self.runner.call_hook(
                    f'after_{self._stage}_iter', batch_idx=idx, data_batch=data_batch,
                    outputs=outputs)
        records = collect_results(records, len(dataloader.dataset), device=COLLECT_DEVICE)
        if not is_main_process():
            return None
        return EmbeddingSet.from_records(records, split=desc)

    def _run_ego_exo(self) -> dict:
        self.runner.call_hook(f'before_{self._stage}')
        self.runner.call_hook(f'before_{self._stage}_epoch')
        self.runner.model.eval()

        fit_split = getattr(self.fit_dataloader.dataset, 'split', 'train')
        eval_split = getattr(self.dataloader.dataset, 'split', self._stage)
        fit_set = self._embed(self.fit_dataloader, fit_split)
        eval_set = self._embed(self.dataloader, eval_split, evaluate=True)

        if is_main_process() and self.save_embeddings:
            out_dir = osp.join(self.runner.work_dir, 'embeddings')
            fit_set.save(out_dir, fit_split)
            eval_set.save(out_dir, eval_split)
        for metric in self.evaluator.metrics:
            if getattr(metric, 'requires_fit_split', False):
                metric.set_fit_split(fit_set)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))

        if is_main_process():
            print_log('\n' + format_metrics_table(metrics, title=f'{eval_split} split'),
                      logger='current')
            path = osp.join(self.runner.work_dir, self.results_file)
            write_results_json(path, metrics, runner=self.runner, fit_split=fit_split,
                               eval_split=eval_split, evaluator=self.evaluator)
            print_log(f'Results written to {path}', logger='current')
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
        results_file (str): results file name inside the work dir.
    """

    _stage = 'val'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fit_dataloader=None,
                 fp16: bool = False, save_embeddings: bool = True,
                 results_file: str = 'val_results.json') -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_ego_exo(runner, fit_dataloader, save_embeddings, results_file)

    def run(self) -> dict:
        return self._run_ego_exo()


@LOOPS.register_module()
class EgoExoTestLoop(_EgoExoEvalMixin, TestLoop):
    """Testing on the ego-exo protocol (fit split: train, eval split: test).

    Same arguments as :class:`EgoExoValLoop`; results go to ``results.json``.
    """

    _stage = 'test'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fit_dataloader=None,
                 fp16: bool = False, save_embeddings: bool = True,
                 results_file: str = 'results.json') -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_ego_exo(runner, fit_dataloader, save_embeddings, results_file)

    def run(self) -> dict:
        return self._run_ego_exo()
