"""Read frames from the frame cache (see :mod:`byov.datasets.frame_cache`)."""
import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadClipFromCache(BaseTransform):
    """Load the sampled frames of each clip of a training pair.

    Reads ``results['clips']`` (dicts with ``video_name``, ``video_path``, ``view``,
    ``is_ego``, ``frame_inds``) and ``results['frame_cache']``; adds
    ``imgs`` (uint8 ``[2, T, 3, H, W]``, RGB) and the pair's ``video_names``,
    ``is_ego`` and ``frame_inds`` (tuples, one entry per clip).
    """

    def transform(self, results: dict) -> dict:
        cache, clips = results['frame_cache'], results['clips']
        h, w = cache.frame_size
        imgs = np.empty((len(clips), len(clips[0]['frame_inds']), 3, h, w), np.uint8)
        for clip, out in zip(clips, imgs):  # one copy from the memory map into imgs
            np.take(cache.load(clip['video_path'], clip['view']), clip['frame_inds'],
                    axis=0, out=out)
        results['imgs'] = imgs
        results['video_names'] = tuple(c['video_name'] for c in clips)
        results['is_ego'] = tuple(bool(c['is_ego']) for c in clips)
        results['frame_inds'] = tuple(c['frame_inds'] for c in clips)
        return results


@TRANSFORMS.register_module()
class LoadVideoFromCache(BaseTransform):
    """Load every frame of one video, in order.

    Reads ``video_path``, ``view``, ``num_frames`` (L) and ``frame_cache``; adds
    ``imgs`` (uint8 ``[L, 3, H, W]``, RGB).
    """

    def transform(self, results: dict) -> dict:
        frames = results['frame_cache'].load(results['video_path'], results['view'])
        results['imgs'] = np.array(frames[:results['num_frames']])
        return results
