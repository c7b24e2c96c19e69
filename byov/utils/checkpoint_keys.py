"""Does a checkpoint's state dict fit the model? Checked before any weight is copied.

mmengine loads ``load_from`` non-strictly and only logs what did not match, so a
checkpoint of another model (other widths, another loss head, half its keys) evaluates
as if it were this one. :func:`match_state_dict` decides by ``mode``:

- ``'strict'`` (``tools/test.py``, ``--resume``): a missing, unexpected or mis-shaped key
  is an error that lists the first few of each and says how to proceed;
- ``'partial'`` (``tools/test.py --partial-load``): the matching keys load, the others
  are logged; mis-shaped keys are still an error;
- ``'finetune'`` (``load_from`` in training): as ``'partial'``, with a warning.

Shapes are never lenient. Two model hooks make keys ignorable (the contract byov's models
implement; both are optional, default: nothing):

- ``model.frozen_state_prefixes() -> tuple[str, ...]``: state-dict key prefixes of frozen
  weights that the model rebuilds from its config; they may be missing from a checkpoint;
- ``model.ignorable_checkpoint_prefixes() -> tuple[str, ...]``: prefixes whose missing
  *or* unexpected keys are ignored, e.g. the frame encoder of a full checkpoint loaded
  into a model that reads cached features and has no frame encoder.
"""
import logging
from typing import Dict, List, Tuple

from mmengine.logging import print_log

from .errors import UserInputError

MODES = ('strict', 'partial', 'finetune')
SHOWN = 5  # keys listed per kind


def _prefixes(model, hook: str) -> Tuple[str, ...]:
    return tuple(getattr(model, hook, lambda: ())())


def _listed(keys: List[str]) -> str:
    more = f', ... ({len(keys) - SHOWN} more)' if len(keys) > SHOWN else ''
    return ', '.join(keys[:SHOWN]) + more


def compare_state_dicts(model, state_dict) -> Dict[str, list]:
    """Keys of ``state_dict`` against ``model.state_dict()``, after the model's
    ignorable prefixes: ``missing`` / ``unexpected`` key lists, ``shapes`` as
    ``(key, checkpoint shape, model shape)``, the ``loaded`` and the ``ignored``
    checkpoint keys."""
    own = model.state_dict()
    ignorable = _prefixes(model, 'ignorable_checkpoint_prefixes')
    frozen = _prefixes(model, 'frozen_state_prefixes')
    ignored = [k for k in list(own) + list(state_dict)
               if ignorable and k.startswith(ignorable)]
    missing = [k for k in own if k not in state_dict and k not in ignored
               and not (frozen and k.startswith(frozen))
               and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in state_dict if k not in own and k not in ignored]
    shapes = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state_dict.items()
              if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    loaded = [k for k in state_dict if k in own and k not in ignored]
    return dict(missing=missing, unexpected=unexpected, shapes=shapes, loaded=loaded,
                ignored=sorted(set(ignored) & set(state_dict)))


def _report(found) -> List[str]:
    lines = []
    if found['missing']:
        lines.append(f'{len(found["missing"])} missing key(s) (in the model, not in the '
                     f'checkpoint): {_listed(found["missing"])}')
    if found['unexpected']:
        lines.append(f'{len(found["unexpected"])} unexpected key(s) (in the checkpoint, '
                     f'not in the model): {_listed(found["unexpected"])}')
    if found['shapes']:
        shown = [f'{k} {list(a)} in the checkpoint, {list(b)} in the model'
                 for k, a, b in found['shapes']]
        lines.append(f'{len(shown)} key(s) of another shape: {_listed(shown)}')
    return lines


class CheckpointMismatchError(UserInputError, RuntimeError):
    """A checkpoint's weights do not fit the model (missing, unexpected or other-shaped
    keys); the message lists them and what to do."""


def match_state_dict(model, state_dict, mode: str, source: str) -> Dict[str, list]:
    """Check ``state_dict`` against ``model`` by ``mode`` (see the module docstring);
    raise :class:`CheckpointMismatchError` (a ``RuntimeError``) if it may not load. Returns :func:`compare_state_dicts`'s
    result; the caller loads only the keys that match."""
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}.')
    found = compare_state_dicts(model, state_dict)
    lines = _report(found)
    what = f'{source} does not match the model ({type(model).__name__})'
    if found['shapes'] or (mode == 'strict' and lines):
        how = ('Is it a checkpoint of this config (model type, widths, depth)? Convert it '
               'or use the config it was trained with.')
        if mode == 'strict' and not found['shapes']:
            how += (' To evaluate with only the matching weights, pass --partial-load to '
                    'tools/test.py (recorded in results.json); training loads load_from '
                    'leniently.')
        elif mode == 'strict':
            how += ' Weights of another shape never load, not even with --partial-load.'
        raise CheckpointMismatchError(f'{what}:\n  ' + '\n  '.join(lines) + f'\n{how}')
    if lines:
        print_log(f'{what}; loaded the {len(found["loaded"])} matching key(s), '
                  'skipped:\n  ' + '\n  '.join(lines),
                  logger='current', level=logging.WARNING)
    return found
