"""The AE2 tasks as mmengine metrics, registered in ``byov.registry.METRICS``."""
from .base import EgoExoMetric
from .classification import PhaseClassificationMetric
from .few_shot import FewShotClassificationMetric
from .kendall import KendallsTauMetric
from .progression import PhaseProgressionMetric
from .retrieval import FrameRetrievalMetric

__all__ = [
    'EgoExoMetric', 'PhaseClassificationMetric', 'FrameRetrievalMetric',
    'PhaseProgressionMetric', 'KendallsTauMetric', 'FewShotClassificationMetric'
]
