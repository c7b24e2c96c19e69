"""The AE2 evaluation tasks as pure functions: numpy arrays in, floats out.

Shared by the metric classes (:mod:`byov.evaluation.metrics`) and the command-line
tools. Frame-level inputs: ``video_ids`` holds one integer per frame, a video's frames
contiguous and in temporal order; ``is_ego`` one bool per frame. The protocol and its
reference / corrected variants are described in docs/evaluation_protocol.md.
"""
from .classification import phase_classification
from .few_shot import DEFAULT_SHOTS, few_shot_classification
from .kendall import kendalls_tau, kendalls_tau_matrix, kendalls_tau_summary
from .keystep import keystep_recognition, pool_segments
from .progression import phase_progression, progression_targets
from .retrieval import frame_retrieval

__all__ = [
    'phase_classification', 'frame_retrieval', 'phase_progression', 'progression_targets',
    'kendalls_tau', 'kendalls_tau_matrix', 'kendalls_tau_summary', 'few_shot_classification',
    'DEFAULT_SHOTS', 'keystep_recognition', 'pool_segments'
]
