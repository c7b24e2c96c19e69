"""Evaluation on the AE2 ego-exo protocol and the Ego-Exo4D keystep protocol
(docs/evaluation_protocol.md).

- :mod:`byov.evaluation.functional`: the tasks as pure numpy functions;
- :class:`EmbeddingSet`: one split's frame embeddings, labels and videos, saved in AE2's
  file format;
- :mod:`byov.evaluation.metrics`: the tasks as registered mmengine metrics;
- :func:`evaluate_embedding_sets`: the one evaluation path (loops, tools, figures);
- :func:`results_table` / :func:`results_markdown`: several methods in one table.
"""
from .embedding_set import EmbeddingSet, find_embeddings_dir, video_record
from .evaluate import (EgoExoEvaluation, dump_evaluation, evaluate_embedding_sets,
                       load_dump)
from .metrics import (EgoExoMetric, FewShotClassificationMetric, FrameRetrievalMetric,
                      KendallsTauMetric, KeystepRecognitionMetric, PhaseClassificationMetric,
                      PhaseProgressionMetric)
from .table import results_markdown, results_table

__all__ = [
    'EmbeddingSet', 'find_embeddings_dir', 'video_record', 'EgoExoEvaluation',
    'evaluate_embedding_sets', 'dump_evaluation', 'load_dump', 'EgoExoMetric',
    'PhaseClassificationMetric', 'FrameRetrievalMetric',
    'PhaseProgressionMetric', 'KendallsTauMetric', 'FewShotClassificationMetric',
    'KeystepRecognitionMetric', 'results_table', 'results_markdown'
]
