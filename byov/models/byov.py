"""BYOV: Bootstrap Your Own Views (Park, Lee, Sohn, CVPR 2025).

Stem (frozen frame encoder -> token selector: frame vectors, also the targets) ->
backbone (the temporal encoder: the representation). Training reconstructs masked frame
vectors of a view from its own visible frames (MSM, causal decoder) and from the other
view (MCM, both directions). The stem can read pre-computed features instead of frames
(``stem.input_type``, docs/performance.md).
"""
from typing import List, Optional

import torch

from byov.registry import MASKING, MODELS
from .base import (BaseEgoExoModel, BaseMaskedDecoder, BaseTemporalEncoder, follow_width,
                   with_num_frames)


@MODELS.register_module()
class BYOV(BaseEgoExoModel):
    """Masked ego-exo modelling (shared vocabulary: :class:`BaseEgoExoModel`).

    Args:
        stem (dict): ``FrameStem``: inputs -> frame vectors ``[B, T, D]`` (frozen).
        backbone (dict): temporal encoder, ``[B, T, D] -> [B, T, E]``
            (a ``BaseTemporalEncoder``); the representation. ``in_channels`` left unset
            (None or absent) follows the stem's width D (``FrameStem.frame_width``).
        decoder (dict): masked-frame decoder, ``[B, K, E] -> [B, T, D]``
            (a ``BaseMaskedDecoder``); training only. Unset ``in_channels`` follows the
            backbone's ``embed_dims``, unset ``out_channels`` the stem's width D. Widths
            that are set are checked against these.
        num_frames (int): frames per training clip, set once: passed to the backbone and
            the decoder (their configs leave it out); ``loss`` refuses other lengths.
            Whole videos of any length are embedded in evaluation (positions
            interpolated, as the reference).
        self_view_masking (dict | None): MASKING strategy and ratio of MSM (reference:
            0.4). None switches masked self-view modelling off (the "without MSM"
            ablation): no ``loss_msm``.
        cross_view_masking (dict | None): MASKING strategy and ratio of MCM (reference:
            0.8). None switches masked cross-view modelling off (the "without MCM"
            ablation): no ``loss_mcm_*``. At least one of the two must stay on.
        loss (dict): reconstruction loss on the masked frames.
        reference_second_view_defect (bool): reproduce the reference code's defect:
            view b's self-view prediction skips the decoder blocks
            (``decoder.predict_without_blocks``), reading view b's *cross-view* masked
            decoder input, scored on view b's self-view mask. Only for reproducing
            reference numbers; off by default.
        data_preprocessor (dict | None): default ``EgoExoDataPreprocessor`` (CLIP's mean
            and std); its ``input_type`` must equal ``stem.input_type``.

    ``torch.compile``: use mmengine's ``compile=True`` in the config (or
    ``--cfg-options compile=True``); the Runner compiles ``train_step``, checkpoint keys
    stay the same.
    """

    NEEDS_NUM_FRAMES = True

    def __init__(self, stem: dict, backbone: dict, decoder: dict, num_frames: int,
                 self_view_masking: Optional[dict] = dict(type='RandomFrameMasking', ratio=0.4),
                 cross_view_masking: Optional[dict] = dict(type='RandomFrameMasking', ratio=0.8),
                 loss: dict = dict(type='MaskedReconstructionLoss'),
                 reference_second_view_defect: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg=None):
        super().__init__(stem, num_frames, data_preprocessor, init_cfg)
        # widths typed once: the frame encoder's (D) and the backbone's embed_dims (E)
        width = self.stem.frame_width
        backbone = follow_width(backbone, 'in_channels', width, 'backbone', 'BYOV',
                                'frame encoder width')
        self.backbone = MODELS.build(with_num_frames(backbone, num_frames, 'backbone', 'BYOV'))
        decoder = follow_width(decoder, 'in_channels', self.backbone.embed_dims, 'decoder',
                               'BYOV', 'backbone.embed_dims')
        decoder = follow_width(decoder, 'out_channels', width, 'decoder', 'BYOV',
                               'frame encoder width')
        self.decoder = MODELS.build(with_num_frames(decoder, num_frames, 'decoder', 'BYOV'))
        BaseTemporalEncoder.check(self.backbone, 'backbone', 'BYOV')
        BaseMaskedDecoder.check(self.decoder, 'decoder', 'BYOV')
        self.loss_module = MODELS.build(loss)
        self.self_view_masking = self._build_masking(self_view_masking, 'self_view_masking')
        self.cross_view_masking = self._build_masking(cross_view_masking, 'cross_view_masking')
        if self.self_view_masking is None and self.cross_view_masking is None:
            raise ValueError('BYOV: self_view_masking and cross_view_masking are both None, '
                             'so nothing would be trained; keep at least one of them.')
        if reference_second_view_defect and None in (self.self_view_masking,
                                                     self.cross_view_masking):
            raise ValueError('BYOV: reference_second_view_defect mixes the self-view and '
                             'cross-view passes and needs both maskings; set it to False.')
        self.reference_second_view_defect = reference_second_view_defect
        self._check_widths()
        if not self.backbone.interpolate_pos:
            raise ValueError(
                f'BYOV: backbone.interpolate_pos=False, but evaluation embeds whole videos, '
                f'which may be longer than its {num_frames} positions (model.num_frames); '
                'set backbone.interpolate_pos=True (the reference interpolates).')

    def _build_masking(self, cfg: Optional[dict], option: str):
        if cfg is None:  # this objective is switched off (ablation)
            return None
        try:
            strategy = MASKING.build(cfg)
        except (ValueError, TypeError) as err:
            raise type(err)(f'BYOV {option}: {err}') from err
        T = self.num_frames
        kept = strategy.num_keep(T)
        if not 1 <= kept < T:
            raise ValueError(
                f'BYOV {option}: ratio={strategy.ratio} keeps {kept} of the {T} frames of a '
                f'clip (model.num_frames); at least one frame must be kept and one masked.')
        return strategy

    def _check_widths(self):
        # cached features: the encoder is not built; the forward pass checks the width
        D = self.stem.out_channels or self.backbone.in_channels
        pairs = [('backbone.in_channels', self.backbone.in_channels, 'frame encoder width', D),
                 ('decoder.in_channels', self.decoder.in_channels,
                  'backbone.embed_dims', self.backbone.embed_dims),
                 ('decoder.out_channels', self.decoder.out_channels, 'frame encoder width', D)]
        for name, value, what, expected in pairs:
            if value != expected:
                raise ValueError(f'BYOV: {name}={value} does not match the {what} ({expected}); '
                                 f'set {name}={expected} in the model config.')

    def frame_vectors(self, inputs: torch.Tensor,
                      boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The stem with a width check: ``[B, T, *frame] -> [B, T, D]`` (the targets).
        ``boxes``: see :meth:`~byov.models.base.BaseEgoExoModel.frame_boxes`."""
        vectors = self.stem(inputs, boxes)
        if vectors.shape[-1] != self.backbone.in_channels:
            raise ValueError(
                f'BYOV: the {self.stem.input_type} give frame vectors of width '
                f'{vectors.shape[-1]} but backbone.in_channels={self.backbone.in_channels}: the '
                'feature cache was built with another frame encoder than this model config '
                'describes.')
        return vectors

    def extract_feat(self, inputs: torch.Tensor,
                     boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``[B, T, *frame] -> [B, T, E]``: stem, then backbone."""
        return self.backbone(self.frame_vectors(inputs, boxes))

    def self_view_predictions(self, target: torch.Tensor, ids_keep: torch.Tensor,
                              ids_restore: torch.Tensor) -> torch.Tensor:
        """Masked self-view modelling: ``target [B, T, D]`` frame vectors, a masking's
        ``ids_keep [B, K]`` and ``ids_restore [B, T]`` -> predictions ``[B, T, D]`` from
        the view's own kept frames. The backbone attends over all kept frames (earlier and
        later ones); only the decoder is causal (``decoder.causal``)."""
        return self.decoder(self.backbone(target, ids_keep), ids_restore)

    def cross_view_predictions(self, target: torch.Tensor, other_view: torch.Tensor,
                               ids_keep: torch.Tensor, ids_restore: torch.Tensor):
        """Masked cross-view modelling: the masked view plus the fully encoded other view
        ``other_view [B, T', E]``, full attention. Returns ``(predictions [B, T, D],
        latent [B, K, E])``."""
        latent = self.backbone(target, ids_keep)
        return self.decoder(latent, ids_restore, context=other_view), latent

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> dict:
        """``inputs: [B, 2, T, *frame]`` pairs (view a, view b), e.g. normalised frames
        ``[B, 2, T, 3, H, W]``; ``T`` must equal ``num_frames``.

        Returns ``loss_msm`` (self-view, both views pooled, as the reference),
        ``loss_mcm_a_from_b`` and ``loss_mcm_b_from_a`` (cross-view), weight 1 each;
        a term whose masking is None is left out.
        """
        self.check_inputs(inputs, 'loss')
        self.check_clip_length(inputs.shape[2])
        B = inputs.shape[0]
        # both views in one batch of 2B sequences: rows [:B] are view a, [B:] view b
        boxes = self.frame_boxes(data_samples)
        target = self.frame_vectors(  # [2B, T, D]
            inputs.transpose(0, 1).flatten(0, 1),
            None if boxes is None else boxes.transpose(0, 1).flatten(0, 1))
        T = target.shape[1]

        if self.self_view_masking is not None:
            keep, restore, mask_self = self.self_view_masking(2 * B, T, target.device)
            pred_self = self.self_view_predictions(target, keep, restore)

        if self.cross_view_masking is not None:
            other_view = self.backbone(target).roll(B, dims=0)  # [2B, T, E]: b then a
            keep, restore, mask_cross = self.cross_view_masking(2 * B, T, target.device)
            pred_cross, latent_cross = self.cross_view_predictions(target, other_view, keep,
                                                                   restore)
            if self.reference_second_view_defect:
                defect_b = self.decoder.predict_without_blocks(latent_cross[B:], restore[B:])
                pred_self = torch.cat([pred_self[:B], defect_b])

        losses = {}
        if self.self_view_masking is not None:
            losses['loss_msm'] = self.loss_module(pred_self, target, mask_self)
        if self.cross_view_masking is not None:
            losses['loss_mcm_a_from_b'] = self.loss_module(
                pred_cross[:B], target[:B], mask_cross[:B])
            losses['loss_mcm_b_from_a'] = self.loss_module(
                pred_cross[B:], target[B:], mask_cross[B:])
        return losses
