"""A protocol check beyond the reference: evaluate on a random temporal crop of each video.

The benchmark's phases come in a fixed order, so a frame's normalised position ``t / L``
in its video predicts its phase (docs/time_leakage.md). Cropping each eval video to
a random window of a fixed fraction of its length (seeded per video, the same for every
method) decouples the position within the crop from the position within the action, so
a time-only embedding gives the phase away less. Numbers under this option are not
comparable with published ones; results tables say when it was used.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomTemporalCrop(BaseTransform):
    """Keep a seeded random window of ``fraction`` of a whole video's frames.

    Put it right after the loading transform of a whole-video pipeline. Reads and updates
    ``imgs`` (or ``feats``) ``[L, ...]``, ``gt_labels`` ``[L]`` and ``num_frames``; adds
    ``crop_start`` to the results. The window depends only on ``(seed, video_index)``.

    Args:
        fraction (float): window length as a fraction of the video, in (0, 1].
        seed (int): the crops' seed.
        min_frames (int): never crop shorter than this (or the whole video if shorter).
    """

    def __init__(self, fraction: float = 0.5, seed: int = 0, min_frames: int = 8):
        if not 0 < fraction <= 1:
            raise ValueError(f'RandomTemporalCrop: fraction must be in (0, 1], got {fraction}.')
        if min_frames < 1:
            raise ValueError(f'RandomTemporalCrop: min_frames must be >= 1, got {min_frames}.')
        self.fraction = fraction
        self.seed = seed
        self.min_frames = min_frames

    def window(self, num_frames: int, video_index: int):
        """(start, length) of the crop of a video of ``num_frames`` frames."""
        length = min(num_frames, max(self.min_frames, int(round(num_frames * self.fraction))))
        rng = np.random.default_rng([self.seed, int(video_index)])
        start = int(rng.integers(0, num_frames - length + 1))
        return start, length

    def transform(self, results: dict) -> dict:
        key = next((k for k in ('feats', 'imgs', 'boxes') if k in results), 'imgs')
        num_frames = int(results['num_frames'])
        if len(results[key]) != num_frames or len(results['gt_labels']) != num_frames:
            raise ValueError(
                f'RandomTemporalCrop: video {results.get("video_name")!r} has '
                f'{len(results[key])} frames loaded and {len(results["gt_labels"])} labels '
                f'for num_frames={num_frames}; put the crop right after the loading step.')
        start, length = self.window(num_frames, results['video_index'])
        results[key] = results[key][start:start + length]
        if key != 'boxes' and 'boxes' in results:  # per-frame boxes go with the frames
            results['boxes'] = results['boxes'][start:start + length]
        results['gt_labels'] = np.asarray(results['gt_labels'])[start:start + length]
        results['num_frames'] = length
        results['crop_start'] = start
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(fraction={self.fraction}, seed={self.seed}, '
                f'min_frames={self.min_frames})')


def add_temporal_crop(cfg, fraction: float, seed: int = 0,
                      loader: str = 'test_dataloader') -> None:
    """Insert :class:`RandomTemporalCrop` right after the loading step of ``cfg[loader]``'s
    pipeline, in place (``tools/test.py --temporal-crop``; the fit split stays whole).
    results.json records the crop (``eval_temporal_crop``)."""
    pipeline = list(cfg[loader].dataset.pipeline)
    load = [i for i, t in enumerate(pipeline) if str(t['type']).startswith('Load')]
    if not load:
        raise ValueError(f'--temporal-crop: the pipeline of {loader} has no Load* step to '
                         'crop after.')
    pipeline.insert(load[0] + 1, dict(type='RandomTemporalCrop', fraction=fraction, seed=seed))
    cfg[loader].dataset.pipeline = pipeline
