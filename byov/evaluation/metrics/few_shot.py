"""Few-shot phase classification as a metric (see functional/few_shot.py)."""
from typing import Optional, Sequence, Union

from byov.evaluation.functional import DEFAULT_SHOTS, few_shot_classification
from byov.evaluation.functional._checks import check_views
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class FewShotClassificationMetric(EgoExoMetric):
    """Weighted F1 of AE2's SVM fit on the frames of k random fit-split videos.

    Keys, per shot (``1``, ``2``, ..., ``half``, ``all``) and view:
    ``fewshot_{shot}_f1_{view}_mean`` and ``fewshot_{shot}_f1_{view}_std``.

    Args:
        shots: numbers of videos (ints, 'half', 'all').
        episodes: episodes per shot; None: AE2's 50 (10 for 'half', 1 for 'all').
        seed: episode e draws its videos with seed + e (AE2: 42).
        views: 'regular' and/or the cross-view 'ego2exo', 'exo2ego' (beyond AE2).
        n_jobs: episodes fit at once (threads); None: one per CPU.
    """
    requires_fit_split = True

    def __init__(self, shots: Sequence[Union[int, str]] = DEFAULT_SHOTS,
                 episodes: Optional[int] = None, seed: int = 42,
                 views: Sequence[str] = ('regular',), n_jobs: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.shots = tuple(shots)
        self.episodes = episodes
        self.seed = seed
        self.views = check_views('views', views)
        self.n_jobs = n_jobs

    def compute(self, eval_set, fit_set=None) -> dict:
        fit_set = self._require_fit_set(fit_set)
        result = few_shot_classification(
            fit_set.embeds, fit_set.labels, fit_set.video_ids, eval_set.embeds,
            eval_set.labels, fit_is_ego=fit_set.is_ego, eval_is_ego=eval_set.is_ego,
            shots=self.shots, episodes=self.episodes, seed=self.seed, views=self.views,
            n_jobs=self.n_jobs)
        metrics = {}
        for shot, entry in result.items():
            for view in self.views:
                if f'{view}_mean' in entry:
                    metrics[f'fewshot_{shot}_f1_{view}_mean'] = entry[f'{view}_mean']
                    metrics[f'fewshot_{shot}_f1_{view}_std'] = entry[f'{view}_std']
        return metrics

    def protocol(self) -> dict:
        return dict(task='few-shot phase classification', variant='AE2 paper (no reference '
                    'numbers: its code crashes)', shots=list(self.shots),
                    episodes=self.episodes or 'AE2 (50; half 10; all 1)', seed=self.seed,
                    views=list(self.views))
