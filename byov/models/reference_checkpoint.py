"""Key mapping from the BYOV reference code's checkpoints to :class:`~byov.models.BYOV`.

The reference (github.com/park-jungin/byov) is a PyTorch Lightning module with three
children, so its ``state_dict`` holds:

- ``model.base_model.vision_model.*``: the frozen Hugging Face ``CLIPVisionModel``
  (transformers 4 layout; without ``vision_model.`` under transformers 5), ->
  ``stem.frame_encoder.clip.*``. Older transformers also saved the buffer
  ``embeddings.position_ids``, which is recomputed and dropped.
- ``encoder.*`` (``byov_encoder``): ``embedding_layer.{0,1}`` (LayerNorm, Linear) ->
  ``backbone.embed_norm`` / ``backbone.embed_proj``; ``norm`` -> ``backbone.pre_norm``;
  ``encoder.{i}`` (timm ``Block``) -> ``backbone.blocks.{i}``; ``pos_embed`` (a frozen
  sin-cos table) is checked and dropped (byov recomputes it from ``num_frames``).
- ``decoder.*`` (``byov_decoder``): ``decoder_embed.{0,1}`` -> ``decoder.embed_norm`` /
  ``decoder.embed_proj``; ``mask_token``; ``decoder.{i}`` (``TemporalBlock``, timm
  naming) -> ``decoder.blocks.{i}``; ``decoder_pred.{0,1}`` -> ``decoder.head_norm`` /
  ``decoder.head_proj``; ``decoder_pos_embed`` checked and dropped.

Inside a block the names are identical: ``norm1``, ``attn.qkv``, ``attn.proj``,
``norm2``, ``mlp.fc1``, ``mlp.fc2`` (weight and bias each).
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from .blocks import sincos_pos_embed_1d

_BLOCK = r'(\d+)\.((?:norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|mlp\.fc2)\.(?:weight|bias))'
_WB = r'(weight|bias)'

RENAMES = [  # (reference key pattern, toolkit key template)
    (r'model\.base_model\.(?:vision_model\.)?(.+)', r'stem.frame_encoder.clip.\1'),
    (rf'encoder\.embedding_layer\.0\.{_WB}', r'backbone.embed_norm.\1'),
    (rf'encoder\.embedding_layer\.1\.{_WB}', r'backbone.embed_proj.\1'),
    (rf'encoder\.norm\.{_WB}', r'backbone.pre_norm.\1'),
    (rf'encoder\.encoder\.{_BLOCK}', r'backbone.blocks.\1.\2'),
    (rf'decoder\.decoder_embed\.0\.{_WB}', r'decoder.embed_norm.\1'),
    (rf'decoder\.decoder_embed\.1\.{_WB}', r'decoder.embed_proj.\1'),
    (r'decoder\.mask_token', r'decoder.mask_token'),
    (rf'decoder\.decoder\.{_BLOCK}', r'decoder.blocks.\1.\2'),
    (rf'decoder\.decoder_pred\.0\.{_WB}', r'decoder.head_norm.\1'),
    (rf'decoder\.decoder_pred\.1\.{_WB}', r'decoder.head_proj.\1'),
]
# fixed sin-cos tables: verified, then dropped (recomputed from the config)
POS_TABLES = {'encoder.pos_embed': 'encoder', 'decoder.decoder_pos_embed': 'decoder'}
# buffers that transformers recomputes
DROPPED = [r'model\.base_model\.(?:vision_model\.)?embeddings\.position_ids']


class ReferenceCheckpointError(KeyError):
    """The checkpoint does not match the reference layout or the target model."""

    def __str__(self):  # KeyError quotes its message; keep the lines readable
        return str(self.args[0])


def convert_reference_state_dict(state_dict: Dict[str, torch.Tensor]
                                 ) -> Tuple['OrderedDict[str, torch.Tensor]', dict]:
    """Rename a reference ``state_dict`` to byov's names.

    Returns ``(new_state_dict, info)`` where ``info`` records the positional tables'
    lengths (``encoder_num_frames``, ``decoder_num_frames``) and the block counts.
    Raises :class:`ReferenceCheckpointError` listing every key it cannot account for,
    and if a positional table is not the fixed sin-cos table.
    """
    converted, info, unknown = OrderedDict(), {}, []
    for key, value in state_dict.items():
        if key in POS_TABLES:
            part = POS_TABLES[key]
            length, width = value.shape[-2:]
            expected = sincos_pos_embed_1d(width, length)
            if not torch.allclose(value.reshape(length, width).float().cpu(), expected,
                                  atol=1e-5):
                raise ReferenceCheckpointError(
                    f'{key} is not the fixed sin-cos table byov recomputes; this checkpoint '
                    f'cannot be represented without it.')
            info[f'{part}_num_frames'] = int(length)
            continue
        if any(re.fullmatch(pattern, key) for pattern in DROPPED):
            continue
        for pattern, template in RENAMES:
            match = re.fullmatch(pattern, key)
            if match:
                converted[match.expand(template)] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ReferenceCheckpointError(
            f'{len(unknown)} key(s) of the checkpoint are not in the BYOV reference layout:\n  '
            + '\n  '.join(sorted(unknown)))
    for part, module in (('encoder', 'backbone'), ('decoder', 'decoder')):
        ids = {int(k.split('.')[2]) for k in converted if k.startswith(f'{module}.blocks.')}
        info[f'{part}_layers'] = len(ids)
        if ids != set(range(len(ids))):
            raise ReferenceCheckpointError(f'{part} blocks are not numbered 0..n-1: {sorted(ids)}')
    return converted, info


def _full_state(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """Every parameter and persistent buffer, the frozen frame encoder's too (which
    ``model.state_dict()`` leaves out when the config rebuilds it)."""
    state = dict(model.named_parameters())
    for module_name, module in model.named_modules():
        for name, buffer in module.named_buffers(recurse=False):
            if name not in module._non_persistent_buffers_set:
                state[f'{module_name}.{name}' if module_name else name] = buffer
    return state


def check_against_model(state_dict: Dict[str, torch.Tensor], info: dict,
                        model: torch.nn.Module) -> None:
    """Raise :class:`ReferenceCheckpointError` unless ``state_dict`` fits ``model``
    exactly: same keys, same shapes, and positional tables as long as the model's
    ``num_frames`` (a mismatch would silently shift every position)."""
    expected = _full_state(model)
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong_shape = sorted(
        f'{k}: checkpoint {list(state_dict[k].shape)}, model {list(expected[k].shape)}'
        for k in set(expected) & set(state_dict) if state_dict[k].shape != expected[k].shape)
    problems = []
    for title, items in (('missing in the checkpoint', missing),
                         ('not in the model', unexpected), ('shape mismatch', wrong_shape)):
        if items:
            problems.append(f'{title} ({len(items)}):\n  ' + '\n  '.join(items))
    for part, name in (('encoder', 'backbone'), ('decoder', 'decoder')):
        length: Optional[int] = info.get(f'{part}_num_frames')
        module = getattr(model, name)
        if length is not None and length != module.num_frames:
            problems.append(
                f'the checkpoint was trained with {length} frames per clip but the config has '
                f'model.num_frames={module.num_frames} ({name}.num_frames); set '
                f'model.num_frames={length}.')
    if problems:
        raise ReferenceCheckpointError(
            'The converted checkpoint does not fit the model:\n' + '\n'.join(problems))
