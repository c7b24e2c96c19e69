"""Pack a loaded item into the model's input format (docs/architecture.md)."""
import torch
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS
from byov.structures import EgoExoDataSample

PAIR_META_KEYS = ('video_names', 'is_ego', 'frame_inds')
VIDEO_META_KEYS = ('video_name', 'video_index', 'is_ego', 'num_frames', 'split')


@TRANSFORMS.register_module()
class PackEgoExoInputs(BaseTransform):
    """``imgs`` (uint8 numpy, ``[2, T, 3, H, W]`` for a training pair or ``[L, 3, H, W]``
    for a whole video), or ``feats`` (cached features, ``[2, T, ...]`` / ``[L, ...]``)
    when a feature loader ran, -> ``inputs``, the same as a torch tensor (no copy). The data
    sample gets those of ``meta_keys`` present in ``results`` as metainfo, and
    ``data_keys`` (``gt_labels``, int64 ``[L]``) as data fields.

    Args:
        meta_keys: metainfo keys; default: the pair and whole-video contract keys.
        data_keys: data-field keys.
    """

    def __init__(self, meta_keys=PAIR_META_KEYS + VIDEO_META_KEYS, data_keys=('gt_labels',)):
        self.meta_keys = tuple(dict.fromkeys(meta_keys))
        self.data_keys = tuple(data_keys)

    def transform(self, results: dict) -> dict:
        inputs = torch.from_numpy(results['feats'] if 'feats' in results else results['imgs'])
        sample = EgoExoDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        for key in self.data_keys:
            if key in results:
                sample.set_data({key: results[key]})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{type(self).__name__}(meta_keys={self.meta_keys}, data_keys={self.data_keys})'
