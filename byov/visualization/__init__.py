"""Figures of the ego-exo evaluation: embedding projection, alignment, retrieval
examples and phase progression (matplotlib, Agg canvas, PNG), and the visualizer that
sends them to the run's experiment trackers (:class:`EgoExoVisualizer`).

Drawn by :class:`byov.engine.hooks.EgoExoVisualizationHook` from the splits the val/test
loop has just evaluated, and by ``tools/analysis/visualize.py`` from saved embeddings;
see docs/training_and_evaluation.md.
"""
from .alignment import alignment_summary, plot_alignment
from .figures import (FIGURES, check_same_frames, draw_figures, embeddings_dir,
                      find_phase_names, load_embeddings, save_figures)
from .frames import VideoFrames
from .progression import plot_phase_progression, predict_progression
from .projection import plot_embedding_projection, project_2d
from .retrieval import cross_view_neighbours, pick_queries, plot_retrieval_examples
from .style import figure_to_rgb, save_figure
from .visualizer import VIS_BACKEND_TYPES, EgoExoVisualizer, add_vis_backends

__all__ = [
    'FIGURES', 'draw_figures', 'save_figures', 'load_embeddings', 'embeddings_dir',
    'find_phase_names', 'check_same_frames', 'VideoFrames', 'plot_embedding_projection',
    'project_2d', 'plot_alignment', 'alignment_summary', 'plot_retrieval_examples',
    'cross_view_neighbours', 'pick_queries', 'plot_phase_progression',
    'predict_progression', 'figure_to_rgb', 'save_figure', 'EgoExoVisualizer',
    'VIS_BACKEND_TYPES', 'add_vis_backends'
]
