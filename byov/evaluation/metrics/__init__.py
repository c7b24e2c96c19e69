"""The AE2 tasks and the Ego-Exo4D keystep protocol as mmengine metrics, registered in
``byov.registry.METRICS``."""
from .base import EgoExoMetric
from .classification import PhaseClassificationMetric
from .few_shot import FewShotClassificationMetric
from .kendall import KendallsTauMetric
from .keystep import KeystepProtocolError, KeystepRecognitionMetric
from .progression import PhaseProgressionMetric
from .retrieval import FrameRetrievalMetric

__all__ = [
    'EgoExoMetric', 'PhaseClassificationMetric', 'FrameRetrievalMetric',
    'PhaseProgressionMetric', 'KendallsTauMetric', 'FewShotClassificationMetric',
    'KeystepRecognitionMetric', 'KeystepProtocolError'
]
