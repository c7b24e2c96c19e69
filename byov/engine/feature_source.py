"""The run tells the model what its inputs are made from, before any checkpoint loads.

A model's stem (:class:`~byov.models.FrameStem`) records in its checkpoints the feature
source of the data it trained on (:mod:`byov.models.feature_source`) and compares a
loaded checkpoint's record with the data of the current run. A stem that reads cached
features cannot know which cache that is: the datasets do (``dataset.feature_cache``).
:func:`hand_feature_source` gives it the source of the run's data. It is called where
every runner passes before ``load_or_resume()``:

- byov's evaluation loops (``EgoExoValLoop``, ``EgoExoTestLoop``), built by mmengine's
  Runner before it loads ``load_from`` or resumes, in ``test()``, ``val()`` and
  ``train()``; during training they hand over the training data's source (the loop is
  built after the train loop) and check that their splits agree with it;
- :class:`~byov.engine.ByovRunner` when it builds the train loop (a run without
  validation).
"""
from typing import Optional, Sequence, Tuple

from mmengine.model import is_model_wrapper

from byov.models.feature_source import (cache_source, describe_source, frames_source,
                                        source_differences)
from byov.utils.errors import UserInputError


class FeatureSourceConflictError(UserInputError, ValueError):
    """Two loaders of one run feed the model differently made features."""


def dataset_feature_source(dataset, model=None) -> Optional[dict]:
    """The feature source of a dataset's items: its feature cache's (from the manifest),
    or frames with its frame size and the normalisation of ``model``'s data
    preprocessor; None for a dataset that is neither (not one of byov's)."""
    cache = getattr(dataset, 'feature_cache', None)
    if cache is not None:
        return cache_source(cache)
    frame_cache = getattr(dataset, 'frame_cache', None)
    if frame_cache is None:
        return None
    preprocessor = getattr(model, 'data_preprocessor', None)
    return frames_source(getattr(frame_cache, 'frame_size', None), preprocessor)


def _stems(model):
    from byov.models.stems import FrameStem
    return [m for m in model.modules() if isinstance(m, FrameStem)]


def hand_feature_source(model, datasets: Sequence[Tuple[str, object]],
                        role: str = 'eval') -> Optional[dict]:
    """Give every :class:`~byov.models.FrameStem` of ``model`` the feature source of the
    first of ``datasets`` (``(name, dataset)`` pairs, e.g. ``('train_dataloader',
    dataset)``), after checking that the others are made the same way.

    Returns the source handed over, or None when the model has no stem or no dataset is
    one of byov's. Raises :class:`FeatureSourceConflictError` when two datasets differ
    (another encoder, frame size, normalisation or compact token selector): the model
    would be trained or evaluated on features it was not made for."""
    model = model.module if is_model_wrapper(model) else model
    stems = _stems(model)
    if not stems:
        return None
    found = [(name, dataset_feature_source(ds, model)) for name, ds in datasets]
    found = [(name, src) for name, src in found if src is not None]
    if not found:
        return None
    (first_name, first), others = found[0], found[1:]
    for name, source in others:
        diffs = source_differences(first, source)
        if source['input_type'] != first['input_type']:
            diffs.insert(0, f"input type {first['input_type']!r} vs "
                            f"{source['input_type']!r}")
        if diffs:
            raise FeatureSourceConflictError(
                f'{first_name} feeds the model {describe_source(first)}, but {name} '
                f'{describe_source(source)}; they differ in: {"; ".join(diffs)}. A model '
                'only fits the features it is trained on: give every loader the same '
                'feature_cache (or none), frame size and data preprocessor.')
    for stem in stems:
        stem.set_feature_source(first, role)
    return first
