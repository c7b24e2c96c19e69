"""Evaluation on the AE2 ego-exo protocol (docs/evaluation_protocol.md).

- :mod:`byov.evaluation.functional`: the tasks as pure numpy functions;
- :class:`EmbeddingSet`: one split's frame embeddings, labels and videos, saved in AE2's
  file format;
- :mod:`byov.evaluation.metrics`: the tasks as registered mmengine metrics;
- :func:`results_table` / :func:`results_markdown`: several methods in one table.
"""
from .embedding_set import EmbeddingSet
from .metrics import (EgoExoMetric, FewShotClassificationMetric, FrameRetrievalMetric,
                      KendallsTauMetric, PhaseClassificationMetric, PhaseProgressionMetric)
from .table import results_markdown, results_table

__all__ = [
    'EmbeddingSet', 'EgoExoMetric', 'PhaseClassificationMetric', 'FrameRetrievalMetric',
    'PhaseProgressionMetric', 'KendallsTauMetric', 'FewShotClassificationMetric',
    'results_table', 'results_markdown'
]
