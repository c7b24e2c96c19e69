"""Read frames from the frame cache (see :mod:`byov.datasets.frame_cache`)."""
import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS
from .sampling import context_frame_indices


class _ContextMixin:
    """``num_context_steps`` / ``context_stride``: load every frame together with the
    ``C - 1`` frames ``stride`` apart before it (AE2's context frames, for
    :class:`~byov.models.frame_encoders.AE2ResNetEncoder`); C=1 loads the frames alone."""

    def _init_context(self, num_context_steps: int, context_stride: int):
        if num_context_steps < 1 or context_stride < 1:
            raise ValueError(f'{type(self).__name__}: num_context_steps and context_stride '
                             f'must be >= 1, got {num_context_steps} and {context_stride}.')
        self.num_context_steps = num_context_steps
        self.context_stride = context_stride

    def _with_context(self, frame_inds, length):
        if self.num_context_steps == 1:
            return frame_inds
        return context_frame_indices(frame_inds, length, self.num_context_steps,
                                     self.context_stride)

    def __repr__(self):
        return (f'{type(self).__name__}(num_context_steps={self.num_context_steps}, '
                f'context_stride={self.context_stride})')


@TRANSFORMS.register_module()
class LoadClipFromCache(_ContextMixin, BaseTransform):
    """Load the sampled frames of each clip of a training pair.

    Reads ``results['clips']`` (dicts with ``video_name``, ``video_path``, ``view``,
    ``is_ego``, ``frame_inds``) and ``results['frame_cache']``; adds
    ``imgs`` (uint8 ``[2, T, 3, H, W]``, RGB) and the pair's ``video_names``,
    ``is_ego`` and ``frame_inds`` (tuples, one entry per clip).

    Args:
        num_context_steps (int): C; with C > 1 each sampled frame comes with its C - 1
            context frames (see :func:`~byov.datasets.transforms.context_frame_indices`):
            ``imgs`` is ``[2, C*T, 3, H, W]``, grouped by frame, oldest first, while
            ``frame_inds`` stays the T sampled frames. Default 1.
        context_stride (int): frames between context steps (AE2: 15).
    """

    def __init__(self, num_context_steps: int = 1, context_stride: int = 15):
        self._init_context(num_context_steps, context_stride)

    def transform(self, results: dict) -> dict:
        cache, clips = results['frame_cache'], results['clips']
        h, w = cache.frame_size
        num_loaded = len(clips[0]['frame_inds']) * self.num_context_steps
        imgs = np.empty((len(clips), num_loaded, 3, h, w), np.uint8)
        for clip, out in zip(clips, imgs):  # one copy from the memory map into imgs
            frames = cache.load(clip['video_path'], clip['view'])
            np.take(frames, self._with_context(clip['frame_inds'], len(frames)), axis=0,
                    out=out)
        results['imgs'] = imgs
        results['video_names'] = tuple(c['video_name'] for c in clips)
        results['is_ego'] = tuple(bool(c['is_ego']) for c in clips)
        results['frame_inds'] = tuple(c['frame_inds'] for c in clips)
        return results


@TRANSFORMS.register_module()
class LoadVideoFromCache(_ContextMixin, BaseTransform):
    """Load every frame of one video, in order.

    Reads ``video_path``, ``view``, ``num_frames`` (L) and ``frame_cache``; adds
    ``imgs`` (uint8 ``[L, 3, H, W]``, RGB).

    Args:
        num_context_steps (int): C; with C > 1 every frame comes with its C - 1 context
            frames: ``imgs`` is ``[C*L, 3, H, W]``, grouped by frame, oldest first
            (C times the memory). Default 1.
        context_stride (int): frames between context steps (AE2: 15).
    """

    def __init__(self, num_context_steps: int = 1, context_stride: int = 15):
        self._init_context(num_context_steps, context_stride)

    def transform(self, results: dict) -> dict:
        frames = results['frame_cache'].load(results['video_path'], results['view'])
        length = results['num_frames']
        if self.num_context_steps == 1:
            results['imgs'] = np.array(frames[:length])
        else:
            results['imgs'] = np.take(frames, self._with_context(np.arange(length), length),
                                      axis=0)
        return results
