"""Load AE2's hand-object boxes with the frames and pack both for a box-reading model
(see :mod:`byov.datasets.boxes` and :mod:`byov.box_inputs`)."""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from byov.box_inputs import BOX_COLUMNS
from byov.registry import TRANSFORMS
from ..boxes import BOX_FILE, HandObjectBoxes
from .formatting import PackEgoExoInputs


def dataset_file(path: Optional[str], data_root: Optional[str], name: str,
                 owner: str, option: str) -> str:
    """``path``, or where it is None, ``<data_root>/<name>`` of the dataset that runs the
    pipeline (its ``data_root`` is in the results); refuses None with no data root."""
    if path is not None:
        return path
    if data_root is None:
        raise ValueError(
            f'{owner}: {option}=None reads <data_root>/{name} of the dataset, but the '
            'results carry no data_root (a pipeline run outside an ego-exo dataset); pass '
            f'{option}.')
    return osp.join(data_root, name)


class _BoxMixin:
    """Arguments of :class:`~byov.datasets.boxes.HandObjectBoxes`; ``box_file=None``
    reads ``<data_root>/det_bounding_box.pickle`` of the dataset that runs the pipeline
    (its ``data_root`` is in the results), so a config's boxes move with its data."""

    def __init__(self, box_file: Optional[str] = None, score_threshold: float = 0.0,
                 expansion_ratio: float = 1.0, one_object: bool = False,
                 video_size: Optional[Sequence[int]] = None):
        self.box_file = box_file
        self.options = dict(score_threshold=score_threshold,
                            expansion_ratio=expansion_ratio, one_object=one_object,
                            video_size=video_size)
        self._sources: Dict[str, HandObjectBoxes] = {}
        if box_file is not None:
            self._source_for(box_file)  # option errors at build

    def _source_for(self, path: str) -> HandObjectBoxes:
        if path not in self._sources:  # one per file; each reads its file lazily
            self._sources[path] = HandObjectBoxes(path, **self.options)
        return self._sources[path]

    def _video(self, info: dict, num_frames: int, data_root: Optional[str]) -> np.ndarray:
        path = dataset_file(self.box_file, data_root, BOX_FILE, type(self).__name__,
                            'box_file')
        return self._source_for(path).load(info['view'], info['video_name'],
                                           info['video_path'], num_frames)

    def __repr__(self):
        opts = self.options
        return (f'{type(self).__name__}(box_file={self.box_file!r}, score_threshold='
                f'{opts["score_threshold"]}, expansion_ratio={opts["expansion_ratio"]}, '
                f'one_object={opts["one_object"]})')


@TRANSFORMS.register_module()
class LoadClipBoxes(_BoxMixin, BaseTransform):
    """The boxes of the sampled frames of each clip of a training pair.

    Put it after ``SampleClipFrames`` (it reads each clip's ``frame_inds``, the sampled
    frames, and ``num_frames``). Adds ``boxes``: float32 ``[2, T, S, 10]``, coordinates
    as fractions of the frame.

    Args:
        box_file (str | None): a ``det_bounding_box.pickle``; None (the dataset configs'
            choice): ``<data_root>/det_bounding_box.pickle`` of the dataset.
        score_threshold, expansion_ratio, one_object, video_size: AE2's options, see
            :class:`~byov.datasets.boxes.HandObjectBoxes`.
    """

    def transform(self, results: dict) -> dict:
        results['boxes'] = np.stack([
            self._video(clip, clip['num_frames'], results.get('data_root'))[clip['frame_inds']]
            for clip in results['clips']])
        return results


@TRANSFORMS.register_module()
class LoadVideoBoxes(_BoxMixin, BaseTransform):
    """The boxes of every frame of one video: adds ``boxes`` float32 ``[L, S, 10]``.

    After a ``RandomTemporalCrop`` (``crop_start`` in the results) it loads the boxes of
    the cropped window, so it may come before or after the crop.

    Args: as :class:`LoadClipBoxes`.
    """

    def transform(self, results: dict) -> dict:
        start = int(results.get('crop_start', 0))
        boxes = self._video(results, start + int(results['num_frames']),
                            results.get('data_root'))
        results['boxes'] = boxes[start:]
        return results


@TRANSFORMS.register_module()
class PackEgoExoBoxInputs(PackEgoExoInputs):
    """As :class:`PackEgoExoInputs`, with the boxes in the data sample
    (:mod:`byov.box_inputs`): the data field ``boxes``, float32 ``[2, T, S, 10]`` (a
    training pair) / ``[L, S, 10]`` (a whole video). ``inputs`` are the uint8 frames
    ``[2, T, 3, H, W]`` / ``[L, 3, H, W]`` when ``with_frames``, else empty frames
    ``[2, T, 3, 0, 0]`` / ``[L, 3, 0, 0]`` (no pixels, the same layout).

    Args:
        with_frames (bool): pack the frames too (for encoders that read pixels inside
            the boxes); False packs the boxes alone, and frames loaded anyway are dropped.
        meta_keys, data_keys: see :class:`PackEgoExoInputs`.
    """

    def __init__(self, with_frames: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.with_frames = with_frames

    def transform(self, results: dict) -> dict:
        if 'boxes' not in results:
            raise KeyError('PackEgoExoBoxInputs needs results["boxes"]: put LoadClipBoxes '
                           '(training pairs) or LoadVideoBoxes (whole videos) before it.')
        boxes = np.ascontiguousarray(results['boxes'], dtype=np.float32)
        if boxes.ndim < 3 or boxes.shape[-1] != BOX_COLUMNS:
            raise ValueError(f'PackEgoExoBoxInputs: boxes must be [..., slots, {BOX_COLUMNS}] '
                             f'(one table per frame), got {list(boxes.shape)}.')
        lead = boxes.shape[:-2]
        if self.with_frames:
            if 'imgs' not in results:
                raise KeyError('PackEgoExoBoxInputs(with_frames=True) needs frames: put '
                               'LoadClipFromCache / LoadVideoFromCache before it.')
            imgs = results['imgs']
            if imgs.shape[:-3] != lead:
                raise ValueError(
                    f'PackEgoExoBoxInputs: frames {list(imgs.shape)} do not match boxes '
                    f'{list(boxes.shape)}: one box table per frame is expected (a frame '
                    'loader with context frames, num_context_steps > 1, gives C frames per '
                    'step; box encoders read one).')
        else:
            imgs = np.zeros((*lead, 3, 0, 0), np.uint8)
        packed = dict(results, imgs=imgs)
        packed.pop('feats', None)
        packed = super().transform(packed)
        packed['data_samples'].boxes = torch.from_numpy(boxes)
        return packed
