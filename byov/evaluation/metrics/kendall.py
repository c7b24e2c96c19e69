"""Task 4 as a metric: Kendall's tau of nearest-neighbour alignment (see
functional/kendall.py)."""
import logging

from mmengine.logging import print_log

from byov.datasets.egoexo4d.format import split_video_name
from byov.evaluation.functional import kendalls_tau_summary
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class KendallsTauMetric(EgoExoMetric):
    """Mean Kendall's tau over ordered pairs of eval-split videos.

    Keys: ``tau`` and ``tau_dropped_pairs`` (ordered pairs with no defined tau, left out
    of the mean as the reference does); with ``view_breakdown`` also ``tau_ego_ego``,
    ``tau_exo_exo``, ``tau_ego_exo``, ``tau_exo_ego`` (query view first); with
    ``pairs='same_take'`` also ``tau_pairs`` (the ordered pairs compared).

    Which pairs: ``pairs='all'`` (AE2: every ordered pair of distinct videos; the
    datasets' phases come in one fixed order) or ``'same_take'`` (Ego-Exo4D: only
    streams of the same take, the ``<take_name>`` part of their video names
    ``<take_name>/<cam_id>``; different takes do different keysteps in different
    orders, so their alignment has no right answer).

    A partly collapsed model loses pairs and can still score high, so more than
    ``warn_dropped_fraction`` of the pairs dropped is logged as a warning; none left is a
    ValueError (no results are written).

    Args:
        stride: sample every stride-th frame of each video (the protocol's 5).
        view_breakdown: add the means per pair of views.
        warn_dropped_fraction: warn when more than this share of pairs is dropped.
        pairs: 'all' (default, AE2) or 'same_take' (Ego-Exo4D).
    """
    PAIRS = ('all', 'same_take')

    def __init__(self, stride: int = 5, view_breakdown: bool = False,
                 warn_dropped_fraction: float = 0.1, pairs: str = 'all', **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= warn_dropped_fraction <= 1:
            raise ValueError('KendallsTauMetric: warn_dropped_fraction must be in [0, 1], '
                             f'got {warn_dropped_fraction}')
        if pairs not in self.PAIRS:
            raise ValueError(f'KendallsTauMetric: pairs must be one of {self.PAIRS}, got '
                             f"{pairs!r} ('same_take' for Ego-Exo4D's <take>/<camera> "
                             'streams)')
        self.stride = stride
        self.view_breakdown = view_breakdown
        self.warn_dropped_fraction = warn_dropped_fraction
        self.pairs = pairs

    def compute(self, eval_set, fit_set=None) -> dict:
        groups = None
        if self.pairs == 'same_take':
            groups = [split_video_name(name)[0] for name in eval_set.video_names]
        summary = kendalls_tau_summary(
            eval_set.embeds, eval_set.video_ids, self.stride,
            is_ego=eval_set.is_ego if self.view_breakdown else None, groups=groups)
        dropped, pairs = summary['dropped_pairs'], summary['pairs']
        which = 'ordered video pairs' if groups is None else 'ordered same-take video pairs'
        if dropped > self.warn_dropped_fraction * pairs:
            print_log(
                f"KendallsTauMetric: tau {summary['tau']:.4f} is the mean over "
                f'{pairs - dropped} of {pairs} {which} of the '
                f'{eval_set.split or "eval"} split; {dropped} pairs '
                f'({100 * dropped / pairs:.1f}%, more than '
                f'{100 * self.warn_dropped_fraction:g}%) have no defined tau (a video\'s '
                'sampled frames all match one frame of the other: collapsed embeddings) '
                'and were left out, as in the reference. A partly collapsed model can '
                'score high this way; see tau_dropped_pairs.',
                logger='current', level=logging.WARNING)
        metrics = dict(tau=summary['tau'], tau_dropped_pairs=dropped)
        if groups is not None:
            metrics['tau_pairs'] = pairs
        for name, value in summary.get('breakdown', {}).items():
            metrics[f'tau_{name}'] = value
        return metrics

    def protocol(self) -> dict:
        protocol = dict(task="Kendall's tau", variant='reference', stride=self.stride,
                        distance='squared euclidean', view_breakdown=self.view_breakdown)
        if self.pairs != 'all':  # AE2's record stays as it was
            protocol['pairs'] = self.pairs
        return protocol
