"""Task 2 as a metric: frame retrieval mAP@k (see functional/retrieval.py)."""
from typing import Optional, Sequence

from byov.evaluation.functional import frame_retrieval
from byov.evaluation.functional._checks import check_views
from byov.structures import EVAL_VIEWS
from byov.registry import METRICS

from .base import EgoExoMetric


@METRICS.register_module()
class FrameRetrievalMetric(EgoExoMetric):
    """mAP@k of nearest-neighbour frame retrieval on the eval split.

    Keys: ``map@{k}_regular``, ``map@{k}_ego2exo``, ``map@{k}_exo2ego``.

    Args:
        k: frames retrieved per query (the protocol's 10).
        views: subset of ('regular', 'ego2exo', 'exo2ego').
        block_size: queries per block of distances (memory only); None: about 64 MB.
    """

    def __init__(self, k: int = 10, views: Sequence[str] = EVAL_VIEWS,
                 block_size: Optional[int] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.k = k
        self.views = check_views('views', views)
        self.block_size = block_size

    def compute(self, eval_set, fit_set=None) -> dict:
        maps = frame_retrieval(eval_set.embeds, eval_set.labels, eval_set.video_ids,
                               eval_set.is_ego, k=self.k, views=self.views,
                               block_size=self.block_size)
        return {f'map@{self.k}_{view}': value for view, value in maps.items()}

    def protocol(self) -> dict:
        return dict(task='frame retrieval', variant='reference', k=self.k,
                    distance='euclidean', ties='frame index', views=list(self.views))
