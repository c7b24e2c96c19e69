"""The data sample that travels with every item, from the dataset to the metrics, and
the names every part of byov shares (one definition each).

:class:`EgoExoDataSample` is an mmengine :class:`~mmengine.structures.BaseDataElement`
(so mmengine's ``pseudo_collate`` keeps one sample per item), like mmaction2's
``ActionDataSample``, with these fields:

Training pair (``EgoExoPairDataset``), metainfo:
    ``video_names`` (tuple[str, str]), ``is_ego`` (tuple[bool, bool]),
    ``frame_inds`` (tuple[np.ndarray, np.ndarray]): the sampled frame indices,
    ``video_lengths`` (tuple[int, int]): the two videos' frame counts;
  data field ``gt_labels`` (np.ndarray int64 [2, T]): the phase labels of the sampled
    frames of view a and view b (set by ``PackEgoExoInputs``).

Whole video (``EgoExoVideoDataset``), metainfo:
    ``video_name`` (str, base name without extension), ``video_index`` (int, position
    of the video in the split's sorted list), ``is_ego`` (bool), ``num_frames`` (int L),
    ``split`` (str);
  data field ``gt_labels`` (np.ndarray int64 [L]): per-frame phase labels.

Box inputs (``PackEgoExoBoxInputs``, :mod:`byov.box_inputs`), data field ``boxes``
(torch.float32): one box table per frame, ``[2, T, S, 10]`` for a training pair,
``[L, S, 10]`` for a whole video (S slots, AE2's 10 columns, coordinates as fractions of
the frame).

After ``model.predict`` a whole-video sample also has the data field ``embeds``
(np.ndarray float32 [L, E]): one embedding per frame, in temporal order.
"""
import numpy as np
from mmengine.structures import BaseDataElement

from byov.box_inputs import BOX_COLUMNS


class EgoExoDataSample(BaseDataElement):
    """A data sample whose per-frame fields are checked when they are set: ``gt_labels``
    must be one integer label per frame (``[L]``; ``[2, T]`` for a training pair),
    ``embeds`` one row per frame
    (``[L, E]``) and ``boxes`` one floating-point box table per frame (``[L, S, 10]``, or
    ``[2, T, S, 10]`` for a training pair), ``L`` being the metainfo's ``num_frames`` when
    it is known. A model returning the wrong number of embeddings fails here, naming the
    video, instead of producing metrics over misaligned frames."""

    def __setattr__(self, name, value):
        if name in ('gt_labels', 'embeds'):
            self._check_per_frame(name, value)
        elif name == 'boxes':
            self._check_boxes(value)
        super().__setattr__(name, value)

    def _check_boxes(self, value):
        shape = tuple(value.shape)
        floating = (value.is_floating_point() if hasattr(value, 'is_floating_point')
                    else np.asarray(value).dtype.kind == 'f')
        video = self.metainfo.get('video_name', self.metainfo.get('video_names', '?'))
        if not floating or len(shape) not in (3, 4) or shape[-1] != BOX_COLUMNS:
            raise ValueError(
                f'EgoExoDataSample: boxes of {video!r} must be floating-point box tables '
                f'[L, S, {BOX_COLUMNS}] (a video) or [2, T, S, {BOX_COLUMNS}] (a training '
                f'pair), got {getattr(value, "dtype", type(value))} {list(shape)}.')
        num_frames = self.metainfo.get('num_frames')
        if len(shape) == 3 and num_frames is not None and shape[0] != int(num_frames):
            raise ValueError(
                f'EgoExoDataSample: boxes of video {video!r} have {shape[0]} rows but the '
                f'video has num_frames={num_frames}: one box table per frame is expected.')

    def _check_per_frame(self, name, value):
        array = np.asarray(value.detach().cpu() if hasattr(value, 'detach') else value)
        ndim, kind = (1, 'iu') if name == 'gt_labels' else (2, 'f')
        video = self.metainfo.get('video_name', '?')
        if name == 'gt_labels' and array.ndim == 2 and array.shape[0] == 2 and (
                array.dtype.kind in kind and 'video_name' not in self.metainfo):
            return  # a training pair: the labels of the sampled frames of view a and b
        if array.ndim != ndim or array.dtype.kind not in kind:
            shape = '[L]' if ndim == 1 else '[L, E]'
            what = 'integer labels' if ndim == 1 else 'floating-point embeddings'
            pair = ' (or [2, T] for a training pair)' if name == 'gt_labels' else ''
            raise ValueError(f'EgoExoDataSample: {name} of video {video!r} must be '
                             f'{what} {shape}{pair}, got {array.dtype} {list(array.shape)}.')
        num_frames = self.metainfo.get('num_frames')
        if num_frames is not None and array.shape[0] != int(num_frames):
            raise ValueError(
                f'EgoExoDataSample: {name} of video {video!r} has {array.shape[0]} rows but '
                f'the video has num_frames={num_frames}: one per frame is expected.')


#: The two camera views of the benchmark, in the order of a training pair (view a, b).
CAMERA_VIEWS = ('ego', 'exo')

#: The three evaluation directions of a metric (suffixes of ``f1_*`` and ``map@k_*``):
#: ``'regular'`` (all frames on both sides), ``'ego2exo'`` (fit or query on ego frames,
#: score or retrieve among exo frames) and ``'exo2ego'`` (the reverse).
EVAL_VIEWS = ('regular', 'ego2exo', 'exo2ego')

#: What a model's stem reads (``model.stem.input_type`` and
#: ``model.data_preprocessor.input_type``), mapped to the rank of one frame:
#: ``'frames'``: normalised images ``[3, H, W]``; ``'patch_tokens'``: the frame encoder's
#: output ``[N, D]`` (the feature cache's exact mode); ``'frame_vectors'``: the token
#: selector's output ``[D]`` (the cache's compact mode).
FRAME_RANKS = {'frames': 3, 'patch_tokens': 2, 'frame_vectors': 1}
INPUT_TYPES = tuple(FRAME_RANKS)

__all__ = ['EgoExoDataSample', 'CAMERA_VIEWS', 'EVAL_VIEWS', 'FRAME_RANKS', 'INPUT_TYPES']
