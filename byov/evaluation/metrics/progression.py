"""Task 3 as a metric: phase progression R^2 (see functional/progression.py)."""
from typing import Optional

from byov.evaluation.functional import phase_progression
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class PhaseProgressionMetric(EgoExoMetric):
    """Mean R^2 of per-class linear progression regressors (fit split -> eval split).

    Key: ``progression``.

    The targets come from each video's own labels (frame t of class c: ``(t - last
    frame of c in the video) / L``), so they assume no phase order shared by the
    videos: Ego-Exo4D's keysteps, in a different order in every take, are measured
    take by take. Two things do not carry over from AE2: a keystep that occurs twice in
    a stream is measured from its last occurrence only, and the reference variant
    needs every class 0..max(label) in both splits (it raises otherwise, as AE2's code
    fails), which a split with a few of Ego-Exo4D's 278 keysteps missing does not
    meet; use ``variant='corrected'`` there (each class scored where both splits have
    it). AE2's numbers are unchanged.

    Args:
        variant: 'reference' (AE2: classes per split as max(label)+1) or 'corrected'
            (classes of both splits; a class a split lacks is skipped).
        append_time: append frame index x 1e-3 to the embeddings, as AE2 does for
            pour_liquid only (reference variant only: it hands the regressor time).
        num_classes: a fixed class count instead (corrected variant only).
    """
    requires_fit_split = True

    def __init__(self, variant: str = 'reference', append_time: bool = False,
                 num_classes: Optional[int] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if variant not in ('reference', 'corrected'):
            raise ValueError(f"variant must be 'reference' or 'corrected', got {variant!r}")
        if variant == 'corrected' and append_time:
            raise ValueError('append_time=True is the reference protocol for pour_liquid; '
                             "the corrected variant appends no time feature")
        if variant == 'reference' and num_classes is not None:
            raise ValueError('num_classes fixes the class count, which the reference '
                             "variant takes per split; use variant='corrected'")
        self.variant = variant
        self.append_time = append_time
        self.num_classes = num_classes

    @property
    def _num_classes(self):
        if self.variant == 'reference':
            return 'per_split'
        return 'union' if self.num_classes is None else self.num_classes

    def compute(self, eval_set, fit_set=None) -> dict:
        fit_set = self._require_fit_set(fit_set)
        score = phase_progression(fit_set.embeds, fit_set.labels, fit_set.video_ids,
                                  eval_set.embeds, eval_set.labels, eval_set.video_ids,
                                  append_time=self.append_time, num_classes=self._num_classes)
        return dict(progression=score)

    def figure_options(self) -> dict:
        return dict(append_time=self.append_time)

    def protocol(self) -> dict:
        return dict(task='phase progression', variant=self.variant,
                    num_classes=self._num_classes, append_time=self.append_time)
