"""Datasets of the AE2 ego-exo benchmark: layout parsing, frame cache, pair and
whole-video datasets, and their transforms; Ego-Exo4D keystep from its released
features (``byov.datasets.egoexo4d``).

The synthetic benchmark's generator (``byov.datasets.synthetic``) is imported only when
it is used: ``import byov.datasets.synthetic`` or the attribute ``byov.datasets.synthetic``.
"""
import importlib

from . import transforms  # noqa: F401  (registers the transforms)
from . import egoexo4d  # noqa: F401  (registers the Ego-Exo4D datasets and transforms)
from .ae2 import VideoRecord, load_labels, load_split, scan_split
from .config_utils import (check_config, check_data_available, check_data_roots,
                           setup_data)
from .frame_cache import FrameCache, decode_video
from .integrity import DatasetProblemsError, Problem, probe_video
from .pair_dataset import EgoExoPairDataset
from .same_video_pair_dataset import SameVideoPairDataset, SameVideoPairingError
from .samplers import EpochAwareSampler
from .synchronised_pairs import NotSynchronisedError, SynchronisedEgoExoPairDataset
from .video_dataset import EgoExoVideoDataset

__all__ = ['VideoRecord', 'load_labels', 'load_split', 'FrameCache', 'decode_video',
           'EgoExoPairDataset', 'EgoExoVideoDataset', 'NotSynchronisedError',
           'SameVideoPairDataset', 'SameVideoPairingError', 'SynchronisedEgoExoPairDataset',
           'EpochAwareSampler', 'scan_split',
           'setup_data', 'check_config', 'check_data_roots', 'check_data_available',
           'Problem',
           'DatasetProblemsError', 'probe_video']


def __getattr__(name):
    """Import the synthetic generator on first use of ``byov.datasets.synthetic``."""
    if name == 'synthetic':
        return importlib.import_module(f'{__name__}.synthetic')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
