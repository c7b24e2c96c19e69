"""What every frame encoder shares: frozen, always in eval mode, encoded in chunks."""
import hashlib
from typing import Optional

import torch
from torch import nn


class BaseFrameEncoder(nn.Module):
    """A frozen image model applied to every frame: ``[B, T, 3, H, W] -> [B, T, N, D]``.

    Subclasses set ``out_channels`` (D), ``num_tokens`` (N) and ``input_size`` (H = W)
    and implement :meth:`encode`. Parameters never require gradients, the module stays
    in eval mode whatever ``train()`` is called with, and the forward pass runs without
    autograd.

    Args:
        chunk_size (int | None): frames encoded per call of :meth:`encode`, to bound
            memory on whole videos. None: all frames at once.
    """

    out_channels: int
    num_tokens: int
    input_size: int
    #: whether :meth:`forward` also takes the per-frame boxes, ``forward(frames, boxes)``
    #: (:mod:`byov.box_inputs`); the stem then passes the data samples' boxes with the frames
    reads_boxes: bool = False
    #: the config alone rebuilds these weights (pretrained files or a seed), so
    #: checkpoints leave them out and record :meth:`identity` instead (``FrameStem``)
    rebuildable: bool = True

    def __init__(self, chunk_size: Optional[int] = None):
        super().__init__()
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f'{type(self).__name__}: chunk_size must be >= 1 or None, '
                             f'got {chunk_size}.')
        self.chunk_size = chunk_size

    @classmethod
    def width_from_config(cls, cfg: dict) -> Optional[int]:
        """D of the encoder ``cfg`` describes, read without building it (no weights
        loaded), or None when only a built encoder knows it. The stem uses it to size the
        model's other parts when it reads cached features and does not build the encoder."""
        return None

    def freeze(self):
        for param in self.parameters():
            param.requires_grad_(False)
        return self.train(False)

    def train(self, mode: bool = True):
        """Frozen: stays in eval mode (dropout off, fixed statistics) even in training."""
        return super().train(False)

    def init_weights(self):
        """Nothing to do: the weights are pretrained (or fixed). Defined so that mmengine's
        ``BaseModule.init_weights`` never reaches a wrapped model's own re-initialisation."""

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """``[M, 3, H, W]`` normalised images -> ``[M, N, D]`` patch tokens."""
        raise NotImplementedError

    def fingerprint(self) -> str:
        """sha1 of the weights: the name, shape, dtype and bytes of every parameter and
        buffer (non-persistent ones too: TinyPatchEncoder keeps its projection there).
        Equal fingerprints mean equal outputs for equal inputs; the feature cache keys
        its files by it (:mod:`byov.datasets.feature_cache`)."""
        digest = hashlib.sha1(f'{type(self).__name__}|{self.input_size}'.encode())
        tensors = dict(self.named_buffers())
        tensors.update(self.named_parameters())
        for name in sorted(tensors):
            t = tensors[name].detach().cpu().contiguous().reshape(-1)
            digest.update(f'|{name}|{tuple(tensors[name].shape)}|{t.dtype}|'.encode())
            digest.update(t.view(torch.uint8).numpy().data)
        return digest.hexdigest()

    def identity(self) -> dict:
        """What a checkpoint records instead of these weights: ``type``, ``source``
        (the pretrained name or folder, None for weight-free encoders), ``revision``
        (the hub commit when known) and ``fingerprint`` (:meth:`fingerprint`). Two
        encoders are the same when type and fingerprint agree; the source may differ
        (a hub id and a local copy of it)."""
        return dict(type=type(self).__name__, source=getattr(self, 'source', None),
                    revision=getattr(self, 'revision', None), fingerprint=self.fingerprint())

    @torch.no_grad()
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames: [B, T, 3, H, W]`` normalised RGB -> patch tokens ``[B, T, N, D]``."""
        B, T, C, H, W = frames.shape
        if (H, W) != (self.input_size, self.input_size):
            raise ValueError(
                f'{type(self).__name__} takes {self.input_size}x{self.input_size} frames, got '
                f'{H}x{W}; set data_preprocessor.size={self.input_size} (or resize in the '
                f'pipeline).')
        images = frames.reshape(B * T, C, H, W)
        step = self.chunk_size or images.shape[0]
        tokens = torch.cat([self.encode(images[i:i + step])
                            for i in range(0, images.shape[0], step)])
        return tokens.reshape(B, T, *tokens.shape[1:])
