"""What produced the frame vectors a model was trained on, as its checkpoints record it.

A model's trained parts (temporal encoder, decoder) only make sense on the frame vectors
they were trained on. Those come from a frozen frame encoder, run either inside the model
(``input_type='frames'``) or once, ahead of time, into the feature cache
(:mod:`byov.datasets.feature_cache`). A *feature source* is the plain, JSON-ready
description of that origin, one dict:

- ``input_type``: what the stem reads: ``'frames'``, ``'patch_tokens'`` (exact cache) or
  ``'frame_vectors'`` (compact cache);
- ``mode`` and ``key``: the cache's mode and folder key (None for frames);
- ``frame_encoder``: the encoder's identity (``type``, ``source``, ``revision``,
  ``fingerprint``: :meth:`~byov.models.frame_encoders.BaseFrameEncoder.identity`); for a
  cache, read from its manifest (the spec its key hashes, or its ``meta.json``);
- ``frame_size``: ``[H, W]`` of the frame cache the frames come from;
- ``normalisation``: the data preprocessor's ``mean`` and ``std`` (0-1 units) and resize
  ``size``;
- ``token_selector``: the token selector config whose output the trained parts saw.

Unknown entries are None. The stem (:class:`~byov.models.FrameStem`) records its source
in checkpoints, next to the encoder identity it always recorded, and compares a loaded
checkpoint's record with the source of the current run (:func:`source_differences`).
The run hands the source to the stem (:mod:`byov.engine.feature_source`); a stem that
reads frames knows its encoder itself.
"""
import json
import os.path as osp
from typing import List, Optional

SOURCE_FIELDS = ('input_type', 'mode', 'key', 'frame_encoder', 'frame_size',
                 'normalisation', 'token_selector')
CACHED_TYPES = ('patch_tokens', 'frame_vectors')
COMPACT_TYPE = 'frame_vectors'  # the token selector's output is stored, not recomputed


def plain(cfg) -> Optional[dict]:
    """A config as plain, comparable JSON data (None stays None)."""
    if cfg is None:
        return None
    cfg = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    return json.loads(json.dumps(cfg, sort_keys=True, default=str))


def make_source(input_type: str, **fields) -> dict:
    """A feature source with every field present (unknown ones None)."""
    source = dict.fromkeys(SOURCE_FIELDS)
    source.update(fields, input_type=input_type)
    return source


def normalisation_of(preprocessor) -> Optional[dict]:
    """``mean``, ``std`` (0-1 units, 6 decimals) and ``size`` of a built data
    preprocessor such as :class:`~byov.models.EgoExoDataPreprocessor`; None when it
    keeps them elsewhere."""
    mean, std = getattr(preprocessor, 'mean', None), getattr(preprocessor, 'std', None)
    if mean is None or std is None:
        return None
    size = getattr(preprocessor, 'size', None)
    return dict(mean=[round(float(v) / 255, 6) for v in mean.flatten()],
                std=[round(float(v) / 255, 6) for v in std.flatten()],
                size=list(size) if size else None)


def encoder_type_name(type_) -> str:
    """The class name a frame encoder config's ``type`` builds (``'byov.X'`` -> ``'X'``),
    as :meth:`BaseFrameEncoder.identity` names it."""
    from byov.registry import MODELS
    if isinstance(type_, type):
        return type_.__name__
    cls = MODELS.get(type_) if isinstance(type_, str) else None
    return cls.__name__ if cls is not None else str(type_).rsplit('.', 1)[-1]


def cache_manifest(cache) -> Optional[dict]:
    """What a :class:`~byov.datasets.FeatureCache`'s key stands for: the spec it computed
    from its configs, or, when the key was pinned, its folder's ``meta.json``; None when
    neither is there."""
    if cache.spec is not None:
        return cache.spec
    path = osp.join(cache.root, 'meta.json')
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def cache_source(cache) -> dict:
    """The feature source of a :class:`~byov.datasets.FeatureCache`, from its manifest.

    Without a manifest (a pinned ``key`` whose folder has no ``meta.json``) only the mode
    and key are known; a checkpoint then cannot be checked against the encoder (the stem
    says so when it loads one)."""
    from byov.registry import MODELS
    manifest = cache_manifest(cache)
    source = make_source(cache.input_type, mode=cache.mode, key=cache.key)
    if manifest is None:
        return source
    encoder = manifest.get('frame_encoder') or {}
    source['frame_encoder'] = dict(
        type=encoder_type_name(encoder.get('type')), source=encoder.get('pretrained'),
        revision=None, fingerprint=manifest.get('frame_encoder_weights'))
    source['frame_size'] = list(manifest['frame_size']) if manifest.get(
        'frame_size') else None
    preprocessor = manifest.get('data_preprocessor')
    if preprocessor:
        built = MODELS.build(dict(preprocessor, input_type='frames'))
        source['normalisation'] = normalisation_of(built)
    source['token_selector'] = plain(manifest.get('token_selector'))
    return source


def frames_source(frame_size=None, preprocessor=None, frame_encoder=None,
                  token_selector=None) -> dict:
    """The feature source of a model reading frames: its encoder's identity, the frame
    size of the dataset and the normalisation of the model's data preprocessor."""
    return make_source('frames', frame_encoder=frame_encoder,
                       frame_size=list(frame_size) if frame_size else None,
                       normalisation=normalisation_of(preprocessor),
                       token_selector=plain(token_selector))


def is_cached(source: Optional[dict]) -> bool:
    return bool(source) and source.get('input_type') in CACHED_TYPES


def source_differences(recorded: dict, current: dict) -> List[str]:
    """What differs between two feature sources in a way that changes the frame vectors a
    model sees at evaluation; empty when a checkpoint of ``recorded`` may run on
    ``current``.

    - the frame encoder (type and fingerprint), whenever both are known;
    - with a cache on either side: the frame size and the normalisation, where both are
      known (a model reading frames keeps its config's, as before);
    - with a compact cache on either side: the token selector, where both are known (it
      is stored in the cache; elsewhere it runs in the model from its config).

    The mode alone is no difference: the image path, the exact and the compact cache
    give the same evaluation vectors (up to float16 rounding of exact tokens); compact
    mode differs only in the training inputs it gave (docs/performance.md)."""
    diffs = []
    enc_a, enc_b = recorded.get('frame_encoder'), current.get('frame_encoder')
    if enc_a and enc_b:
        for field in ('type', 'fingerprint'):
            if enc_a.get(field) != enc_b.get(field):
                diffs.append(f'frame encoder {field} {enc_a.get(field)!r} vs '
                             f'{enc_b.get(field)!r}')
    if is_cached(recorded) or is_cached(current):
        for field in ('frame_size', 'normalisation'):
            a, b = recorded.get(field), current.get(field)
            if a is not None and b is not None and a != b:
                diffs.append(f'{field} {a} vs {b}')
    if COMPACT_TYPE in (recorded.get('input_type'), current.get('input_type')):
        a, b = recorded.get('token_selector'), current.get('token_selector')
        if a is not None and b is not None and a != b:
            diffs.append(f'token selector {a} vs {b}')
    return diffs


def describe_source(source: Optional[dict]) -> str:
    """One phrase: ``'frames through TinyPatchEncoder (fingerprint 1a2b3c4d5e6f)'``."""
    if not source:
        return 'unknown features'
    enc = source.get('frame_encoder') or {}
    encoder = (f"{enc.get('type')} (fingerprint {str(enc.get('fingerprint'))[:12]}"
               f"{', ' + str(enc['source']) if enc.get('source') else ''})"
               if enc else 'an unrecorded frame encoder')
    if source.get('input_type') == 'frames':
        return f'frames through {encoder}'
    return f"the {source.get('mode')}-mode feature cache {source.get('key')} of {encoder}"
