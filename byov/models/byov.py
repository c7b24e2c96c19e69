"""BYOV: Bootstrap Your Own Views (Park, Lee, Sohn, CVPR 2025); METHOD.md sections 1-5.

Frozen frame encoder -> token selector (frame vectors, also the targets) -> temporal
encoder (the representation). Training reconstructs masked frame vectors of a view from
its own visible frames (MSM, causal) and from the other view (MCM, both directions).
The frozen part can be skipped by reading pre-computed features (``input_type``,
docs/performance.md).
"""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from byov.registry import MASKING, MODELS
from .data_preprocessor import INPUT_TYPES

# the trailing shape of one frame for each input type
FRAME_SHAPES = {'frames': '3, H, W', 'patch_tokens': 'N, D', 'frame_vectors': 'D'}


@MODELS.register_module()
class BYOV(BaseModel):
    """Masked ego-exo modelling.

    Args:
        frame_encoder (dict): frozen frame encoder, ``[B, T, 3, H, W] -> [B, T, N, D]``.
        token_selector (dict): ``[B, T, N, D] -> [B, T, D]`` (STM or mean pooling).
        encoder (dict): temporal encoder, ``[B, T, D] -> [B, T, E]``.
        decoder (dict): masked-frame decoder, ``[B, K, E] -> [B, T, D]``.
        self_view_masking (dict | None): MASKING strategy and ratio of MSM (reference:
            0.4). None switches masked self-view modelling off (the "without MSM"
            ablation): no ``loss_msm``.
        cross_view_masking (dict | None): MASKING strategy and ratio of MCM (reference:
            0.8). None switches masked cross-view modelling off (the "without MCM"
            ablation): no ``loss_mcm_*``. At least one of the two must stay on.
        loss (dict): reconstruction loss on the masked frames.
        reference_second_view_defect (bool): reproduce the reference code's defect
            (METHOD.md section 7): view b's self-view prediction skips the decoder blocks,
            the head reading view b's *cross-view* masked decoder input, scored on view b's
            self-view mask. Only for reproducing reference numbers; off by default.
        input_type (str): what the model reads. ``'frames'``: normalised frames (the
            frame encoder and token selector run here). ``'patch_tokens'``: the frame
            encoder's output from the feature cache's exact mode (the encoder is not
            built; the selector runs here on the sampled clip). ``'frame_vectors'``: the
            token selector's output from the cache's compact mode (neither runs here).
            ``data_preprocessor.input_type`` must be the same.
        torch_compile (bool | dict): compile the temporal encoder and the decoder with
            ``torch.compile`` (a dict: its keyword arguments, e.g. ``dict(dynamic=True)``).
            Checkpoint keys do not change. Off by default: see docs/performance.md.
        data_preprocessor (dict | None): default ``EgoExoDataPreprocessor`` with CLIP's
            mean and std.
    """

    def __init__(self, frame_encoder: Optional[dict], token_selector: dict, encoder: dict,
                 decoder: dict,
                 self_view_masking: Optional[dict] = dict(type='RandomFrameMasking', ratio=0.4),
                 cross_view_masking: Optional[dict] = dict(type='RandomFrameMasking', ratio=0.8),
                 loss: dict = dict(type='MaskedReconstructionLoss'),
                 reference_second_view_defect: bool = False, input_type: str = 'frames',
                 torch_compile: Union[bool, dict] = False,
                 data_preprocessor: Optional[dict] = None, init_cfg=None):
        # built here, not by BaseModel, which looks types up in mmengine's root registry
        super().__init__(data_preprocessor=MODELS.build(
            data_preprocessor or dict(type='EgoExoDataPreprocessor')), init_cfg=init_cfg)
        self._check_input_type(input_type, frame_encoder)
        self.input_type = input_type
        # with cached features the frozen encoder is not needed (nor loaded)
        self.frame_encoder = MODELS.build(frame_encoder) if input_type == 'frames' else None
        self.token_selector = MODELS.build(token_selector)
        self.encoder = MODELS.build(encoder)
        self.decoder = MODELS.build(decoder)
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
        self._check_positions()
        if torch_compile:
            kwargs = torch_compile if isinstance(torch_compile, dict) else {}
            self.encoder.compile(**kwargs)  # in place: state_dict keys stay the same
            self.decoder.compile(**kwargs)

    def _check_input_type(self, input_type: str, frame_encoder: Optional[dict]):
        if input_type not in INPUT_TYPES:
            raise ValueError(f'BYOV: input_type must be one of {INPUT_TYPES}, got '
                             f'{input_type!r}.')
        if input_type == 'frames' and frame_encoder is None:
            raise ValueError("BYOV: input_type='frames' needs a frame_encoder config.")
        preprocessor_type = getattr(self.data_preprocessor, 'input_type', 'frames')
        if preprocessor_type != input_type:
            raise ValueError(
                f'BYOV: input_type={input_type!r} but data_preprocessor.input_type='
                f'{preprocessor_type!r}; set both to {input_type!r} in the model config.')

    def _build_masking(self, cfg: Optional[dict], option: str):
        if cfg is None:  # this objective is switched off (ablation)
            return None
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
        D = (self.frame_encoder.out_channels if self.frame_encoder is not None
             else self.encoder.in_channels)
        pairs = [('encoder.in_channels', self.encoder.in_channels, 'frame encoder width', D),
                 ('decoder.in_channels', self.decoder.in_channels,
                  'encoder.embed_dims', self.encoder.embed_dims),
                 ('decoder.out_channels', self.decoder.out_channels, 'frame encoder width', D)]
        for name, value, what, expected in pairs:
            if value != expected:
                raise ValueError(f'BYOV: {name}={value} does not match the {what} ({expected}); '
                                 f'set {name}={expected} in the model config.')

    def _check_positions(self):
        """Fail now, not at the first validation or step: evaluation embeds whole videos
        (any length) and the decoder restores clips of ``encoder.num_frames`` frames."""
        T = self.encoder.num_frames
        if not self.encoder.interpolate_pos:
            raise ValueError(
                f'BYOV: encoder.interpolate_pos=False, but evaluation embeds whole videos, '
                f'which may be longer than its {T} positions (encoder.num_frames); set '
                'encoder.interpolate_pos=True (the reference interpolates).')
        if self.decoder.num_frames < T and not self.decoder.interpolate_pos:
            raise ValueError(
                f'BYOV: decoder.num_frames={self.decoder.num_frames} is shorter than the '
                f'{T}-frame clips it restores (encoder.num_frames) and '
                f'decoder.interpolate_pos=False; set decoder.num_frames={T} or '
                'decoder.interpolate_pos=True.')

    def ignorable_checkpoint_prefixes(self):
        """Checkpoint keys that may be absent or extra (byov.utils.checkpoint_keys): with
        cached features there is no frame encoder, so a full checkpoint's is skipped."""
        return () if self.input_type == 'frames' else ('frame_encoder.',)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Sequences ``[B, T, *frame]`` of ``input_type`` -> frame vectors ``[B, T, D]``
        (no gradient): frames ``[B, T, 3, H, W]`` go through the frame encoder and the
        token selector, patch tokens ``[B, T, N, D]`` through the selector, frame
        vectors ``[B, T, D]`` are returned as they are."""
        if self.input_type == 'frames':
            return self.token_selector(self.frame_encoder(inputs))
        if inputs.shape[-1] != self.encoder.in_channels:
            raise ValueError(
                f'BYOV: the {self.input_type} have width {inputs.shape[-1]} but '
                f'encoder.in_channels={self.encoder.in_channels}: the feature cache was built '
                'with another frame encoder than this model config describes.')
        return self.token_selector(inputs) if self.input_type == 'patch_tokens' else inputs

    def _check_shape(self, inputs: torch.Tensor, what: str):
        """``what``: 'loss' (pairs ``[B, 2, T, *frame]``) or 'predict' (whole videos
        ``[B, L, *frame]``)."""
        items, lead = ('pairs', 'B, 2, T') if what == 'loss' else ('whole videos', 'B, L')
        frame = FRAME_SHAPES[self.input_type]
        if inputs.dim() != lead.count(',') + 2 + frame.count(',') or (
                what == 'loss' and inputs.shape[1] != 2):
            raise ValueError(f'BYOV.{what} takes {items} [{lead}, {frame}] ({self.input_type}), '
                             f'got {list(inputs.shape)}.')

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``inputs``: pairs ``[B, 2, T, *frame]`` or videos ``[B, L, *frame]``, where a
        frame is ``[3, H, W]``, ``[N, D]`` or ``[D]`` according to ``input_type``.

        ``mode='loss'``: dict of losses (pairs). ``'predict'``: list of data samples with
        ``embeds`` (videos). ``'tensor'``: embeddings ``[B, 2, T, E]`` or ``[B, L, E]``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            lead = inputs.shape[:inputs.dim() - 2 - FRAME_SHAPES[self.input_type].count(',')]
            embeds = self.encoder(self.extract_feat(inputs.flatten(0, len(lead) - 1)))
            return embeds.reshape(*lead, *embeds.shape[1:])
        raise ValueError(f"BYOV: mode must be 'loss', 'predict' or 'tensor', got {mode!r}.")

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> dict:
        """``inputs: [B, 2, T, *frame]`` pairs (view a, view b), e.g. normalised frames
        ``[B, 2, T, 3, H, W]``.

        Returns ``loss_msm`` (self-view, both views pooled, as the reference),
        ``loss_mcm_a_from_b`` and ``loss_mcm_b_from_a`` (cross-view), weight 1 each;
        a term whose masking is None is left out.
        """
        self._check_shape(inputs, 'loss')
        B = inputs.shape[0]
        # both views in one batch of 2B sequences: rows [:B] are view a, [B:] view b
        target = self.extract_feat(inputs.transpose(0, 1).flatten(0, 1))  # [2B, T, D]
        T = target.shape[1]

        if self.self_view_masking is not None:
            # masked self-view modelling: a view's own visible frames, causal decoder
            keep, restore, mask_self = self.self_view_masking(2 * B, T, target.device)
            pred_self = self.decoder(self.encoder(target, keep), restore)

        if self.cross_view_masking is not None:
            # masked cross-view modelling: a masked view plus the other view, full attention
            other_view = self.encoder(target).roll(B, dims=0)  # [2B, T, E]: b then a
            keep, restore, mask_cross = self.cross_view_masking(2 * B, T, target.device)
            latent_cross = self.encoder(target, keep)
            pred_cross = self.decoder(latent_cross, restore, context=other_view)
            if self.reference_second_view_defect:
                defect_b = self.decoder.head(self.decoder.restore(latent_cross[B:], restore[B:]))
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

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """``inputs: [B, L, *frame]`` whole videos, e.g. normalised frames
        ``[B, L, 3, H, W]``. One encoder pass, no masking.

        Returns one data sample per video: a copy of the input sample plus ``embeds``
        (np.float32 ``[L, E]``, one embedding per frame, in temporal order).
        """
        self._check_shape(inputs, 'predict')
        embeds = self.encoder(self.extract_feat(inputs))  # [B, L, E]
        outputs = []
        for i, video_embeds in enumerate(embeds):
            sample = data_samples[i].clone() if data_samples else BaseDataElement()
            sample.embeds = video_embeds.float().cpu().numpy()
            outputs.append(sample)
        return outputs
