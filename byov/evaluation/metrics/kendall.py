"""Task 4 as a metric: Kendall's tau of nearest-neighbour alignment (see
functional/kendall.py)."""
from byov.evaluation.functional import kendalls_tau
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class KendallsTauMetric(EgoExoMetric):
    """Mean Kendall's tau over ordered pairs of eval-split videos.

    Keys: ``tau``; with ``view_breakdown`` also ``tau_ego_ego``, ``tau_exo_exo``,
    ``tau_ego_exo``, ``tau_exo_ego`` (query view first).

    Args:
        stride: sample every stride-th frame of each video (the protocol's 5).
        view_breakdown: add the means per pair of views.
    """

    def __init__(self, stride: int = 5, view_breakdown: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stride = stride
        self.view_breakdown = view_breakdown

    def compute(self, eval_set, fit_set=None) -> dict:
        if not self.view_breakdown:
            return dict(tau=kendalls_tau(eval_set.embeds, eval_set.video_ids, self.stride))
        tau, parts = kendalls_tau(eval_set.embeds, eval_set.video_ids, self.stride,
                                  is_ego=eval_set.is_ego, return_breakdown=True)
        return dict(tau=tau, **{f'tau_{name}': value for name, value in parts.items()})

    def protocol(self) -> dict:
        return dict(task="Kendall's tau", variant='reference', stride=self.stride,
                    distance='squared euclidean', view_breakdown=self.view_breakdown)
