"""Pack a loaded item into the model's input format (docs/architecture.md)."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS
from byov.structures import EgoExoDataSample

PAIR_META_KEYS = ('video_names', 'is_ego', 'frame_inds', 'video_lengths', 'pairing')
VIDEO_META_KEYS = ('video_name', 'video_index', 'is_ego', 'num_frames', 'split',
                   'frame_times')


def pair_frame_labels(clips):
    """The phase labels of the sampled frames of each clip of a training pair, int64
    ``[2, T]``, or None when ``clips`` is None or a clip lacks ``gt_labels`` or
    ``frame_inds`` (``SampleClipFrames`` sets them; indices are within the video)."""
    if not clips or any('gt_labels' not in c or 'frame_inds' not in c for c in clips):
        return None
    return np.stack([np.asarray(c['gt_labels'], dtype=np.int64)[np.asarray(c['frame_inds'])]
                     for c in clips])


def pair_clip_metainfo(clips) -> dict:
    """The pair metainfo of a training pair's clips (``video_names``, ``is_ego``,
    ``frame_inds``, ``video_lengths``: one entry per clip), from the clip dicts
    ``SampleClipFrames`` wrote, whatever loader ran; {} when ``clips`` is None."""
    if not clips:
        return {}
    meta = {}
    if all('video_name' in c for c in clips):
        meta['video_names'] = tuple(c['video_name'] for c in clips)
    if all('is_ego' in c for c in clips):
        meta['is_ego'] = tuple(bool(c['is_ego']) for c in clips)
    if all('frame_inds' in c for c in clips):
        meta['frame_inds'] = tuple(c['frame_inds'] for c in clips)
    if all('num_frames' in c for c in clips):  # for objectives that place frames in time
        meta['video_lengths'] = tuple(int(c['num_frames']) for c in clips)
    return meta


@TRANSFORMS.register_module()
class PackEgoExoInputs(BaseTransform):
    """``imgs`` (uint8 numpy, ``[2, T, 3, H, W]`` for a training pair or ``[L, 3, H, W]``
    for a whole video), or ``feats`` (cached features, ``[2, T, ...]`` / ``[L, ...]``)
    when a feature loader ran, -> ``inputs``, the same as a torch tensor (no copy). The data
    sample gets those of ``meta_keys`` present in ``results`` as metainfo (a training
    pair's ``video_names``, ``is_ego``, ``frame_inds`` and ``video_lengths``, the frame
    counts of its two videos, from its clips when the loader did not set them: box and
    scene-state loaders do not), and ``data_keys`` (``gt_labels``, int64 ``[L]``) as data
    fields.

    Args:
        meta_keys: metainfo keys; default: the pair and whole-video contract keys.
        data_keys: data-field keys.
    """

    def __init__(self, meta_keys=PAIR_META_KEYS + VIDEO_META_KEYS, data_keys=('gt_labels',)):
        self.meta_keys = tuple(dict.fromkeys(meta_keys))
        self.data_keys = tuple(data_keys)

    def transform(self, results: dict) -> dict:
        inputs = torch.from_numpy(results['feats'] if 'feats' in results else results['imgs'])
        if 'gt_labels' not in results and 'gt_labels' in self.data_keys:
            clip_labels = pair_frame_labels(results.get('clips'))
            if clip_labels is not None:
                results = dict(results, gt_labels=clip_labels)
        results = {**pair_clip_metainfo(results.get('clips')), **results}
        sample = EgoExoDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        for key in self.data_keys:
            if key in results:
                sample.set_data({key: results[key]})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{type(self).__name__}(meta_keys={self.meta_keys}, data_keys={self.data_keys})'
