"""AE2's own frame embedder: a 2-D ResNet to layer3 on each frame and its context frames,
Conv3d x2 over them, global max-pool, MLP -> E.

Reference: AE2 (Xue and Grauman, NeurIPS 2023), ``Embedder`` in ``models/embedder.py`` of
zihuixue/AlignEgoExo (the non-object-centric ``--task align`` encoder), itself TCC's
embedder. Frame layout and context: for every step t the encoder sees
``num_context_steps`` frames, ``t - (C-1) * stride, ..., t - stride, t`` (clamped to the
video; AE2: C=2, stride 15), which the data pipeline loads
(``LoadClipFromCache`` / ``LoadVideoFromCache`` with ``num_context_steps`` and
``context_stride``): the input is ``[B, C*T, 3, H, W]``, grouped by step, oldest first.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from byov.registry import MODELS


@MODELS.register_module()
class AE2ResNetEncoder(BaseModule):
    """Trainable per-frame embedder with temporal context, ``[B, C*T, 3, H, W] -> [B, T, E]``.

    1. mmaction2's 2-D ``ResNet`` (``depth``, stages 1-3: layer4 and the classifier are
       not built) on every frame: ``[F, h, w]`` per frame (F = 1024 for depth 50; 16x
       downsampling, 14x14 at 224);
    2. the C frames of a step stacked on a time axis, dropout, then
       ``Conv3d(F, H, 3, padding=1) + BN + ReLU`` twice (H = ``hidden_dims``, 256);
    3. max-pool over time and space (AE2's ``MaxPool3d((C, 14, 14))`` at 224 covers the
       whole map: a global max);
    4. ``[Dropout, Linear(H, H), ReLU] x 2`` and ``Linear(H, E)`` (E = ``embed_dims``, 128).

    Args:
        depth (int): ResNet depth (AE2: 50; 18 for quick tests).
        pretrained (str | None): the ResNet's ImageNet weights: a local file or URL of a
            torchvision ResNet state dict (AE2 used torchvision's
            ``https://download.pytorch.org/models/resnet50-19c8e357.pth``), loaded by
            mmaction2's ``ResNet.init_weights`` (the mmengine Runner calls it before
            training). None: random (Kaiming) initialisation.
        num_context_steps (int): C, frames per step (AE2: 2), the last one being the
            step's own frame.
        hidden_dims (int): H, width of the Conv3d and MLP layers (256).
        embed_dims (int): E, the output width (AE2's ``embedding_size``, 128).
        dropout (float): dropout before the Conv3d layers and in the MLP (0.1).
        frozen_stages (int): ResNet stages without gradient (AE2's ``--freeze_base``:
            3); -1 trains everything (AE2's default).
        norm_eval (bool): keep the ResNet's BatchNorm statistics fixed in training.
        chunk_size (int | None): steps embedded at a time in eval mode, to bound memory
            on whole videos (the result does not depend on it). Training always runs one
            pass (BatchNorm batch statistics).
        reference_context_layout (bool): reproduce AE2's reshape, which views the ResNet
            output ``[steps*C, F, h, w]`` as ``[steps, F, C, h, w]`` without moving the
            axes, so the Conv3d's "time" axis holds pairs of neighbouring channels and
            its channel axis the C frames' channels one after another. Needed only to
            load AE2's released weights; the default stacks the frames on the time axis.
        init_cfg (dict | None): mmengine initialisation config of the heads.
    """

    def __init__(self, depth: int = 50, pretrained: Optional[str] = None,
                 num_context_steps: int = 2, hidden_dims: int = 256, embed_dims: int = 128,
                 dropout: float = 0.1, frozen_stages: int = -1, norm_eval: bool = False,
                 chunk_size: Optional[int] = 64, reference_context_layout: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if isinstance(num_context_steps, bool) or not isinstance(num_context_steps, int) \
                or num_context_steps < 1:
            raise ValueError(f'{name}: num_context_steps must be an int >= 1, got '
                             f'{num_context_steps!r}.')
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f'{name}: chunk_size must be >= 1 or None, got {chunk_size}.')
        self.num_context_steps = num_context_steps
        self.chunk_size = chunk_size
        self.reference_context_layout = reference_context_layout
        self.out_channels = embed_dims
        # imported here, not with the module: importing byov leaves mmaction2 alone
        from byov.utils.compat import import_mmaction_models
        self.backbone = import_mmaction_models().backbones.ResNet(
            depth=depth, pretrained=pretrained, num_stages=3, out_indices=(2, ),
            strides=(1, 2, 2), dilations=(1, 1, 1), frozen_stages=frozen_stages,
            norm_eval=norm_eval)
        in_channels = self.backbone.feat_dim
        self.dropout = nn.Dropout(dropout)
        self.conv_layers = nn.Sequential(
            nn.Conv3d(in_channels, hidden_dims, kernel_size=3, padding=1),
            nn.BatchNorm3d(hidden_dims), nn.ReLU(),
            nn.Conv3d(hidden_dims, hidden_dims, kernel_size=3, padding=1),
            nn.BatchNorm3d(hidden_dims), nn.ReLU())
        self.pool = nn.AdaptiveMaxPool3d(1)
        self.fc_layers = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(hidden_dims, hidden_dims), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden_dims, hidden_dims), nn.ReLU())
        self.embedding_layer = nn.Linear(hidden_dims, embed_dims)

    def embed_steps(self, frames: torch.Tensor) -> torch.Tensor:
        """``[S*C, 3, H, W]`` (S steps of C frames, oldest first) -> ``[S, E]``."""
        C = self.num_context_steps
        feats = self.backbone(frames)  # [S*C, F, h, w]
        F, h, w = feats.shape[1:]
        if self.reference_context_layout:  # AE2's view: channels and frames interleaved
            feats = feats.reshape(-1, F, C, h, w)
        else:  # the C frames of a step on the time axis
            feats = feats.reshape(-1, C, F, h, w).transpose(1, 2)  # [S, F, C, h, w]
        x = self.pool(self.conv_layers(self.dropout(feats))).flatten(1)  # [S, H]
        return self.embedding_layer(self.fc_layers(x))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames [B, C*T, 3, H, W]`` normalised, grouped by step (context frames first)
        -> per-step embeddings ``[B, T, E]``."""
        B, num_inputs = frames.shape[:2]
        C = self.num_context_steps
        if frames.dim() != 5 or num_inputs % C:
            raise ValueError(
                f'{type(self).__name__} takes [B, C*T, 3, H, W] with C=num_context_steps='
                f'{C} frames per step; got {tuple(frames.shape)}. Load the context frames '
                f'with LoadClipFromCache / LoadVideoFromCache(num_context_steps={C}).')
        steps = frames.reshape(-1, C, *frames.shape[2:])  # [B*T, C, 3, H, W]
        chunk = steps.shape[0] if self.training or not self.chunk_size else self.chunk_size
        embeds = torch.cat([self.embed_steps(steps[i:i + chunk].flatten(0, 1))
                            for i in range(0, steps.shape[0], chunk)])
        return embeds.reshape(B, num_inputs // C, -1)
