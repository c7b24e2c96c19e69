"""Frames for the retrieval figure, read through a dataset's frame cache.

Videos are found by name in the dataset's ``video_infos`` (metadata only) and read from
its :class:`~byov.datasets.FrameCache` (memory-mapped; a video not cached yet is decoded
once and cached, as training would). When the eval pipeline crops each video
(``RandomTemporalCrop``, ``tools/test.py --temporal-crop``), frame t of the embeddings is
frame ``crop start + t`` of the video, and the crop's window is applied here too.
"""
from typing import Optional

import numpy as np


def _is_crop(transform) -> bool:
    return type(transform).__name__ == 'RandomTemporalCrop' and hasattr(transform, 'window')


class VideoFrames:
    """Single frames of the videos of one split, by video name.

    Args:
        dataset: an :class:`~byov.datasets.EgoExoVideoDataset` (or any dataset with
            ``video_infos`` and ``frame_cache``), e.g. ``runner.test_dataloader.dataset``.
        crop: the eval pipeline's ``RandomTemporalCrop``, if any; default: found in
            ``dataset.pipeline``.
    """

    def __init__(self, dataset, crop=None):
        self.frame_cache = dataset.frame_cache
        self.data_root = getattr(dataset, 'data_root', None)
        self._infos = {info['video_name']: info for info in dataset.video_infos}
        if crop is None:
            transforms = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
            crop = next((t for t in transforms if _is_crop(t)), None)
        self.crop = crop

    @classmethod
    def from_dataset_cfg(cls, dataset_cfg: dict, data_root: Optional[str] = None,
                         cache_dir: Optional[str] = None) -> 'VideoFrames':
        """Build the dataset of ``dataset_cfg`` (e.g. ``cfg.test_dataloader.dataset``)
        without decoding anything, optionally at another ``data_root`` / ``cache_dir``;
        a ``RandomTemporalCrop`` in its pipeline is kept."""
        from byov.registry import DATASETS, TRANSFORMS
        dataset_cfg = dict(dataset_cfg)
        if data_root is not None:
            dataset_cfg['data_root'] = data_root
        if cache_dir is not None:
            dataset_cfg['cache_dir'] = cache_dir
        crops = [t for t in dataset_cfg.get('pipeline') or []
                 if str(t.get('type', '')).split('.')[-1] == 'RandomTemporalCrop']
        dataset_cfg.update(lazy_init=True, pipeline=[])
        dataset_cfg.setdefault('type', 'EgoExoVideoDataset')
        crop = TRANSFORMS.build(dict(crops[0])) if crops else None
        return cls(DATASETS.build(dataset_cfg), crop=crop)

    def _start(self, info) -> int:
        if self.crop is None:
            return 0
        return self.crop.window(int(info['num_frames']), int(info['video_index']))[0]

    def _length(self, info) -> int:
        if self.crop is None:
            return int(info['num_frames'])
        return self.crop.window(int(info['num_frames']), int(info['video_index']))[1]

    def check(self, embedding_set) -> None:
        """Raise a ValueError if the embeddings' videos are not this split's videos with
        these frame counts (frames would be shown for the wrong time)."""
        for name, length in zip(embedding_set.video_names, embedding_set.video_lengths):
            if name not in self._infos:
                raise ValueError(f'video {name!r} of the embeddings is not in the split of '
                                 f'{self.data_root} read for frames; were they made from '
                                 'another dataset?')
            expected = self._length(self._infos[name])
            if int(length) != expected:
                crop = ' after the temporal crop' if self.crop is not None else ''
                raise ValueError(
                    f'video {name!r}: the embeddings have {length} frames, the dataset '
                    f'{expected}{crop}; the frames cannot be matched (another crop or '
                    'dataset?)')

    def frame_number(self, video_name: str, frame: int) -> int:
        """Index in the video of frame ``frame`` of the embedded (possibly cropped) video."""
        return self._start(self._infos[video_name]) + int(frame)

    def __call__(self, video_name: str, frame: int) -> np.ndarray:
        """Frame ``frame`` (of the embedded, possibly cropped, video) of ``video_name``
        as uint8 RGB ``[H, W, 3]``."""
        if video_name not in self._infos:
            raise KeyError(f'video {video_name!r} is not in this split of '
                           f'{self.data_root}; were the embeddings made from another split '
                           'or dataset?')
        info = self._infos[video_name]
        frames = self.frame_cache.load(info['video_path'], info['view'])
        image = np.asarray(frames[self._start(info) + int(frame)])
        return np.ascontiguousarray(image.transpose(1, 2, 0))
