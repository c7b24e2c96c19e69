"""The synthetic ego-exo benchmark: a procedural 5-phase action seen from ego and exo views.

See docs/synthetic_benchmark.md. Entry points::

    from byov.datasets.synthetic import generate_synthetic_egoexo
    meta = generate_synthetic_egoexo('data/synthetic_egoexo', seed=0)      # AE2 csv layout
    generate_synthetic_egoexo('data/synth_folders', layout='folders', idle=False)
"""
from .action import PHASES, Timeline, sample_timeline
from .analysis import make_contact_sheet, time_only_f1, time_only_scores
from .generate import (SYNTHETIC_VERSION, SyntheticEgoExoConfig, generate_synthetic_egoexo,
                       render_video, video_name)
from .boxes import SLOT_NAMES, BoxNoise, box_key, frame_boxes
from .writer import BOX_FILE, LABEL_FILE, LAYOUTS, META_FILE, count_frames, read_meta

__all__ = [
    'PHASES', 'Timeline', 'sample_timeline', 'SYNTHETIC_VERSION', 'SyntheticEgoExoConfig',
    'generate_synthetic_egoexo', 'render_video', 'video_name', 'make_contact_sheet',
    'time_only_f1', 'time_only_scores', 'LABEL_FILE', 'LAYOUTS', 'META_FILE',
    'count_frames', 'read_meta', 'BOX_FILE', 'SLOT_NAMES', 'BoxNoise', 'box_key',
    'frame_boxes',
]
