"""Ego-Exo4D (keystep) as a byov data plugin: see docs/egoexo4d.md.

Importing the package registers ``EgoExo4DKeystepDataset``, ``EgoExo4DPairDataset``
(DATASETS) and ``LoadEgoExo4DClipFeatures``, ``LoadEgoExo4DVideoFeatures`` (TRANSFORMS).
"""
from .datasets import (EgoExo4DDamageError, EgoExo4DKeystepDataset, EgoExo4DOptionError,
                       EgoExo4DPairDataset)
from .features import FeatureFileError, read_feature_header, read_feature_rows
from .index import (EgoExo4DSplitError, EgoExo4DWidthError, SplitIndex, Stream,
                    TakeProblem, build_split_index, load_split_index, split_statistics)
from .transforms import LoadEgoExo4DClipFeatures, LoadEgoExo4DVideoFeatures

__all__ = ['EgoExo4DDamageError', 'EgoExo4DKeystepDataset', 'EgoExo4DOptionError',
           'EgoExo4DPairDataset', 'FeatureFileError', 'read_feature_header',
           'read_feature_rows', 'EgoExo4DSplitError', 'EgoExo4DWidthError', 'SplitIndex',
           'Stream', 'TakeProblem', 'build_split_index', 'load_split_index', 'split_statistics',
           'LoadEgoExo4DClipFeatures', 'LoadEgoExo4DVideoFeatures']
