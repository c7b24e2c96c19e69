"""AE2-style alignment baselines as one mmengine model: a temporal encoder trained to
align pairs of clips with an alignment loss (TCC, soft-DTW, DTW-contrastive, VAVA).

Two set-ups, one model:

- on BYOV's stem and backbone (the default): the frozen stem (frame encoder and token
  selector, or the feature cache) and BYOV's temporal encoder, the only part that learns
  (plus anything trainable in the loss), so that the comparison with BYOV isolates the
  objective;
- AE2's own encoder: a trainable per-frame embedder that returns ``[B, T, E]`` itself
  (:class:`~byov.models.frame_encoders.AE2ResNetEncoder`) as the stem's frame encoder, with
  ``stem.token_selector=None``, ``stem.frozen=False`` and ``backbone=None``.
"""
import inspect
from typing import Optional

import numpy as np
import torch

from byov.registry import MODELS
from byov.utils.errors import UserInputError
from ..base import BaseEgoExoModel, BaseTemporalEncoder, follow_width, with_num_frames
from .base import BaseAlignmentLoss


class UnsynchronisedPairsError(UserInputError, ValueError):
    """A loss that needs synchronised ego-exo pairs got pairs of unrelated videos."""


@MODELS.register_module()
class AlignmentModel(BaseEgoExoModel):
    """Stem -> backbone, trained by an alignment loss on pairs of clips (shared
    vocabulary: :class:`~byov.models.base.BaseEgoExoModel`).

    Args:
        stem (dict): ``FrameStem``: inputs -> frame vectors ``[B, T, D]``; frozen for
            BYOV's frame encoders, ``frozen=False`` for AE2's trainable encoder (whose
            input holds C frames per step: ``[B, C*T, 3, H, W]``).
        backbone (dict | None): a ``BaseTemporalEncoder``, ``[B, T, D] -> [B, T, E]``
            (``TemporalTransformerEncoder``); None: the frame vectors are the embeddings.
            ``in_channels`` left unset (None or absent) follows the stem's width D.
        loss (dict): the alignment objective, a
            :class:`~byov.models.alignment.base.BaseAlignmentLoss` (``TCCLoss``,
            ``SoftDTWLoss``, ``DTWContrastiveLoss``, ``VAVALoss``):
            ``forward(embeds_a [B, T, E], embeds_b [B, T, E]) -> scalar``; one with
            ``uses_frame_inds = True`` also gets ``steps``: the sampled frame indices of
            the first clip (``frame_inds`` of the data samples), ``[B, T]``; one with
            ``uses_pair_frame_inds = True`` (``SequenceContrastiveLoss``, ``LAVLoss``)
            gets ``steps_a`` / ``steps_b`` (both clips' indices) and ``lengths [B, 2]``
            (the videos' frame counts, ``video_lengths``); one with
            ``uses_labels = True`` (``PhaseClassificationLoss``, the supervised reference)
            gets ``labels_a`` / ``labels_b``, the pair samples' ``gt_labels [2, T]``. A
            loss whose class takes ``in_channels`` (a head on the embeddings) gets the
            embedding width when its config leaves it unset. Checked when the model is
            built.
        num_frames (int): frames (steps) per training clip, set once: passed to the
            backbone; ``loss`` refuses clips of another length.
        data_preprocessor (dict | nn.Module | None): normalises the uint8 frames.
        init_cfg (dict | None): mmengine initialisation config.
    """

    NEEDS_NUM_FRAMES = True

    def __init__(self, stem: dict, backbone: Optional[dict], loss: dict, num_frames: int,
                 data_preprocessor=None, init_cfg: Optional[dict] = None):
        super().__init__(stem, num_frames, data_preprocessor, init_cfg)
        if backbone:  # in_channels left unset follows the stem's width
            backbone = follow_width(backbone, 'in_channels', self.stem.frame_width,
                                    'backbone', 'AlignmentModel', 'frame encoder width')
        self.backbone = (MODELS.build(with_num_frames(backbone, num_frames, 'backbone',
                                                      'AlignmentModel'))
                         if backbone else None)
        if self.backbone is not None:
            BaseTemporalEncoder.check(self.backbone, 'backbone', 'AlignmentModel')
            width = self.stem.out_channels
            if width is not None and width != self.backbone.in_channels:
                raise ValueError(
                    f'AlignmentModel: backbone.in_channels={self.backbone.in_channels} does '
                    f'not match the frame encoder width ({width}); set '
                    f'backbone.in_channels={width} in the model config.')
        loss = self._with_embed_width(loss)
        self.loss_module = MODELS.build(loss)
        BaseAlignmentLoss.check(self.loss_module, 'loss', 'AlignmentModel')
        head_width = getattr(self.loss_module, 'in_channels', None)
        embed_width = self._embed_width()
        if head_width is not None and embed_width is not None and head_width != embed_width:
            raise ValueError(
                f'AlignmentModel: loss.in_channels={head_width} does not match the '
                f'embedding width ({embed_width}); leave loss.in_channels out of the config '
                '(the model sets it) or set it to the embedding width.')
        if not any(p.requires_grad for p in self.parameters()):
            raise ValueError('AlignmentModel: nothing to train (the stem is frozen and there '
                             'is no backbone); add a backbone or use a trainable frame '
                             'encoder with stem.frozen=False.')

    def _embed_width(self) -> Optional[int]:
        """E: the backbone's ``embed_dims``, or the frame width without a backbone."""
        return (self.backbone.embed_dims if self.backbone is not None
                else self.stem.frame_width())

    def _with_embed_width(self, loss: dict) -> dict:
        """``loss`` with ``in_channels`` set to E when its class takes ``in_channels`` (a
        trainable head on the embeddings) and the config leaves it unset."""
        loss_type = loss.get('type') if isinstance(loss, dict) else None
        loss_cls = loss_type if isinstance(loss_type, type) else (
            MODELS.get(loss_type) if loss_type is not None else None)
        if loss_cls is None or 'in_channels' not in inspect.signature(
                loss_cls.__init__).parameters:
            return loss
        return follow_width(loss, 'in_channels', self._embed_width, 'loss',
                            'AlignmentModel', 'embedding width')

    def loss(self, inputs: torch.Tensor, data_samples=None) -> dict:
        """``inputs [B, 2, T, *frame]`` (view a, view b) -> ``dict(loss_align=scalar)``."""
        self.check_inputs(inputs, 'loss')
        batch = inputs.shape[0]
        boxes = self.frame_boxes(data_samples)
        embeds = self.extract_feat(
            inputs.flatten(0, 1), None if boxes is None else boxes.flatten(0, 1),
        ).unflatten(0, (batch, 2))
        num_frames = embeds.shape[2]  # input frames / C for an encoder with context
        self.check_clip_length(num_frames)
        kwargs = {}
        if self.loss_module.uses_frame_inds:
            steps = self._first_view_frame_inds(data_samples, batch, num_frames)
            if steps is not None:
                kwargs['steps'] = steps.to(embeds.device)
        if getattr(self.loss_module, 'needs_synchronised_pairs', False):
            self._check_synchronised(data_samples)
        if getattr(self.loss_module, 'uses_video_names', False):
            kwargs['video_names'] = [tuple(s.metainfo.get('video_names', ('?', '?')))
                                     for s in data_samples or ()] or None
        if self.loss_module.uses_pair_frame_inds:
            kwargs.update(self._pair_frame_inds(data_samples, batch, num_frames, embeds.device))
        if self.loss_module.uses_labels:
            labels = self._pair_labels(data_samples, batch, num_frames)
            kwargs.update(labels_a=labels[:, 0].to(embeds.device),
                          labels_b=labels[:, 1].to(embeds.device))
        loss = self.loss_module(embeds[:, 0], embeds[:, 1], **kwargs)
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            shape = list(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValueError(
                f'AlignmentModel: loss {type(self.loss_module).__name__} returned {shape}; a '
                'BaseAlignmentLoss returns a 0-dimensional tensor (reduce it, e.g. .mean(), '
                'in its forward).')
        return dict(loss_align=loss)

    def _check_synchronised(self, data_samples):
        """Refuse pairs that are not synchronised takes for a loss that needs them."""
        pairings = {s.metainfo.get('pairing') for s in data_samples or ()} or {None}
        if pairings != {'synchronised'}:
            name = type(self.loss_module).__name__
            found = ', '.join(sorted(str(p) for p in pairings))
            raise UnsynchronisedPairsError(
                f'AlignmentModel: loss {name} takes frame t of view a and frame t of view b '
                f'as the same moment of one take, but the training pairs are not '
                f'synchronised (pairing: {found}). Set train_dataloader.dataset to '
                "type='SynchronisedEgoExoPairDataset', pairing='synchronised' (it needs a "
                'dataset recorded with synchronised cameras and its pair list, docs/data.md '
                '"Synchronised pairs"), or choose an objective for unpaired videos.')

    def _pair_labels(self, data_samples, batch, num_frames) -> torch.Tensor:
        """``[B, 2, T]`` phase labels of the sampled frames of both views (the pair
        samples' ``gt_labels``); a loss with ``uses_labels`` cannot train without them."""
        name = type(self.loss_module).__name__
        labels = [s.get('gt_labels') for s in data_samples or ()]
        if len(labels) != batch or any(lab is None for lab in labels):
            raise ValueError(
                f'AlignmentModel: loss {name} trains on phase labels, but the training '
                'pairs carry none (data field gt_labels [2, T]); end train_pipeline with '
                "PackEgoExoInputs or PackEgoExoBoxInputs, which pack the sampled frames' "
                'labels of a pair (its clips need gt_labels and frame_inds).')
        labels = torch.stack([torch.as_tensor(np.asarray(lab)) for lab in labels])
        if labels.shape != (batch, 2, num_frames):
            raise ValueError(f'AlignmentModel: gt_labels of the training pairs have shape '
                             f'{tuple(labels.shape)}, expected {(batch, 2, num_frames)}.')
        return labels.long()

    @staticmethod
    def _pair_frame_inds(data_samples, batch, num_frames, device) -> dict:
        """``steps_a``, ``steps_b`` ``[B, T]`` (the sampled frame indices of both views)
        and ``lengths [B, 2]`` (the two videos' frame counts), each only where every data
        sample carries it (``frame_inds``, ``video_lengths``)."""
        if not data_samples or len(data_samples) != batch:
            return {}
        out = {}
        inds = [s.metainfo.get('frame_inds') for s in data_samples]
        if all(i is not None for i in inds):
            steps = torch.as_tensor(np.stack([np.stack([np.asarray(v) for v in i])
                                              for i in inds]))
            if steps.shape != (batch, 2, num_frames):
                raise ValueError(f'AlignmentModel: frame_inds of the training pairs have '
                                 f'shape {tuple(steps.shape)}, expected '
                                 f'{(batch, 2, num_frames)}.')
            out.update(steps_a=steps[:, 0].to(device), steps_b=steps[:, 1].to(device))
        lengths = [s.metainfo.get('video_lengths') for s in data_samples]
        if all(n is not None for n in lengths):
            out['lengths'] = torch.as_tensor(np.asarray(lengths, dtype=np.int64)).to(device)
        return out

    @staticmethod
    def _first_view_frame_inds(data_samples, batch, num_frames) -> Optional[torch.Tensor]:
        """``[B, T]`` sampled frame indices of view a, or None if the samples lack them."""
        if not data_samples or len(data_samples) != batch:
            return None
        inds = [s.metainfo.get('frame_inds') for s in data_samples]
        if any(i is None for i in inds):
            return None
        steps = torch.as_tensor(np.stack([np.asarray(i[0]) for i in inds]))
        if steps.shape != (batch, num_frames):
            raise ValueError(f'AlignmentModel: frame_inds of view a have shape '
                             f'{tuple(steps.shape)}, expected {(batch, num_frames)}.')
        return steps
