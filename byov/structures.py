"""The data sample that travels with every item, from the dataset to the metrics.

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

__all__ = ['EgoExoDataSample']
