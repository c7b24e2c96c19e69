"""What the AE2 task metrics share: whole splits in, a flat dict of numbers out.

A task metric is a thin wrapper of a function of :mod:`byov.evaluation.functional`: its
:meth:`~EgoExoMetric.compute` takes the eval split and the fit split as
:class:`~byov.evaluation.EmbeddingSet` s. The evaluation loops and
``tools/evaluate_embeddings.py`` call it through
:func:`byov.evaluation.evaluate_embedding_sets`, the one evaluation path, which builds
both splits once and hands them to every metric.

The metrics stay mmengine ``BaseMetric`` s (registered, with a prefix), so a plain
mmengine loop can also feed them model outputs through ``process``; metrics that need the
fit split (``requires_fit_split = True``) refuse that path with a clear error.
"""
from typing import Any, Optional, Sequence

from mmengine.evaluator import BaseMetric

from byov.evaluation.embedding_set import EmbeddingSet, video_record


#: How ranks send their results to rank 0: mmengine's 'gpu' means through the process
#: group (gloo on CPUs, NCCL on GPUs); its 'cpu' goes through files in a '.dist_test'
#: folder that it creates in the working directory and leaves there.
COLLECT_DEVICE = 'gpu'


class EgoExoMetric(BaseMetric):
    """Base of the AE2 task metrics.

    Subclasses implement :meth:`compute` and :meth:`protocol`, set
    ``requires_fit_split`` when they need the fit split, and may return from
    :meth:`figure_options` the options a figure must share with them.

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

    # ------------------------------------------------------------------ the task
    def compute(self, eval_set: EmbeddingSet,
                fit_set: Optional[EmbeddingSet] = None) -> dict:
        """The task's metrics (flat dict of numbers, without the prefix) on whole splits:
        eval_set [F, E] frames of the eval split, fit_set those of the fit split."""
        raise NotImplementedError

    def protocol(self) -> dict:
        """The options that define the numbers (variant, k, stride, ...), for
        results.json."""
        return {}

    def figure_options(self) -> dict:
        """Options of :func:`byov.visualization.draw_figures` that must match this
        metric (e.g. the progression task's ``append_time``)."""
        return {}

    def _require_fit_set(self, fit_set: Optional[EmbeddingSet]) -> EmbeddingSet:
        if fit_set is None:
            raise ValueError(
                f'{type(self).__name__} needs the fit split (train embeddings): evaluate '
                'with EgoExoValLoop / EgoExoTestLoop (val_cfg / test_cfg with '
                'fit_dataloader), tools/evaluate_embeddings.py, or '
                'byov.evaluation.evaluate_embedding_sets(metrics, eval_set, fit_set).')
        if not isinstance(fit_set, EmbeddingSet):
            raise TypeError(f'{type(self).__name__}: the fit split must be an EmbeddingSet, '
                            f'got {type(fit_set).__name__}')
        return fit_set

    # ------------------------------------------------------------------ BaseMetric
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """mmengine's path (a plain loop): keep one record per video. A metric that
        needs the fit split refuses at the first batch, on every rank."""
        if self.requires_fit_split:
            self._require_fit_set(None)
        for sample in data_samples:
            self.results.append(video_record(sample))

    def compute_metrics(self, results: list) -> dict:
        """mmengine's path: the eval split from the kept records, without a fit split."""
        split = (results[0].get('split') if results else None) or 'eval'
        eval_set = EmbeddingSet.from_records(results, split=split).check_finite()
        return self.compute(eval_set, None)
