"""What the AE2 task metrics share: one record per video, an EmbeddingSet, the fit split.

A metric keeps one small record per video from the model's outputs (``process``), builds
the eval split's :class:`~byov.evaluation.EmbeddingSet` from them (``compute_metrics``)
and calls :meth:`compute`, a thin wrapper of a function of
:mod:`byov.evaluation.functional`. Tasks that fit a classifier or a regressor
(``requires_fit_split = True``) get the fit split from the evaluation loop through
:meth:`set_fit_split` before each evaluation; it is forgotten afterwards, so a stale fit
split from an earlier epoch is never used.
"""
from typing import Any, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from byov.evaluation.embedding_set import EmbeddingSet, _as_numpy


#: How ranks send their results to rank 0: mmengine's 'gpu' means through the process
#: group (gloo on CPUs, NCCL on GPUs); its 'cpu' goes through files in a '.dist_test'
#: folder that it creates in the working directory and leaves there.
COLLECT_DEVICE = 'gpu'


class EgoExoMetric(BaseMetric):
    """Base of the AE2 task metrics.

    Subclasses implement :meth:`compute` and :meth:`protocol`, and set
    ``requires_fit_split`` when they need the fit split.

    Args:
        collect_device, prefix, collect_dir: as :class:`mmengine.evaluator.BaseMetric`
            (default device: :data:`COLLECT_DEVICE`).
            The default prefix is 'ae2', so keys read e.g. ``ae2/f1_regular``.
    """
    default_prefix: Optional[str] = 'ae2'
    requires_fit_split: bool = False

    def __init__(self, collect_device: str = COLLECT_DEVICE, prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        self._fit_split: Optional[EmbeddingSet] = None

    # ------------------------------------------------------------------ fit split
    def set_fit_split(self, embedding_set: Optional[EmbeddingSet]) -> None:
        """Give the fit split (train) for the next evaluation. ``None`` is accepted (the
        evaluation loop passes it on ranks other than the main one, which compute
        nothing)."""
        if embedding_set is not None and not isinstance(embedding_set, EmbeddingSet):
            raise TypeError(f'{type(self).__name__}.set_fit_split expects an EmbeddingSet, '
                            f'got {type(embedding_set).__name__}')
        self._fit_split = embedding_set

    def _require_fit_split(self) -> EmbeddingSet:
        if self._fit_split is None:
            raise RuntimeError(
                f'{type(self).__name__} needs the fit split (train embeddings): the '
                'evaluation loop must call metric.set_fit_split(embedding_set) before '
                'evaluate(); use EgoExoValLoop / EgoExoTestLoop, which do.')
        return self._fit_split

    # ------------------------------------------------------------------ BaseMetric
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep one record per video: embeds, gt_labels, video_index, is_ego, name."""
        for sample in data_samples:
            self.results.append(video_record(sample))

    def compute_metrics(self, results: list) -> dict:
        split = (results[0].get('split') if results else None) or 'eval'
        eval_set = EmbeddingSet.from_records(results, split=split).check_finite()
        fit_set = None
        if self.requires_fit_split:
            fit_set = self._require_fit_split().check_finite()
        return self.compute(eval_set, fit_set)

    def evaluate(self, size: int) -> dict:
        try:
            return super().evaluate(size)
        finally:
            self._fit_split = None

    # ------------------------------------------------------------------ the task
    def compute(self, eval_set: EmbeddingSet,
                fit_set: Optional[EmbeddingSet] = None) -> dict:
        """The task's metrics (flat dict of floats) on EmbeddingSets; usable directly,
        without process/evaluate, e.g. on saved embeddings."""
        raise NotImplementedError

    def protocol(self) -> dict:
        """The options that define the numbers (variant, k, stride, ...), for
        results.json."""
        return {}


def video_record(sample) -> dict:
    """One video's record from a model output (a dict after mmengine's Evaluator, or a
    BaseDataElement): float32 embeds [L, E], int64 gt_labels [L] and its metainfo."""
    if isinstance(sample, BaseDataElement):
        sample = sample.to_dict()
    missing = [k for k in ('embeds', 'gt_labels', 'video_index', 'is_ego', 'video_name')
               if k not in sample]
    if missing:
        raise KeyError(f'a model output lacks {missing}; the ego-exo metrics need per-video '
                       'embeds and gt_labels with metainfo video_index, is_ego, video_name '
                       '(see docs/architecture.md, "Model outputs")')
    embeds = _as_numpy(sample['embeds']).astype(np.float32, copy=False)
    labels = _as_numpy(sample['gt_labels']).reshape(-1).astype(np.int64, copy=False)
    num_frames = sample.get('num_frames')
    if embeds.ndim != 2 or embeds.shape[0] != labels.shape[0] or (
            num_frames is not None and int(num_frames) != labels.shape[0]):
        raise ValueError(f'video {sample["video_name"]!r}: embeds {tuple(embeds.shape)}, '
                         f'{labels.shape[0]} labels and num_frames={num_frames} disagree '
                         '(one embedding and one label per frame)')
    return dict(embeds=embeds, gt_labels=labels, video_index=int(sample['video_index']),
                is_ego=bool(sample['is_ego']), video_name=str(sample['video_name']),
                split=sample.get('split'))
