"""CLIP's image tower from Hugging Face transformers, frozen."""
import os.path as osp
from typing import Optional

import torch

from byov.registry import MODELS
from byov.utils.errors import UserInputError
from .base import BaseFrameEncoder


class CLIPWeightsUnavailableError(UserInputError, OSError):
    """The CLIP tower named by ``pretrained`` could not be loaded (no hub connection and
    not in the local Hugging Face cache, or a folder without a saved model)."""


def _from_pretrained(loader, pretrained: str, local_files_only: bool):
    """``loader.from_pretrained`` (a transformers CLIP class) with a byov error that says
    how to get the weights when they cannot be downloaded or found."""
    try:
        return loader.from_pretrained(pretrained, local_files_only=local_files_only)
    except OSError as err:  # transformers' and huggingface_hub's connection/cache errors
        if osp.isdir(pretrained):
            raise CLIPWeightsUnavailableError(
                f'CLIPVisionEncoder: could not load a CLIP vision tower from the folder '
                f'{pretrained!r} (pretrained): it needs the config.json and weights that '
                f'save_pretrained writes ({type(err).__name__}: {err})') from err
        raise CLIPWeightsUnavailableError(
            f'CLIPVisionEncoder: the weights of {pretrained!r} (pretrained) could not be '
            'downloaded from the Hugging Face hub or found in the local Hugging Face cache '
            f'({type(err).__name__}). Fixes: download them once on a machine with internet '
            '(the cache is HF_HOME, default ~/.cache/huggingface; set HF_HOME to a shared '
            'cache to use it from other machines); or save the tower with save_pretrained '
            'and set the frame encoder\'s pretrained to that folder with '
            'local_files_only=True (docs/own_data.md). Set HF_HUB_OFFLINE=1 to fail at once '
            'instead of waiting for the connection to time out.') from err


@MODELS.register_module()
class CLIPVisionEncoder(BaseFrameEncoder):
    """Patch tokens of a frozen ``transformers.CLIPVisionModel``.

    Returns ``last_hidden_state`` without its CLS token: the output of the last encoder
    layer *before* CLIP's ``post_layernorm`` (which transformers applies to the pooled CLS
    token only), as the reference code does. ViT-B/16 at 224: N=196, D=768; ViT-L/14:
    N=256, D=1024. The weights are cast to float32.

    Args:
        pretrained (str | None): a Hugging Face model id (e.g.
            ``'openai/clip-vit-base-patch16'``, fetched from the hub on first use) or a
            local folder written by ``save_pretrained``.
        config (dict | None): with ``pretrained=None``, ``CLIPVisionConfig`` arguments for
            a randomly initialised tower (tests, counting parameters).
        local_files_only (bool): never contact the hub.
        chunk_size (int | None): frames per forward call of the tower.
    """

    def __init__(self, pretrained: Optional[str] = 'openai/clip-vit-base-patch16',
                 config: Optional[dict] = None, local_files_only: bool = False,
                 chunk_size: Optional[int] = 64):
        super().__init__(chunk_size=chunk_size)
        from transformers import CLIPVisionConfig, CLIPVisionModel
        if pretrained is not None:
            model = _from_pretrained(CLIPVisionModel, pretrained, local_files_only)
        elif config is not None:
            model = CLIPVisionModel(CLIPVisionConfig(**config))
        else:
            raise ValueError('CLIPVisionEncoder needs pretrained (a model id or folder) or, '
                             'for a randomly initialised tower, config.')
        cfg = model.config
        # transformers 4 wraps the tower in ``.vision_model``, transformers 5 does not; keep
        # the tower itself so that checkpoint keys do not depend on the version.
        self.clip = getattr(model, 'vision_model', model).float()
        self.out_channels = cfg.hidden_size
        self.num_tokens = (cfg.image_size // cfg.patch_size) ** 2
        self.input_size = cfg.image_size
        self.source = pretrained
        self.revision = getattr(cfg, '_commit_hash', None)
        # a random tower (pretrained=None) cannot be rebuilt: its weights stay in checkpoints
        self.rebuildable = pretrained is not None
        self.freeze()

    @classmethod
    def width_from_config(cls, cfg: dict) -> Optional[int]:
        """``hidden_size`` of the tower's config (``config.json`` only; no weights)."""
        from transformers import CLIPVisionConfig
        pretrained = cfg.get('pretrained', 'openai/clip-vit-base-patch16')
        if pretrained is None:
            return CLIPVisionConfig(**(cfg.get('config') or {})).hidden_size
        return _from_pretrained(CLIPVisionConfig, pretrained,
                                cfg.get('local_files_only', False)).hidden_size

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.clip(pixel_values=images).last_hidden_state[:, 1:]  # drop CLS
