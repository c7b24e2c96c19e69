"""Task 1 as a metric: phase classification F1 (see functional/classification.py)."""
from typing import Optional, Sequence

from byov.evaluation.functional import phase_classification
from byov.evaluation.functional._checks import check_views
from byov.structures import EVAL_VIEWS
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class PhaseClassificationMetric(EgoExoMetric):
    """Weighted F1 of AE2's SVM fit on the fit split, scored on the eval split.

    Keys: ``f1_regular``, ``f1_ego2exo``, ``f1_exo2ego`` (those in ``views``).

    Args:
        views: subset of ('regular', 'ego2exo', 'exo2ego').
        n_jobs: SVMs fit at once (threads); None: one per view, up to the CPU count.
        cache_size: libsvm kernel cache in MB (speed only).
    """
    requires_fit_split = True

    def __init__(self, views: Sequence[str] = EVAL_VIEWS, n_jobs: Optional[int] = None,
                 cache_size: float = 200, **kwargs) -> None:
        super().__init__(**kwargs)
        self.views = check_views('views', views)
        self.n_jobs = n_jobs
        self.cache_size = cache_size

    def compute(self, eval_set, fit_set=None) -> dict:
        fit_set = self._require_fit_set(fit_set)
        f1 = phase_classification(fit_set.embeds, fit_set.labels, fit_set.is_ego,
                                  eval_set.embeds, eval_set.labels, eval_set.is_ego,
                                  views=self.views, n_jobs=self.n_jobs,
                                  cache_size=self.cache_size)
        return {f'f1_{view}': value for view, value in f1.items()}

    def protocol(self) -> dict:
        return dict(task='phase classification', variant='reference',
                    classifier="SVC(decision_function_shape='ovo')", score='weighted F1',
                    views=list(self.views))
