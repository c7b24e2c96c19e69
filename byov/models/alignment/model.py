"""AE2-style alignment baselines as one mmengine model: a temporal encoder trained to
align pairs of clips with an alignment loss (TCC, soft-DTW, DTW-contrastive, VAVA).

Two set-ups, one model:

- on BYOV's backbone (the default): BYOV's frozen frame encoder and token selector, and
  only the temporal encoder (plus anything trainable in the loss) learns, so that the
  comparison with BYOV isolates the objective;
- AE2's own encoder (docs/method.md section 9): a trainable per-frame embedder that returns
  ``[B, T, E]`` itself (:class:`~byov.models.alignment.AE2ResNetEncoder`), with
  ``token_selector=None``, ``temporal_encoder=None`` and ``freeze_frame_encoder=False``.
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
        frame_encoder (dict): frame encoder, ``[B, T, 3, H, W] -> [B, T, N, D]``
            (e.g. ``CLIPVisionEncoder``, ``TinyPatchEncoder``), or an encoder that returns
            frame vectors ``[B, T, D]`` itself (``AE2ResNetEncoder``, whose input holds
            C frames per step: ``[B, C*T, 3, H, W]``).
        token_selector (dict | None): ``[B, T, N, D] -> [B, T, D]``
            (``SelectiveTokenMerging``, ``MeanTokenPooling``); None when the frame
            encoder already returns ``[B, T, D]``.
        temporal_encoder (dict | None): ``forward(x [B, T, D]) -> [B, T, E]``
            (``TemporalTransformerEncoder``); None: the frame vectors are the embeddings.
        align_loss (dict): ``forward(embeds_a [B, T, E], embeds_b [B, T, E]) -> scalar``
            (``TCCLoss``, ``SoftDTWLoss``, ``DTWContrastiveLoss``, ``VAVALoss``). A loss
            with ``uses_frame_inds = True`` also gets ``steps``: the sampled frame indices
            of the first clip (``frame_inds`` of the data samples), ``[B, T]``.
        freeze_frame_encoder (bool): keep the frame encoder frozen (no gradient, eval
            mode), True; False trains it with the rest (AE2's encoder).
        data_preprocessor (dict | nn.Module | None): normalises the uint8 frames; a dict is
            built from byov's registry.
        init_cfg (dict | None): mmengine initialisation config.

    Modes of :meth:`forward`: ``'loss'`` on a batch of training pairs, ``'predict'`` on
    whole videos (the contract of docs/architecture.md), ``'tensor'`` returns the
    embeddings of clips ``[B, T, 3, H, W]`` as ``[B, T, E]``.
    """

    def __init__(self, frame_encoder: dict, token_selector: Optional[dict],
                 temporal_encoder: Optional[dict], align_loss: dict,
                 freeze_frame_encoder: bool = True,
                 data_preprocessor: Optional[Union[dict, torch.nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.freeze_frame_encoder = freeze_frame_encoder
        self.frame_encoder = MODELS.build(frame_encoder)
        if freeze_frame_encoder:
            for param in self.frame_encoder.parameters():
                param.requires_grad_(False)
        self.token_selector = MODELS.build(token_selector) if token_selector else None
        self.temporal_encoder = MODELS.build(temporal_encoder) if temporal_encoder else None
        self.align_loss = MODELS.build(align_loss)
        if not any(p.requires_grad for p in self.parameters()):
            raise ValueError('AlignmentModel: nothing to train (the frame encoder is frozen '
                             'and there is no temporal_encoder); add a temporal_encoder or '
                             'set freeze_frame_encoder=False.')

    def train(self, mode: bool = True):
        """A frozen frame encoder stays in eval mode."""
        super().train(mode)
        if self.freeze_frame_encoder:
            self.frame_encoder.eval()
        return self

    def frame_vectors(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> [B, T, D]``: frame encoder and token selector
        (without autograd when the frame encoder is frozen)."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_frame_encoder):
            vectors = self.frame_encoder(frames)
            return vectors if self.token_selector is None else self.token_selector(vectors)

    def extract_feat(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, T, 3, H, W] -> embeddings [B, T, E]``."""
        vectors = self.frame_vectors(frames)
        return vectors if self.temporal_encoder is None else self.temporal_encoder(vectors)

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
        batch = inputs.shape[0]
        embeds = self.extract_feat(inputs.flatten(0, 1)).unflatten(0, (batch, 2))
        num_frames = embeds.shape[2]  # input frames / C for an encoder with context
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
