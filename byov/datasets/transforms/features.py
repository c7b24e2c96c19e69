"""Read pre-computed frame-encoder outputs instead of frames
(see :mod:`byov.datasets.feature_cache`)."""
import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS


def _feature_cache(results: dict, transform: str):
    cache = results.get('feature_cache')
    if cache is None:
        raise KeyError(f'{transform} reads the feature cache, but the dataset has none: give '
                       'the dataset feature_cache=dict(cache_dir=..., mode=..., '
                       'frame_encoder=..., ...) (see docs/performance.md).')
    return cache


@TRANSFORMS.register_module()
class LoadClipFeatures(BaseTransform):
    """Load the cached features of the sampled frames of each clip of a training pair.

    Reads ``results['clips']`` (dicts with ``video_name``, ``video_path``, ``view``,
    ``is_ego``, ``frame_inds``) and ``results['feature_cache']``; adds ``feats``
    (float16 patch tokens ``[2, T, N, D]`` in exact mode, float32 frame vectors
    ``[2, T, D]`` in compact mode); the pair's metainfo comes from the clips
    (``PackEgoExoInputs``).
    """

    def transform(self, results: dict) -> dict:
        cache, clips = _feature_cache(results, type(self).__name__), results['clips']
        # one gather per clip from the memory map
        results['feats'] = np.stack([
            np.take(cache.load(c['video_path'], c['view']), c['frame_inds'], axis=0)
            for c in clips])
        return results


@TRANSFORMS.register_module()
class LoadVideoFeatures(BaseTransform):
    """Load the cached features of every frame of one video, in order.

    Reads ``video_path``, ``view``, ``num_frames`` (L) and ``feature_cache``; adds
    ``feats`` (float16 ``[L, N, D]`` in exact mode, float32 ``[L, D]`` in compact mode).
    """

    def transform(self, results: dict) -> dict:
        cache = _feature_cache(results, type(self).__name__)
        feats = cache.load(results['video_path'], results['view'])
        results['feats'] = np.array(feats[:results['num_frames']])
        return results
