"""The stem every byov model starts with: inputs -> one vector per frame ``[B, T, D]``.

Written once, used by :class:`~byov.models.BYOV`, the alignment baselines and the
frozen-feature row. It reads one of three input types (``byov.structures.FRAME_RANKS``):
normalised frames (frame encoder, then token selector), the frame encoder's patch tokens
from the feature cache (token selector only) or the token selector's frame vectors from
the cache (nothing runs). A frame encoder that reads per-frame boxes (``reads_boxes =
True``: the box encoders) gets them with the frames, ``frame_encoder(frames, boxes)``; the
model stacks them from its data samples (:mod:`byov.box_inputs`).

Checkpoints: a frozen frame encoder whose weights the config rebuilds (pretrained CLIP,
the seeded tiny encoder) is left out of the state dict; its identity (type, source,
revision, fingerprint of the weights) is recorded in the state dict's metadata instead,
and loading refuses a checkpoint whose recorded encoder differs from the one the config
builds. A stem that reads cached features records the same identity, read from the
cache's manifest, and what else made the features (mode, cache key, frame size,
normalisation, token selector: a *feature source*, :mod:`byov.models.feature_source`);
the run hands it the source of its data (:mod:`byov.engine.feature_source`). Loading
refuses a checkpoint trained on other features than the run feeds the model, across
frames and caches.
"""
import copy
import logging
from typing import Optional, Tuple

import torch
from mmengine.logging import print_log
from torch import nn

from byov.registry import MODELS
from byov.structures import FRAME_RANKS, INPUT_TYPES
from byov.utils.errors import UserInputError
from .feature_source import (COMPACT_TYPE, describe_source, is_cached, make_source, plain,
                             source_differences)
from .frame_encoders.base import BaseFrameEncoder

METADATA_KEY = 'frame_encoder'  # of the stem's entry in state_dict._metadata
FEATURES_KEY = 'features'  # the feature source, next to it
BUILD_HINT = 'python tools/data/build_feature_cache.py CONFIG'


class FrameEncoderMismatchError(UserInputError, RuntimeError):
    """A checkpoint was trained on another frozen frame encoder than the config builds."""


class FeatureSourceMismatchError(FrameEncoderMismatchError):
    """A checkpoint was trained on other frame vectors than the run gives the model: another
    encoder, frame size, normalisation or (compact cache) token selector, across frames
    and feature caches."""


class FeatureInputTypeError(UserInputError, ValueError):
    """The run's data are of another input type than the model's stem reads."""


@MODELS.register_module()
class FrameStem(nn.Module):
    """Frame encoder -> token selector, or cached features: ``[B, T, *frame] -> [B, T, D]``.

    Args:
        frame_encoder (dict | None): ``[B, T, 3, H, W] -> [B, T, N, D]`` (a
            ``BaseFrameEncoder`` such as ``CLIPVisionEncoder``), or an encoder that returns
            frame vectors ``[B, T, D]`` itself (``AE2ResNetEncoder``, with
            ``token_selector=None``). Built only for ``input_type='frames'``; with cached
            features the config only describes what built the cache.
        token_selector (dict | None): ``[B, T, N, D] -> [B, T, D]`` (``SelectiveTokenMerging``,
            ``MeanTokenPooling``); None when the frame encoder returns vectors. Not run on
            ``'frame_vectors'``.
        input_type (str): ``'frames'``, ``'patch_tokens'`` or ``'frame_vectors'``; the
            data preprocessor's ``input_type`` must be the same.
        frozen (bool): the frame encoder gets no gradient and stays in eval mode (True).
            False trains it with the model, which needs a trainable encoder (e.g.
            ``AE2ResNetEncoder``); a ``BaseFrameEncoder`` is frozen by construction and
            is refused with ``frozen=False``.
    """

    def __init__(self, frame_encoder: Optional[dict] = None,
                 token_selector: Optional[dict] = None, input_type: str = 'frames',
                 frozen: bool = True):
        super().__init__()
        if input_type not in INPUT_TYPES:
            raise ValueError(f'FrameStem: input_type must be one of {INPUT_TYPES}, got '
                             f'{input_type!r}.')
        if input_type == 'frames' and frame_encoder is None:
            raise ValueError("FrameStem: input_type='frames' needs a frame_encoder config.")
        if input_type == 'patch_tokens' and token_selector is None:
            raise ValueError("FrameStem: input_type='patch_tokens' needs a token_selector "
                             'config (the cached tokens are merged here).')
        if not frozen and input_type != 'frames':
            raise ValueError(f'FrameStem: frozen=False trains the frame encoder, which '
                             f'input_type={input_type!r} does not run; set frozen=True.')
        self.input_type = input_type
        self.frozen = frozen
        self.frame_encoder_cfg = frame_encoder
        self.token_selector_cfg = token_selector
        self.frame_encoder = MODELS.build(frame_encoder) if input_type == 'frames' else None
        self.token_selector = (MODELS.build(token_selector)
                               if token_selector and input_type != 'frame_vectors' else None)
        if self.frame_encoder is not None:
            self._setup_training()
        self._width = None  # frame_width() of an encoder that is not built
        self._identity = None  # cached: hashing ViT-L's weights takes seconds
        self._load_prefix = None  # set while loading: where the identity was checked
        # what the run feeds the stem (set_feature_source); None: not told
        self.feature_source: Optional[dict] = None
        self.feature_source_role: Optional[str] = None
        self._warned_unrecorded = False
        self.register_state_dict_post_hook(_leave_out_rebuildable_encoder)
        self.register_load_state_dict_post_hook(_forgive_left_out_encoder)

    def _setup_training(self):
        encoder = self.frame_encoder
        name = type(encoder).__name__
        if self.frozen:
            for param in encoder.parameters():
                param.requires_grad_(False)
            return
        if isinstance(encoder, BaseFrameEncoder) or not any(
                p.requires_grad for p in encoder.parameters()):
            raise ValueError(
                f'FrameStem: frozen=False would train the frame encoder, but {name} is frozen '
                'by construction (no trainable parameters, no gradient), so nothing would be '
                'trained. Keep frozen=True, or use a trainable frame encoder such as '
                'AE2ResNetEncoder.')

    @property
    def out_channels(self) -> Optional[int]:
        """D, or None when the frame encoder is not built (cached features)."""
        return getattr(self.frame_encoder, 'out_channels', None)

    def frame_width(self) -> Optional[int]:
        """D, the width of the frame vectors, which the model's other parts follow
        (``backbone.in_channels``, ``decoder.out_channels``) when their configs leave it
        unset: the built frame encoder's ``out_channels``; with cached features (encoder
        not built) the width its config describes, read from the config where the
        encoder class can (``width_from_config``: CLIP reads ``config.json`` only), else
        from an encoder built once for the purpose. None without a frame encoder config."""
        if self.frame_encoder is not None:
            return getattr(self.frame_encoder, 'out_channels', None)
        if self._width is None and self.frame_encoder_cfg is not None:
            cfg = dict(self.frame_encoder_cfg)
            cls = cfg['type'] if isinstance(cfg['type'], type) else MODELS.get(cfg['type'])
            reader = getattr(cls, 'width_from_config', None)
            self._width = reader(cfg) if reader is not None else None
            if self._width is None:
                self._width = getattr(MODELS.build(cfg), 'out_channels', None)
        return self._width

    @property
    def frame_rank(self) -> int:
        return FRAME_RANKS[self.input_type]

    @property
    def leaves_out_frame_encoder(self) -> bool:
        """Whether checkpoints leave the frame encoder's weights out (rebuilt from the
        config, identity recorded)."""
        return (self.frame_encoder is not None and self.frozen
                and getattr(self.frame_encoder, 'rebuildable', False))

    def ignorable_checkpoint_prefixes(self) -> Tuple[str, ...]:
        """Relative key prefixes a strict load may ignore (see ``BaseEgoExoModel``)."""
        if self.frame_encoder is None or self.leaves_out_frame_encoder:
            return ('frame_encoder.',)
        return ()

    def identity(self) -> Optional[dict]:
        if self._identity is None and hasattr(self.frame_encoder, 'identity'):
            self._identity = self.frame_encoder.identity()
        return self._identity

    def set_feature_source(self, source: Optional[dict], role: str = 'eval') -> None:
        """Tell the stem what its inputs are made from (:mod:`byov.models.feature_source`):
        checkpoints record it and loading compares a checkpoint's record with it. byov's
        evaluation loops and ``ByovRunner`` call this with the source of their data
        before any checkpoint is loaded (:mod:`byov.engine.feature_source`); ``role`` is
        ``'train'`` when the run trains on these data, else ``'eval'``."""
        if source is not None and source.get('input_type') != self.input_type:
            raise FeatureInputTypeError(
                f'FrameStem: the run feeds the model {describe_source(source)} '
                f"(input_type {source.get('input_type')!r}), but model.stem.input_type is "
                f'{self.input_type!r}. Set the loaders\' feature_cache mode and the model\'s '
                'input_type (stem and data_preprocessor) to match, as '
                'configs/byov/byov_tiny_feature-cache_synthetic_demo.py does.')
        self.feature_source = copy.deepcopy(source)
        self.feature_source_role = role

    def current_source(self) -> Optional[dict]:
        """The feature source of this stem's inputs: what checkpoints record and what a
        loaded one is compared with. Reading frames: the built encoder's identity (plus
        frame size and normalisation when the run told them); reading cached features:
        the source the run handed over, None when none was."""
        if self.input_type == 'frames':
            source = copy.deepcopy(self.feature_source) or make_source('frames')
            source['frame_encoder'] = copy.deepcopy(self.identity())
        elif self.feature_source is None:
            return None
        else:
            source = copy.deepcopy(self.feature_source)
        if self.input_type != COMPACT_TYPE:  # the selector runs here, from the config
            source['token_selector'] = plain(self.token_selector_cfg)
        return source

    def _check_checkpoint_source(self, local_metadata, prefix) -> bool:
        """Compare a checkpoint's recorded feature source with :meth:`current_source`;
        raise :class:`FeatureSourceMismatchError` when they differ. True when a recorded
        frame encoder was compared and agreed."""
        recorded_encoder = local_metadata.get(METADATA_KEY)
        recorded = copy.deepcopy(local_metadata.get(FEATURES_KEY))
        current = self.current_source()
        where = f'model.{prefix}frame_encoder'
        if recorded is None and recorded_encoder is None:
            if is_cached(current):
                print_log(f'The checkpoint does not record which features it was trained on '
                          f'(saved before byov recorded them, or converted); it is loaded '
                          f'into a model reading {describe_source(current)} unchecked.',
                          logger='current', level=logging.WARNING)
            return False
        if recorded is None:  # an encoder identity only: a frame-trained checkpoint
            recorded = make_source(None, frame_encoder=recorded_encoder)
        elif recorded_encoder and not recorded.get('frame_encoder'):
            recorded['frame_encoder'] = recorded_encoder
        if current is None:
            print_log(f'The checkpoint was trained on {describe_source(recorded)}; this '
                      f'model reads cached features, but no run told it which ({where} is '
                      'not built), so they are not checked against the checkpoint. byov\'s '
                      'evaluation loops and ByovRunner tell it; elsewhere call '
                      'byov.engine.feature_source.hand_feature_source first.',
                      logger='current', level=logging.WARNING)
            return False
        diffs = source_differences(recorded, current)
        if recorded.get('frame_encoder') and self.frame_encoder is not None \
                and current.get('frame_encoder') is None:
            name = type(self.frame_encoder).__name__
            diffs.append(f'the frame encoder the config builds ({name}) has no identity '
                         'to compare')
        if diffs:
            raise FeatureSourceMismatchError(
                f'The checkpoint was trained on {describe_source(recorded)}, but this run '
                f'gives the model {describe_source(current)}; they differ in: '
                f'{"; ".join(diffs)}. The trained weights only fit the features they were '
                'trained on, so the results would be wrong. Run the checkpoint on those: set '
                f'{where} (and, reading cached features, every loader\'s feature_cache) to '
                f'what it was trained with, building the cache with {BUILD_HINT} if needed; '
                'or use a checkpoint trained on these features.')
        if self.feature_source_role == 'train' and (
                (recorded.get('input_type') == COMPACT_TYPE)
                != (current.get('input_type') == COMPACT_TYPE)):
            print_log(f'The checkpoint was trained on {describe_source(recorded)} and this '
                      f'run trains on {describe_source(current)}: the same encoder, but '
                      'compact-mode training inputs select tokens against the next raw '
                      'frame, the others against the next sampled one (docs/performance.md),'
                      ' so the training continues on other inputs.',
                      logger='current', level=logging.WARNING)
        return bool(recorded.get('frame_encoder'))

    def init_weights(self):
        """Pass mmengine's ``init_weights`` (the Runner calls it before training) on to the
        frame encoder: AE2's ResNet loads its pretrained weights there; the frozen
        pretrained encoders ignore it."""
        for module in (self.frame_encoder, self.token_selector):
            if module is not None and hasattr(module, 'init_weights'):
                module.init_weights()

    def train(self, mode: bool = True):
        """A frozen frame encoder stays in eval mode."""
        super().train(mode)
        if self.frame_encoder is not None and self.frozen:
            self.frame_encoder.eval()
        return self

    @property
    def reads_boxes(self) -> bool:
        """Whether the frame encoder reads per-frame boxes (it declares ``reads_boxes =
        True``): the model then passes the data samples' boxes to :meth:`forward`."""
        return bool(getattr(self.frame_encoder, 'reads_boxes', False))

    def forward(self, inputs: torch.Tensor,
                boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``inputs [B, T, *frame]`` of ``input_type`` -> frame vectors ``[B, T, D]``.
        ``boxes [B, T, S, 10]``: the frames' boxes, for a frame encoder that reads them
        (:attr:`reads_boxes`), else None."""
        if (boxes is not None) != self.reads_boxes:
            raise ValueError(
                f'FrameStem: the frame encoder {type(self.frame_encoder).__name__} '
                f'{"reads" if self.reads_boxes else "does not read"} per-frame boxes, but '
                f'they were {"not " if boxes is None else ""}passed; the model passes its '
                'data samples\' boxes exactly when stem.reads_boxes (docs/box_input.md).')
        if self.input_type == 'frames':
            with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
                tokens = (self.frame_encoder(inputs) if boxes is None
                          else self.frame_encoder(inputs, boxes))
                return tokens if self.token_selector is None else self.token_selector(tokens)
        with torch.no_grad():
            return inputs if self.token_selector is None else self.token_selector(inputs)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        self._load_prefix = None
        encoder_keys = [k for k in state_dict if k.startswith(prefix + 'frame_encoder.')]
        # a built encoder that takes its weights from the checkpoint needs no identity
        if not (encoder_keys and self.frame_encoder is not None):
            checked = self._check_checkpoint_source(local_metadata, prefix)
            if checked and self.frame_encoder is not None:
                self._load_prefix = prefix  # identity checked: the left-out keys are expected
        if encoder_keys:  # weights come from the checkpoint: the cached identity is stale
            self._identity = None
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)


def _leave_out_rebuildable_encoder(stem: FrameStem, state_dict, prefix, local_metadata):
    """State-dict hook: drop the rebuildable frozen encoder's weights, record its identity
    and the feature source (for cached features: as the run handed it over)."""
    source = stem.current_source()
    if source is None:  # cached features, and no run said which
        if not stem._warned_unrecorded:
            stem._warned_unrecorded = True
            print_log('FrameStem: this model reads cached features, but no run told it '
                      'which (byov\'s evaluation loops and ByovRunner do), so its '
                      'checkpoints do not record the frame encoder they were trained on '
                      'and cannot be checked when loaded.', logger='current',
                      level=logging.WARNING)
        return
    if source.get('frame_encoder'):
        local_metadata[METADATA_KEY] = dict(source['frame_encoder'])
    local_metadata[FEATURES_KEY] = source
    if stem.leaves_out_frame_encoder:
        for key in [k for k in state_dict if k.startswith(prefix + 'frame_encoder.')]:
            del state_dict[key]


def _forgive_left_out_encoder(stem: FrameStem, incompatible_keys):
    """Load post-hook: the left-out encoder keys are not missing when the checkpoint
    recorded the encoder's identity and it matched."""
    if stem._load_prefix is None or not stem.leaves_out_frame_encoder:
        return
    skip = stem._load_prefix + 'frame_encoder.'
    incompatible_keys.missing_keys[:] = [
        k for k in incompatible_keys.missing_keys if not k.startswith(skip)]
