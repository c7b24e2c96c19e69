"""The frozen-feature cache: the frame encoder's output, computed once per video frame.

The frame encoder is frozen, so its output for a frame never changes; recomputing it at
every training step (and for every frame of every video at every evaluation) is nearly
all the cost of BYOV on a CLIP ViT. This cache stores it once, per video, and the
datasets read it instead of frames (``feature_cache=dict(...)`` on a dataset, the
transforms ``LoadClipFeatures`` / ``LoadVideoFeatures``, ``model.input_type``).

Two modes (docs/performance.md):

- ``'exact'``: the patch tokens ``[L, N, D]`` of every frame, float16. The model runs
  the token selector on the sampled clip, as it does on frames (STM compares a frame
  with the next *sampled* frame), so training and evaluation equal the image path up to
  float16 rounding of the tokens. Disk: ``N * D * 2`` bytes a frame: ViT-B/16
  196 x 768 x 2 B = 294 KiB, ViT-L/14 256 x 1024 x 2 B = 512 KiB, the tiny demo
  encoder 64 x 128 x 2 B = 16 KiB.
- ``'compact'``: the selected-token vector ``[L, D]`` of every frame, float32, computed
  on the whole video, i.e. against the next *raw* frame, exactly what the evaluation
  computes. Training then reads the sampled frames' vectors: a documented deviation
  (STM's reference is the next raw frame, not the next sampled one). Disk: ``D * 4``
  bytes a frame (ViT-B/16: 3 KiB).

Layout: ``<cache_dir>/<key>/meta.json`` (what the key stands for, readable) and
``<cache_dir>/<key>/<view>/<video>-<video key>.npy``, one file per video. The video key
is the frame cache's (the source's real path, size and modification time), so an edited
video is computed again. ``<key>`` hashes everything the features depend on: the mode,
the frame size of the frame cache, the data preprocessor (mean, std, resize), the frame
encoder's type and config and the fingerprint of its weights
(:meth:`~byov.models.frame_encoders.BaseFrameEncoder.fingerprint`), and, in compact mode,
the token selector. Changing any of them selects another folder.

Writing is resumable and atomic: each video is written to a temporary file and moved
into place (``os.replace``); only final names are read, existing files are not
recomputed and a leftover ``*.tmp`` of a killed build is ignored. With
``torch.distributed`` initialised, rank ``r`` of ``w`` computes videos ``r::w``.
"""
import copy
import hashlib
import json
import os
import os.path as osp
import uuid
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from byov.utils.errors import UserInputError
from byov.utils.progress import progress_bar
from .frame_cache import atomic_save_npy, to_hw, video_file_name

#: cache mode -> the model's ``input_type`` (one of ``byov.structures.INPUT_TYPES``)
MODE_INPUT_TYPES = {'exact': 'patch_tokens', 'compact': 'frame_vectors'}
MODES = tuple(MODE_INPUT_TYPES)
DTYPES = {'exact': np.float16, 'compact': np.float32}
# config entries that do not change the features
IGNORED_KEYS = {'frame_encoder': ('chunk_size', 'local_files_only'),
                'data_preprocessor': ('input_type', 'non_blocking')}
DEFAULT_PREPROCESSOR = dict(type='EgoExoDataPreprocessor')
BUILD_HINT = 'python tools/data/build_feature_cache.py CONFIG'


class FeatureCacheMissingError(UserInputError, FileNotFoundError):
    """Features a run reads have not been built; the message gives the command (byov's
    tools print it without a traceback)."""

_fingerprints: Dict[str, tuple] = {}


def _plain(cfg: Optional[dict], part: str = '') -> Optional[dict]:
    """A config as plain, JSON-ready data, without entries that do not change outputs."""
    if cfg is None:
        return None
    cfg = cfg.to_dict() if hasattr(cfg, 'to_dict') else copy.deepcopy(dict(cfg))
    for key in IGNORED_KEYS.get(part, ()):
        cfg.pop(key, None)
    return json.loads(json.dumps(cfg, sort_keys=True, default=str))


def encoder_fingerprint(frame_encoder: dict) -> tuple:
    """``(weights fingerprint, input size)`` of the frame encoder a config builds.

    Builds the encoder once per process and config (a pretrained CLIP loads its weights,
    a few seconds) and keeps only the result. An encoder with random weights
    (``CLIPVisionEncoder(config=...)``) is fingerprinted as first built in the process.
    """
    from byov.registry import MODELS
    ident = json.dumps(_plain(frame_encoder), sort_keys=True)
    if ident not in _fingerprints:
        encoder = MODELS.build(copy.deepcopy(frame_encoder))
        _fingerprints[ident] = (encoder.fingerprint(), encoder.input_size)
        del encoder
    return _fingerprints[ident]


def feature_spec(mode: str, frame_size, frame_encoder: dict,
                 data_preprocessor: Optional[dict] = None,
                 token_selector: Optional[dict] = None,
                 fingerprint: Optional[tuple] = None) -> dict:
    """Everything the cached features depend on (what the key hashes).

    Args:
        fingerprint: ``(weights fingerprint, input size)`` of an encoder already built
            from ``frame_encoder``; None builds one (:func:`encoder_fingerprint`).
    """
    if mode not in MODES:
        raise ValueError(f'feature cache: mode must be one of {MODES}, got {mode!r}.')
    if mode == 'compact' and token_selector is None:
        raise ValueError("feature cache: mode='compact' stores the token selector's output "
                         'and needs token_selector (the model config\'s).')
    weights, input_size = fingerprint or encoder_fingerprint(frame_encoder)
    return dict(
        mode=mode, frame_size=list(to_hw(frame_size)),
        data_preprocessor=_plain(data_preprocessor or DEFAULT_PREPROCESSOR,
                                 'data_preprocessor'),
        frame_encoder=_plain(frame_encoder, 'frame_encoder'),
        frame_encoder_weights=weights, input_size=input_size,
        token_selector=_plain(token_selector) if mode == 'compact' else None)


def spec_key(spec: dict) -> str:
    """The folder name of a spec: 16 hex digits of its sha1."""
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


class FeatureCache:
    """Pre-computed frame-encoder outputs of videos, one ``.npy`` per video.

    Args:
        cache_dir: root folder of feature caches (created when needed).
        mode: ``'exact'`` (patch tokens, float16) or ``'compact'`` (frame vectors).
        frame_encoder: the model's frame encoder config.
        data_preprocessor: the model's data preprocessor config (its normalisation and
            resizing of frames); default: CLIP's mean and std, no resizing.
        token_selector: the model's token selector config (compact mode).
        frame_size: ``H`` or ``(H, W)`` of the frame cache the features are computed
            from (the dataset passes its own).
        key: use this key instead of computing it; skips building the frame encoder
            (for machines without its weights). Wrong keys read wrong features: take it
            from the build tool's output or the folder's meta.json.
        fingerprint: ``(weights fingerprint, input size)`` of an encoder already built
            from ``frame_encoder`` (e.g. one with random weights); None builds one.
    """

    def __init__(self, cache_dir: str, mode: str, frame_encoder: dict,
                 data_preprocessor: Optional[dict] = None,
                 token_selector: Optional[dict] = None,
                 frame_size: Union[int, Sequence[int]] = 224, key: Optional[str] = None,
                 fingerprint: Optional[tuple] = None):
        if mode not in MODES:
            raise ValueError(f'feature cache: mode must be one of {MODES}, got {mode!r}.')
        self.cache_dir = cache_dir
        self.mode = mode
        self.configs = dict(frame_encoder=frame_encoder, data_preprocessor=data_preprocessor,
                            token_selector=token_selector)
        self.spec = None
        if key is None:
            self.spec = feature_spec(mode, frame_size, fingerprint=fingerprint, **self.configs)
            key = spec_key(self.spec)
        self.key = key
        self.root = osp.join(cache_dir, key)

    @property
    def input_type(self) -> str:
        """The model's ``input_type`` for these features."""
        return MODE_INPUT_TYPES[self.mode]

    def path_for(self, video_path: str, view: str) -> str:
        return osp.join(self.root, view, video_file_name(video_path))

    def _open(self, path: str) -> Optional[np.ndarray]:
        """The features (memory-mapped), or None if absent or unreadable."""
        if not osp.isfile(path):
            return None
        try:
            feats = np.load(path, mmap_mode='r')
        except (ValueError, OSError, EOFError) as err:
            warnings.warn(f'Feature cache file {path} is unreadable ({err}); ignoring it.')
            return None
        ndim = 3 if self.mode == 'exact' else 2
        if feats.dtype != DTYPES[self.mode] or feats.ndim != ndim or len(feats) == 0:
            warnings.warn(f'Feature cache file {path} holds {feats.dtype} {feats.shape}, not '
                          f'{np.dtype(DTYPES[self.mode])} with {ndim} dims; ignoring it.')
            return None
        return feats

    def load(self, video_path: str, view: str) -> np.ndarray:
        """The features of a video (memory-mapped, read-only): float16 ``[L, N, D]``
        (exact) or float32 ``[L, D]`` (compact)."""
        path = self.path_for(video_path, view)
        feats = self._open(path)
        if feats is None:
            raise FileNotFoundError(
                f'No cached features for {video_path} ({path}); build the feature cache '
                f'first: {BUILD_HINT}.')
        return feats

    def num_frames(self, video_path: str, view: str) -> int:
        return len(self.load(video_path, view))

    def missing(self, records: Sequence) -> List:
        """The records (``path``, ``view``) that have no readable features yet."""
        return [r for r in records if self._open(self.path_for(r.path, r.view)) is None]

    def check_complete(self, records: Sequence, split: str = '',
                       data_root: Optional[str] = None) -> None:
        """Raise :class:`FeatureCacheMissingError`, naming the build command (for
        ``data_root``), unless every record has its features."""
        missing = self.missing(records)
        if missing:
            root = f' --data-root {data_root}' if data_root else ''
            raise FeatureCacheMissingError(
                f'The feature cache {self.root} lacks {len(missing)} of the {len(records)} '
                f'videos of the {split} split (first: {missing[0].path}). Build it with '
                f'{BUILD_HINT}{root} (CONFIG: the config that reads it).')

    def write_meta(self) -> None:
        """``meta.json``: what the key stands for (written once, atomically)."""
        path = osp.join(self.root, 'meta.json')
        if self.spec is None or osp.isfile(path):
            return
        os.makedirs(self.root, exist_ok=True)
        meta = dict(self.spec, key=self.key, input_type=self.input_type,
                    dtype=np.dtype(DTYPES[self.mode]).name,
                    layout='<view>/<video>-<video key>.npy, [L, N, D] (exact) or [L, D]')
        tmp = f'{path}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp'
        with open(tmp, 'w') as f:
            json.dump(meta, f, indent=2)
        os.replace(tmp, path)

    def build(self, records: Sequence, frame_cache, extractor: 'FeatureExtractor',
              desc: str = 'features') -> dict:
        """Compute and store the features of ``records`` that are not cached yet.

        Args:
            records: videos (:class:`~byov.datasets.ae2.VideoRecord`: ``path``, ``view``).
            frame_cache: the :class:`~byov.datasets.FrameCache` to read frames from
                (videos not decoded yet are decoded first).
            extractor: a :class:`FeatureExtractor` of this cache's mode.
            desc: progress bar label.

        Returns:
            dict: ``videos`` (this rank's share), ``computed``, ``skipped``, ``frames``
            computed.
        """
        from mmengine.dist import barrier, get_dist_info
        if extractor.mode != self.mode:
            raise ValueError(f'FeatureCache({self.mode!r}) got a {extractor.mode!r} extractor.')
        rank, world = get_dist_info()
        mine = list(records)[rank::world]
        todo = self.missing(mine)
        self.write_meta()
        frames = 0
        for rec in progress_bar(todo, desc=desc, unit='video'):
            path = self.path_for(rec.path, rec.view)
            os.makedirs(osp.dirname(path), exist_ok=True)
            feats = extractor(frame_cache.load(rec.path, rec.view))
            atomic_save_npy(path, feats)
            frames += len(feats)
        if world > 1:
            barrier()
        return dict(videos=len(mine), computed=len(todo), skipped=len(mine) - len(todo),
                    frames=frames)


class FeatureExtractor:
    """The cached features of one video, computed with the model's own parts.

    Frames go through the data preprocessor and the frame encoder in chunks of
    ``chunk_size`` frames (bounded memory on long videos). Exact mode keeps the patch
    tokens (cast to float16); compact mode runs the token selector over each chunk plus
    one frame on either side, so that every frame is scored against the next raw frame
    and the last frame of the video reuses the pair before it, exactly as the selector
    does on the whole video.

    Args:
        mode: ``'exact'`` or ``'compact'``.
        frame_encoder, data_preprocessor, token_selector: built modules (the selector
            only for compact mode).
        chunk_size: frames per encoder call.
    """

    def __init__(self, mode: str, frame_encoder, data_preprocessor, token_selector=None,
                 chunk_size: int = 64):
        if mode not in MODES:
            raise ValueError(f'FeatureExtractor: mode must be one of {MODES}, got {mode!r}.')
        if mode == 'compact' and token_selector is None:
            raise ValueError("FeatureExtractor: mode='compact' needs a token_selector.")
        if chunk_size < 1:
            raise ValueError(f'FeatureExtractor: chunk_size must be >= 1, got {chunk_size}.')
        self.mode = mode
        self.frame_encoder = frame_encoder
        self.data_preprocessor = data_preprocessor
        self.token_selector = token_selector
        self.chunk_size = chunk_size

    @classmethod
    def from_configs(cls, mode: str, frame_encoder: dict,
                     data_preprocessor: Optional[dict] = None,
                     token_selector: Optional[dict] = None, device='cpu',
                     chunk_size: int = 64) -> 'FeatureExtractor':
        """Build the parts from their configs (as :class:`FeatureCache` takes them)."""
        from byov.registry import MODELS
        parts = [MODELS.build(copy.deepcopy(frame_encoder)).to(device),
                 MODELS.build(dict(copy.deepcopy(data_preprocessor or DEFAULT_PREPROCESSOR),
                                   input_type='frames')).to(device),
                 MODELS.build(copy.deepcopy(token_selector)) if token_selector else None]
        return cls(mode, *parts, chunk_size=chunk_size)

    def _tokens(self, frames: np.ndarray) -> torch.Tensor:
        """uint8 ``[M, 3, H, W]`` -> patch tokens ``[1, M, N, D]`` on the device."""
        batch = self.data_preprocessor(dict(inputs=[torch.from_numpy(np.array(frames))]))
        return self.frame_encoder(batch['inputs'])

    @torch.no_grad()
    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """uint8 frames ``[L, 3, H, W]`` -> float16 ``[L, N, D]`` (exact) or float32
        ``[L, D]`` (compact)."""
        L, out = len(frames), None
        for start in range(0, L, self.chunk_size):
            end = min(start + self.chunk_size, L)
            if self.mode == 'exact':
                chunk = self._tokens(frames[start:end])[0].half()
            else:  # one frame of context on each side: frame t is scored against t + 1
                lo, hi = max(0, start - 1), min(end + 1, L)
                vectors = self.token_selector(self._tokens(frames[lo:hi]))[0]
                chunk = vectors[start - lo:end - lo].float()
            chunk = chunk.cpu().numpy()
            if out is None:
                out = np.empty((L, *chunk.shape[1:]), DTYPES[self.mode])
            out[start:end] = chunk
        return out
