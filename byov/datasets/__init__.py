"""Datasets of the AE2 ego-exo benchmark: layout parsing, frame cache, pair and
whole-video datasets, and their transforms."""
from . import synthetic, transforms  # noqa: F401  (registers the transforms)
from .ae2 import VideoRecord, load_labels, load_split
from .frame_cache import FrameCache, decode_video
from .pair_dataset import EgoExoPairDataset
from .samplers import EpochAwareSampler
from .video_dataset import EgoExoVideoDataset

__all__ = ['VideoRecord', 'load_labels', 'load_split', 'FrameCache', 'decode_video',
           'EgoExoPairDataset', 'EgoExoVideoDataset', 'EpochAwareSampler']
