"""The contracts of the parts byov's models compose, written down and checked at build.

- :class:`BaseTemporalEncoder`: the ``backbone`` of BYOV and of the alignment baselines.
- :class:`BaseMaskedDecoder`: BYOV's ``decoder``.
- :class:`BaseEgoExoModel`: what every byov model shares (stem, modes, ``extract_feat``,
  ``predict``, clip length, checkpoint prefixes).

A new temporal encoder or decoder subclasses its base, sets the attributes listed there
in ``__init__`` and implements ``forward`` with the stated signature; a model refuses a
part that does not (docs/adding_plugins.md).
"""
import inspect
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from torch import nn

from byov.box_inputs import stack_boxes
from byov.registry import MODELS
from byov.structures import FRAME_RANKS, EgoExoDataSample


def _check_part(module, base: type, option: str, owner: str,
                attributes: Sequence[str], forward_args: Sequence[str]):
    """Raise a TypeError naming ``option`` unless ``module`` fulfils ``base``'s contract."""
    name = type(module).__name__
    if not isinstance(module, base):
        raise TypeError(
            f'{owner}: {option} must be a {base.__module__}.{base.__name__} subclass; '
            f'{name} is not (docs/adding_plugins.md lists what it must provide).')
    missing = [a for a in attributes if getattr(module, a, None) is None]
    if missing:
        raise TypeError(
            f'{owner}: {option} {name} does not set {", ".join(missing)}; a '
            f'{base.__name__} sets {", ".join(attributes)} in __init__ (call '
            f'super().__init__(...) with them).')
    params = list(inspect.signature(module.forward).parameters)
    if params[:len(forward_args)] != list(forward_args):
        raise TypeError(
            f'{owner}: {option} {name}.forward takes ({", ".join(params)}); the '
            f'{base.__name__} contract is forward({", ".join(forward_args)}).')


class BaseTemporalEncoder(nn.Module):
    """A temporal encoder (``model.backbone``): frame vectors ``[B, T, D]`` in, per-frame
    embeddings ``[B, T, E]`` out. Its output is the representation that is evaluated.

    Attributes a subclass sets (``super().__init__`` does):
        in_channels (int): D. embed_dims (int): E.
        num_frames (int): T of a training clip. The model passes its own
            ``num_frames``; do not set it in the backbone's config.
        interpolate_pos (bool): whether sequences of another length (whole videos in
            evaluation) are accepted, positions interpolated.

    ``forward(x, ids_keep=None)``: ``x [B, T, D]`` in temporal order; ``ids_keep [B, K]``
    (a masking strategy's kept frames) or None. Returns ``[B, K, E]`` (or ``[B, T, E]``):
    with ``ids_keep`` only the kept frames are encoded, each knowing its position in the
    full clip.
    """

    ATTRIBUTES = ('in_channels', 'embed_dims', 'num_frames', 'interpolate_pos')
    FORWARD_ARGS = ('x', 'ids_keep')

    def __init__(self, in_channels: int, embed_dims: int, num_frames: int,
                 interpolate_pos: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.num_frames = num_frames
        self.interpolate_pos = interpolate_pos

    def forward(self, x: torch.Tensor, ids_keep: Optional[torch.Tensor] = None):
        raise NotImplementedError

    @classmethod
    def check(cls, module, option: str, owner: str):
        _check_part(module, cls, option, owner, cls.ATTRIBUTES, cls.FORWARD_ARGS)


class BaseMaskedDecoder(nn.Module):
    """BYOV's masked-frame decoder (``model.decoder``): encoded kept frames of a view
    ``[B, K, E]`` -> predicted frame vectors of every frame ``[B, T, D]``.

    Attributes a subclass sets (``super().__init__`` does):
        in_channels (int): E (the backbone's ``embed_dims``).
        out_channels (int): D (the frame vectors' width).
        num_frames (int): T of a training clip; the model passes its own.
        interpolate_pos (bool): as for :class:`BaseTemporalEncoder`.
        causal (bool): whether self-view prediction attends only to earlier positions
            *of the decoder's input*. The encoder is not restricted: the encoded kept
            frames before position t have seen the kept frames after it (the reference's
            design), so "causal" restricts the decoder only.

    ``forward(latent, ids_restore, context=None)``: ``latent [B, K, E]`` encoded kept
    frames (kept order), ``ids_restore [B, T]`` a masking's restore indices, ``context``
    None (masked self-view modelling) or the fully encoded other view ``[B, T', E]``
    (masked cross-view modelling, full attention). Returns ``[B, T, D]``.

    ``predict_without_blocks(latent, ids_restore)``: only used to reproduce the
    reference code's second-view defect (``BYOV(reference_second_view_defect=True)``):
    the decoder's input embedding and head with its blocks skipped. The default raises.
    """

    ATTRIBUTES = ('in_channels', 'out_channels', 'num_frames', 'interpolate_pos', 'causal')
    FORWARD_ARGS = ('latent', 'ids_restore', 'context')

    def __init__(self, in_channels: int, out_channels: int, num_frames: int,
                 interpolate_pos: bool = True, causal: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_frames = num_frames
        self.interpolate_pos = interpolate_pos
        self.causal = causal

    def forward(self, latent: torch.Tensor, ids_restore: torch.Tensor,
                context: Optional[torch.Tensor] = None) -> torch.Tensor:
        raise NotImplementedError

    def predict_without_blocks(self, latent: torch.Tensor,
                               ids_restore: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            f'{type(self).__name__} does not reproduce the reference code\'s second-view '
            'defect; set reference_second_view_defect=False (MaskedFrameDecoder does).')

    @classmethod
    def check(cls, module, option: str, owner: str):
        _check_part(module, cls, option, owner, cls.ATTRIBUTES, cls.FORWARD_ARGS)


def with_num_frames(cfg: Optional[dict], num_frames: int, option: str, owner: str):
    """``cfg`` with ``num_frames`` set to the model's; a different value in ``cfg`` is an
    error (the clip length is set once, by ``model.num_frames``)."""
    if cfg is None:
        return None
    given = cfg.get('num_frames')
    if given is not None and given != num_frames:
        relation = 'shorter' if given < num_frames else 'longer'
        raise ValueError(
            f'{owner}: {option}.num_frames={given} is {relation} than the {num_frames}-frame '
            f'clips of model.num_frames={num_frames}. The clip length is set once: remove '
            f'{option}.num_frames from the config (the model passes model.num_frames, which '
            "leaf configs read from the dataset config's clip_len).")
    return dict(cfg, num_frames=num_frames)


def follow_width(cfg: dict, key: str, width, option: str, owner: str, source: str) -> dict:
    """``cfg`` with ``cfg[key]`` set to ``width`` when the config leaves it unset (absent
    or None): a width is typed once, where it is decided (the frame encoder, the
    backbone's ``embed_dims``), and followed by the parts that consume it. ``width``: an
    int, or a callable returning one (or None when unknown), called only when needed.
    An explicit value is kept; the model checks it against ``source`` afterwards."""
    if cfg.get(key) is not None:
        return cfg
    width = width() if callable(width) else width
    if width is None:
        raise ValueError(
            f'{owner}: {option}.{key} is not set and the {source} is unknown (no frame '
            f'encoder config to read it from); set {option}.{key} in the model config.')
    return dict(cfg, **{key: width})


def attach_embeds(samples: Optional[List], embeds) -> List:
    """Typed copies (:class:`~byov.structures.EgoExoDataSample`) of ``samples`` (new ones
    when None) with the data field ``embeds`` (np.float32 ``[L, E]``), one per video;
    the inputs are left as they are."""
    outputs = []
    for i, video_embeds in enumerate(embeds):
        sample = (EgoExoDataSample(metainfo=samples[i].metainfo,
                                   **{k: samples[i].get(k) for k in samples[i].keys()})
                  if samples else EgoExoDataSample())
        if isinstance(video_embeds, torch.Tensor):
            video_embeds = video_embeds.detach().float().cpu().numpy()
        sample.embeds = np.ascontiguousarray(video_embeds, dtype=np.float32)
        outputs.append(sample)
    return outputs


class BaseEgoExoModel(BaseModel):
    """What byov's models share.

    Vocabulary (config keys and attributes, the same in every model):
        ``data_preprocessor``: batches and normalises (``EgoExoDataPreprocessor``).
        ``stem``: the frozen part, inputs -> frame vectors ``[B, T, D]``
        (:class:`~byov.models.FrameStem`: frame encoder and token selector, or cached
        features); not trained.
        ``backbone``: the trained temporal encoder, ``[B, T, D] -> [B, T, E]``
        (a :class:`BaseTemporalEncoder`), when the model has one.
        ``loss``: the training objective's config (BYOV: the masked reconstruction loss;
        the alignment baselines: the alignment loss).
        ``num_frames``: frames of a training clip, set once; the model passes it to its
        backbone and decoder, and :meth:`loss` refuses clips of another length.

    Methods:
        :meth:`extract_feat`: inputs ``[B, T, *frame]`` -> embeddings ``[B, T, E]``, the
        representation evaluated (stem, then backbone), as in mmaction2 where
        ``extract_feat`` returns the backbone's features. ``forward(mode='tensor')``
        returns it; ``predict`` attaches it to the data samples.

    ``forward(inputs, data_samples, mode)``: ``'loss'`` on training pairs
    ``[B, 2, T, *frame]``, ``'predict'`` on whole videos ``[B, L, *frame]`` (one data
    sample per video comes back with ``embeds``), ``'tensor'`` on either.

    A model that trains on clips sets ``NEEDS_NUM_FRAMES = True``: building it without
    ``num_frames`` is then an error that says where to set it.
    """

    NEEDS_NUM_FRAMES = False

    def __init__(self, stem: dict, num_frames: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg=None):
        if isinstance(data_preprocessor, dict) or data_preprocessor is None:
            # built here, not by BaseModel, which looks types up in mmengine's root registry
            data_preprocessor = MODELS.build(
                data_preprocessor or dict(type='EgoExoDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        owner = type(self).__name__
        if num_frames is None and self.NEEDS_NUM_FRAMES:
            raise ValueError(f'{owner}: num_frames (frames per training clip) is required: '
                             'set model.num_frames to the training clips\' length (the '
                             'shipped configs read the dataset config\'s: '
                             'model = dict(num_frames={{_base_.clip_len}})).')
        if num_frames is not None and (isinstance(num_frames, bool)
                                       or not isinstance(num_frames, int) or num_frames < 2):
            raise ValueError(f'{owner}: num_frames (frames per training clip) must be an int '
                             f'>= 2, got {num_frames!r}.')
        self.num_frames = num_frames
        self.stem = MODELS.build(stem)
        preprocessor_type = getattr(self.data_preprocessor, 'input_type', 'frames')
        if preprocessor_type != self.stem.input_type:
            raise ValueError(
                f'{owner}: stem.input_type={self.stem.input_type!r} but '
                f'data_preprocessor.input_type={preprocessor_type!r}; set both to the same '
                'value in the model config.')

    @property
    def frame_rank(self) -> int:
        """Dimensions of one frame of the inputs (3 for images, 2 tokens, 1 vectors)."""
        return FRAME_RANKS[self.stem.input_type]

    def frame_boxes(self, data_samples: Optional[List]) -> Optional[torch.Tensor]:
        """The data samples' per-frame boxes stacked, ``[B, *lead, S, 10]`` with the
        inputs' leading dimensions, when the stem's frame encoder reads boxes
        (``stem.reads_boxes``), else None. A method that reshapes the inputs reshapes
        these alike and passes them on with them (:mod:`byov.box_inputs`)."""
        if not self.stem.reads_boxes:
            return None
        return stack_boxes(data_samples, type(self).__name__)

    def extract_feat(self, inputs: torch.Tensor,
                     boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``[B, T, *frame] -> [B, T, E]``: the stem, then the backbone if any.
        ``boxes [B, T, S, 10]``: see :meth:`frame_boxes`."""
        vectors = self.stem(inputs, boxes)
        backbone = getattr(self, 'backbone', None)
        return vectors if backbone is None else backbone(vectors)

    def check_clip_length(self, num_frames: int):
        """Refuse training clips of another length than the model was built for."""
        if self.num_frames is not None and num_frames != self.num_frames:
            raise ValueError(
                f'{type(self).__name__}.loss got {num_frames}-frame clips but the model was '
                f'built for model.num_frames={self.num_frames}. Set the clip length once: '
                "the dataset config's clip_len, read by SampleClipFrames(num_frames=...) in "
                'train_pipeline and by model.num_frames (leaf configs write '
                'model = dict(num_frames={{_base_.clip_len}})).')

    def ignorable_checkpoint_prefixes(self) -> Tuple[str, ...]:
        """State-dict key prefixes whose missing or unexpected keys a strict checkpoint
        load may ignore: the stem's frame encoder when its weights are rebuilt from the
        config (left out of checkpoints) or not built at all (cached features)."""
        return tuple('stem.' + p for p in self.stem.ignorable_checkpoint_prefixes())

    def forward(self, inputs, data_samples: Optional[List] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            boxes = self.frame_boxes(data_samples)
            if isinstance(inputs, torch.Tensor) and inputs.dim() == 3 + self.frame_rank:
                embeds = self.extract_feat(  # pairs [B, 2, T, ...]
                    inputs.flatten(0, 1), None if boxes is None else boxes.flatten(0, 1))
                return embeds.unflatten(0, inputs.shape[:2])
            return self.extract_feat(inputs, boxes)
        # RuntimeError, as mmaction2's recognizers
        raise RuntimeError(f"{type(self).__name__}: mode must be 'loss', 'predict' or "
                           f"'tensor', got {mode!r}.")

    def check_inputs(self, inputs, what: str):
        """``what``: 'loss' (pairs ``[B, 2, T, *frame]``) or 'predict' (whole videos
        ``[B, L, *frame]``)."""
        lead_dims = ('B', '2', 'T') if what == 'loss' else ('B', 'L')
        rank = len(lead_dims) + self.frame_rank
        lead = ', '.join(lead_dims)
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != rank or (
                what == 'loss' and inputs.shape[1] != 2):
            frame = {3: '3, H, W', 2: 'N, D', 1: 'D'}[self.frame_rank]
            items = 'pairs' if what == 'loss' else 'whole videos'
            shape = list(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs)
            raise ValueError(f'{type(self).__name__}.{what} takes {items} [{lead}, {frame}] '
                             f'({self.stem.input_type}), got {shape}.')

    @torch.no_grad()
    def predict(self, inputs, data_samples: Optional[List] = None) -> List:
        """``inputs [B, L, *frame]`` whole videos (or a list of ``[L_i, *frame]``); one
        pass, no masking. Returns one data sample per video: a copy of the input sample
        plus ``embeds`` (np.float32 ``[L, E]``, in temporal order)."""
        if isinstance(inputs, (list, tuple)):
            if data_samples is not None and len(inputs) != len(data_samples):
                raise ValueError(f'{type(self).__name__}.predict: {len(inputs)} videos but '
                                 f'{len(data_samples)} data samples.')
            embeds = [self.extract_feat(video[None], self.frame_boxes(
                None if data_samples is None else [data_samples[i]]))[0]
                for i, video in enumerate(inputs)]
        else:
            self.check_inputs(inputs, 'predict')
            embeds = self.extract_feat(inputs, self.frame_boxes(data_samples))
        return attach_embeds(data_samples, embeds)
