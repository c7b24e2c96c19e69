"""The one evaluation path: the fit and eval splits as EmbeddingSets in, every metric's
numbers out.

The evaluation loops (:class:`~byov.engine.EgoExoValLoop`,
:class:`~byov.engine.EgoExoTestLoop`) and ``tools/evaluate_embeddings.py`` build the two
splits once and call :func:`evaluate_embedding_sets`; the loop keeps its result
(``loop.evaluation``), from which :class:`~byov.engine.EgoExoVisualizationHook` draws,
and ``tools/test.py --dump`` writes it with :func:`dump_evaluation`.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from byov.utils.atomic import atomic_write
from .embedding_set import EmbeddingSet
from .metrics.base import EgoExoMetric

DUMP_ROLES = ('eval', 'fit')


@dataclass(eq=False)
class EgoExoEvaluation:
    """What one evaluation produced.

    Attributes:
        metrics: flat dict of numbers, prefixed keys (``ae2/f1_regular``, ...), in the
            order of the metrics.
        protocol: metric class name -> the options that define its numbers.
        figure_options: options of :func:`byov.visualization.draw_figures` that the
            metrics fix (e.g. ``append_time``), so figures agree with the numbers.
        eval_set, fit_set: the splits evaluated (``fit_set`` None if no metric needed it
            and none was given).
    """
    metrics: Dict[str, float]
    protocol: Dict[str, dict]
    figure_options: dict = field(default_factory=dict)
    eval_set: Optional[EmbeddingSet] = None
    fit_set: Optional[EmbeddingSet] = None


def _metric_values(metric, eval_set: EmbeddingSet, fit_set: Optional[EmbeddingSet]) -> dict:
    if isinstance(metric, EgoExoMetric):
        return metric.compute(eval_set, fit_set)
    if isinstance(metric, BaseMetric):  # a plain mmengine metric: per-video records
        metric.results.clear()
        metric.process(None, eval_set.to_records())
        try:
            return metric.compute_metrics(list(metric.results))
        finally:
            metric.results.clear()
    raise TypeError(f'evaluator entries must be mmengine metrics (BaseMetric), got '
                    f'{type(metric).__name__}')


def evaluate_embedding_sets(metrics: Sequence[BaseMetric], eval_set: EmbeddingSet,
                            fit_set: Optional[EmbeddingSet] = None) -> EgoExoEvaluation:
    """Evaluate whole splits with every metric.

    Args:
        metrics: the evaluator's metrics. :class:`EgoExoMetric` s get both splits
            (``compute``); any other mmengine metric gets the eval split as one record
            per video (``process`` then ``compute_metrics``: ``embeds`` [L, E],
            ``gt_labels`` [L], ``video_index``, ``is_ego``, ``video_name``,
            ``num_frames``, ``split``).
        eval_set: the eval split, every frame of every video.
        fit_set: the fit split (train), for the metrics that fit a classifier or
            regressor.

    Returns:
        EgoExoEvaluation. Raises (and so writes nothing) if a split has non-finite
        embeddings, a metric fails, or two metrics give the same key.
    """
    eval_set.check_finite()
    if fit_set is not None:
        fit_set.check_finite()
    values, protocol, figure_options = {}, {}, {}
    for metric in metrics:
        out = _metric_values(metric, eval_set, fit_set)
        prefix = metric.prefix
        for key, value in out.items():
            name = f'{prefix}/{key}' if prefix else key
            if name in values:
                raise ValueError(f'two metrics give the key {name!r}; set a different '
                                 f'prefix= on {type(metric).__name__}')
            values[name] = value
        if isinstance(metric, EgoExoMetric):
            protocol[type(metric).__name__] = metric.protocol()
            figure_options.update(metric.figure_options())
        else:
            protocol[type(metric).__name__] = {}
    return EgoExoEvaluation(values, protocol, figure_options, eval_set, fit_set)


def dump_evaluation(path: str, evaluation: EgoExoEvaluation, record: dict) -> None:
    """Write the embeddings, labels and results of one evaluation to one ``.npz`` file
    (atomically; plain arrays, so ``numpy.load`` needs no pickle).

    Arrays, for role ``eval`` and ``fit``: ``{role}_embeds`` float32 [F, E],
    ``{role}_labels`` int64 [F], ``{role}_video_ids`` int64 [F], ``{role}_is_ego`` bool
    [F], ``{role}_video_names`` str [V], ``{role}_split`` str, ``{role}_frame_times``
    float64 [F] (only for a split with frame times); and ``results``: the results.json
    record as JSON text. Read it back with :func:`load_dump`.
    """
    if not path.endswith('.npz'):
        raise ValueError(f'--dump {path}: the file name must end in .npz (numpy arrays, '
                         'read without pickle)')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    arrays = dict(results=np.array(json.dumps(record)))
    for role in DUMP_ROLES:
        emb = getattr(evaluation, f'{role}_set')
        if emb is None:
            continue
        arrays.update({f'{role}_embeds': emb.embeds, f'{role}_labels': emb.labels,
                       f'{role}_video_ids': emb.video_ids, f'{role}_is_ego': emb.is_ego,
                       f'{role}_video_names': np.array(emb.video_names, dtype=str),
                       f'{role}_split': np.array(emb.split)})
        if emb.frame_times is not None:
            arrays[f'{role}_frame_times'] = emb.frame_times
    with atomic_write(path, 'wb') as f:
        np.savez(f, **arrays)


def load_dump(path: str) -> dict:
    """Read a file of :func:`dump_evaluation`: ``dict(results=record, eval=EmbeddingSet,
    fit=EmbeddingSet or None)``."""
    with np.load(path, allow_pickle=False) as data:
        out = dict(results=json.loads(str(data['results'])))
        for role in DUMP_ROLES:
            if f'{role}_embeds' not in data:
                out[role] = None
                continue
            out[role] = EmbeddingSet(
                embeds=data[f'{role}_embeds'], labels=data[f'{role}_labels'],
                video_ids=data[f'{role}_video_ids'], is_ego=data[f'{role}_is_ego'],
                video_names=list(data[f'{role}_video_names']),
                split=str(data[f'{role}_split']),
                frame_times=(data[f'{role}_frame_times'] if f'{role}_frame_times' in data
                             else None))
    return out
