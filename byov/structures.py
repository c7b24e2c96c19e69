"""The data sample that travels with every item, from the dataset to the metrics, and
the names every part of byov shares (one definition each).

byov uses mmengine's :class:`~mmengine.structures.BaseDataElement` (so mmengine's
``pseudo_collate`` keeps one sample per item) with these fields:

Training pair (``EgoExoPairDataset``), metainfo:
    ``video_names`` (tuple[str, str]), ``is_ego`` (tuple[bool, bool]),
    ``frame_inds`` (tuple[np.ndarray, np.ndarray]): the sampled frame indices.

Whole video (``EgoExoVideoDataset``), metainfo:
    ``video_name`` (str, base name without extension), ``video_index`` (int, position
    of the video in the split's sorted list), ``is_ego`` (bool), ``num_frames`` (int L),
    ``split`` (str);
  data field ``gt_labels`` (np.ndarray int64 [L]): per-frame phase labels.

After ``model.predict`` a whole-video sample also has the data field ``embeds``
(np.ndarray float32 [L, E]): one embedding per frame, in temporal order.
"""
from mmengine.structures import BaseDataElement

EgoExoDataSample = BaseDataElement

#: The two camera views of the benchmark, in the order of a training pair (view a, b).
CAMERA_VIEWS = ('ego', 'exo')

#: What a model's stem reads (``model.stem.input_type`` and
#: ``model.data_preprocessor.input_type``), mapped to the rank of one frame:
#: ``'frames'``: normalised images ``[3, H, W]``; ``'patch_tokens'``: the frame encoder's
#: output ``[N, D]`` (the feature cache's exact mode); ``'frame_vectors'``: the token
#: selector's output ``[D]`` (the cache's compact mode).
FRAME_RANKS = {'frames': 3, 'patch_tokens': 2, 'frame_vectors': 1}
INPUT_TYPES = tuple(FRAME_RANKS)

__all__ = ['EgoExoDataSample', 'CAMERA_VIEWS', 'FRAME_RANKS', 'INPUT_TYPES']
