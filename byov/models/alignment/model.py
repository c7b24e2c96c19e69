"""AE2-style alignment baselines as one mmengine model: a temporal encoder trained to
align pairs of clips with an alignment loss (TCC, soft-DTW, DTW-contrastive, VAVA).

AE2 trained a ResNet-50 + conv3d embedder end to end; here the baselines share BYOV's
frozen frame encoder and token selector, and only the temporal encoder (plus anything
trainable in the loss) learns, so that the comparison isolates the objective.
"""
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from byov.registry import MODELS


@MODELS.register_module()
class AlignmentModel(BaseModel):
    """Frozen frame encoder -> token selector -> temporal encoder, trained by an
    alignment loss on pairs of clips.

    Args:
        frame_encoder (dict): frozen frame encoder, ``[B, T, 3, H, W] -> [B, T, N, D]``
            (e.g. ``CLIPVisionEncoder``, ``TinyPatchEncoder``).
        token_selector (dict): ``[B, T, N, D] -> [B, T, D]`` (``SelectiveTokenMerging``,
            ``MeanTokenPooling``).
        temporal_encoder (dict): ``forward(x [B, T, D]) -> [B, T, E]``
            (``TemporalTransformerEncoder``).
        align_loss (dict): ``forward(embeds_a [B, T, E], embeds_b [B, T, E]) -> scalar``
            (``TCCLoss``, ``SoftDTWLoss``, ``DTWContrastiveLoss``, ``VAVALoss``). A loss
            with ``uses_frame_inds = True`` also gets ``steps``: the sampled frame indices
            of the first clip (``frame_inds`` of the data samples), ``[B, T]``.
        data_preprocessor (dict | nn.Module | None): normalises the uint8 frames; a dict is
            built from byov's registry.
        init_cfg (dict | None): mmengine initialisation config.

    Modes of :meth:`forward`: ``'loss'`` on a batch of training pairs, ``'predict'`` on
    whole videos (the contract of docs/architecture.md), ``'tensor'`` returns the
    embeddings of clips ``[B, T, 3, H, W]`` as ``[B, T, E]``.
    """

    def __init__(self, frame_encoder: dict, token_selector: dict, temporal_encoder: dict,
                 align_loss: dict, data_preprocessor: Optional[Union[dict, torch.nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.frame_encoder = MODELS.build(frame_encoder)
        for param in self.frame_encoder.parameters():
            param.requires_grad_(False)
        self.token_selector = MODELS.build(token_selector)
        self.temporal_encoder = MODELS.build(temporal_encoder)
        self.align_loss = MODELS.build(align_loss)

    def train(self, mode: bool = True):
        """The frame encoder stays in eval mode: it is frozen."""
        super().train(mode)
        self.frame_encoder.eval()
        return self

    @torch.no_grad()
    def frame_vectors(self, frames: torch.Tensor) -> torch.Tensor:
        """Frozen part: ``frames [B, T, 3, H, W] -> [B, T, D]``."""
        return self.token_selector(self.frame_encoder(frames))

    def extract_feat(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> embeddings [B, T, E]``."""
        return self.temporal_encoder(self.frame_vectors(frames))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise RuntimeError(f"AlignmentModel: mode must be 'loss', 'predict' or 'tensor', "
                           f'got {mode!r}.')

    def loss(self, inputs: torch.Tensor, data_samples=None) -> dict:
        """``inputs [B, 2, T, 3, H, W]`` (view a, view b) -> ``dict(loss_align=scalar)``."""
        if inputs.dim() != 6 or inputs.shape[1] != 2:
            raise ValueError('AlignmentModel.loss takes training pairs [B, 2, T, 3, H, W]; '
                             f'got {tuple(inputs.shape)}.')
        batch, _, num_frames = inputs.shape[:3]
        embeds = self.extract_feat(inputs.flatten(0, 1)).unflatten(0, (batch, 2))
        kwargs = {}
        if getattr(self.align_loss, 'uses_frame_inds', False):
            steps = self._first_view_frame_inds(data_samples, batch, num_frames)
            if steps is not None:
                kwargs['steps'] = steps.to(embeds.device)
        return dict(loss_align=self.align_loss(embeds[:, 0], embeds[:, 1], **kwargs))

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

    @torch.no_grad()
    def predict(self, inputs, data_samples) -> List:
        """Embed whole videos.

        Args:
            inputs: ``[B, L, 3, H, W]`` or a list of ``[L_i, 3, H, W]``, one video each.
            data_samples: one per video.

        Returns:
            The samples, each cloned with the data field ``embeds`` (np.float32 ``[L, E]``).
        """
        if len(inputs) != len(data_samples):
            raise ValueError(f'AlignmentModel.predict: {len(inputs)} videos but '
                             f'{len(data_samples)} data samples.')
        outputs = []
        for frames, sample in zip(inputs, data_samples):
            embeds = self.extract_feat(frames[None])[0]
            out = sample.clone()
            out.embeds = np.ascontiguousarray(embeds.float().cpu().numpy(), dtype=np.float32)
            outputs.append(out)
        return outputs
