"""BYOV: Bootstrap Your Own Views (Park, Lee, Sohn, CVPR 2025); METHOD.md sections 1-5.

Frozen frame encoder -> token selector (frame vectors, also the targets) -> temporal
encoder (the representation). Training reconstructs masked frame vectors of a view from
its own visible frames (MSM, causal) and from the other view (MCM, both directions).
"""
from typing import List, Optional

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from byov.registry import MASKING, MODELS


@MODELS.register_module()
class BYOV(BaseModel):
    """Masked ego-exo modelling.

    Args:
        frame_encoder (dict): frozen frame encoder, ``[B, T, 3, H, W] -> [B, T, N, D]``.
        token_selector (dict): ``[B, T, N, D] -> [B, T, D]`` (STM or mean pooling).
        encoder (dict): temporal encoder, ``[B, T, D] -> [B, T, E]``.
        decoder (dict): masked-frame decoder, ``[B, K, E] -> [B, T, D]``.
        self_view_masking (dict): MASKING strategy and ratio of MSM (reference: 0.4).
        cross_view_masking (dict): MASKING strategy and ratio of MCM (reference: 0.8).
        loss (dict): reconstruction loss on the masked frames.
        reference_second_view_defect (bool): reproduce the reference code's defect
            (METHOD.md section 7): view b's self-view prediction skips the decoder blocks,
            the head reading view b's *cross-view* masked decoder input, scored on view b's
            self-view mask. Only for reproducing reference numbers; off by default.
        data_preprocessor (dict | None): default ``EgoExoDataPreprocessor`` with CLIP's
            mean and std.
    """

    def __init__(self, frame_encoder: dict, token_selector: dict, encoder: dict, decoder: dict,
                 self_view_masking: dict = dict(type='RandomFrameMasking', ratio=0.4),
                 cross_view_masking: dict = dict(type='RandomFrameMasking', ratio=0.8),
                 loss: dict = dict(type='MaskedReconstructionLoss'),
                 reference_second_view_defect: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg=None):
        # built here, not by BaseModel, which looks types up in mmengine's root registry
        super().__init__(data_preprocessor=MODELS.build(
            data_preprocessor or dict(type='EgoExoDataPreprocessor')), init_cfg=init_cfg)
        self.frame_encoder = MODELS.build(frame_encoder)
        self.token_selector = MODELS.build(token_selector)
        self.encoder = MODELS.build(encoder)
        self.decoder = MODELS.build(decoder)
        self.loss_module = MODELS.build(loss)
        self.self_view_masking = self._build_masking(self_view_masking, 'self_view_masking')
        self.cross_view_masking = self._build_masking(cross_view_masking, 'cross_view_masking')
        self.reference_second_view_defect = reference_second_view_defect
        self._check_widths()

    def _build_masking(self, cfg: dict, option: str):
        try:
            strategy = MASKING.build(cfg)
        except (ValueError, TypeError) as err:
            raise type(err)(f'BYOV {option}: {err}') from err
        T = self.encoder.num_frames
        kept = strategy.num_keep(T)
        if not 1 <= kept < T:
            raise ValueError(
                f'BYOV {option}: ratio={strategy.ratio} keeps {kept} of the {T} frames of a '
                f'clip (encoder.num_frames); at least one frame must be kept and one masked.')
        return strategy

    def _check_widths(self):
        D = self.frame_encoder.out_channels
        pairs = [('encoder.in_channels', self.encoder.in_channels, 'frame encoder width', D),
                 ('decoder.in_channels', self.decoder.in_channels,
                  'encoder.embed_dims', self.encoder.embed_dims),
                 ('decoder.out_channels', self.decoder.out_channels, 'frame encoder width', D)]
        for name, value, what, expected in pairs:
            if value != expected:
                raise ValueError(f'BYOV: {name}={value} does not match the {what} ({expected}); '
                                 f'set {name}={expected} in the model config.')

    def extract_feat(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames: [B, T, 3, H, W]`` -> frame vectors ``[B, T, D]`` (no gradient)."""
        return self.token_selector(self.frame_encoder(frames))

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``inputs``: pairs ``[B, 2, T, 3, H, W]`` or videos ``[B, L, 3, H, W]``.

        ``mode='loss'``: dict of losses (pairs). ``'predict'``: list of data samples with
        ``embeds`` (videos). ``'tensor'``: embeddings ``[B, 2, T, E]`` or ``[B, L, E]``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            lead = inputs.shape[:-4]
            embeds = self.encoder(self.extract_feat(inputs.flatten(0, len(lead) - 1)))
            return embeds.reshape(*lead, *embeds.shape[1:])
        raise ValueError(f"BYOV: mode must be 'loss', 'predict' or 'tensor', got {mode!r}.")

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> dict:
        """``inputs: [B, 2, T, 3, H, W]`` normalised pairs (view a, view b).

        Returns ``loss_msm`` (self-view, both views pooled, as the reference),
        ``loss_mcm_a_from_b`` and ``loss_mcm_b_from_a`` (cross-view), weight 1 each.
        """
        if inputs.dim() != 6 or inputs.shape[1] != 2:
            raise ValueError(f'BYOV.loss takes pairs [B, 2, T, 3, H, W], got {list(inputs.shape)}.')
        B = inputs.shape[0]
        # both views in one batch of 2B sequences: rows [:B] are view a, [B:] view b
        target = self.extract_feat(inputs.transpose(0, 1).flatten(0, 1))  # [2B, T, D]
        T = target.shape[1]
        full = self.encoder(target)  # [2B, T, E]

        # masked self-view modelling: a view's own visible frames, causal decoder
        keep, restore, mask_self = self.self_view_masking(2 * B, T, target.device)
        pred_self = self.decoder(self.encoder(target, keep), restore)

        # masked cross-view modelling: a masked view plus the other view, full attention
        keep, restore, mask_cross = self.cross_view_masking(2 * B, T, target.device)
        latent_cross = self.encoder(target, keep)
        other_view = torch.cat([full[B:], full[:B]])
        pred_cross = self.decoder(latent_cross, restore, context=other_view)

        if self.reference_second_view_defect:
            defect_b = self.decoder.head(self.decoder.restore(latent_cross[B:], restore[B:]))
            pred_self = torch.cat([pred_self[:B], defect_b])
        return dict(
            loss_msm=self.loss_module(pred_self, target, mask_self),
            loss_mcm_a_from_b=self.loss_module(pred_cross[:B], target[:B], mask_cross[:B]),
            loss_mcm_b_from_a=self.loss_module(pred_cross[B:], target[B:], mask_cross[B:]))

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """``inputs: [B, L, 3, H, W]`` normalised whole videos. One encoder pass, no masking.

        Returns one data sample per video: a copy of the input sample plus ``embeds``
        (np.float32 ``[L, E]``, one embedding per frame, in temporal order).
        """
        if inputs.dim() != 5:
            raise ValueError('BYOV.predict takes whole videos [B, L, 3, H, W], got '
                             f'{list(inputs.shape)}.')
        embeds = self.encoder(self.extract_feat(inputs))  # [B, L, E]
        outputs = []
        for i, video_embeds in enumerate(embeds):
            sample = data_samples[i].clone() if data_samples else BaseDataElement()
            sample.embeds = video_embeds.float().cpu().numpy()
            outputs.append(sample)
        return outputs
