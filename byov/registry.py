"""The registries of byov, children of mmaction2's (and through it mmengine's).

Every component a config can name is registered in one of these. Building a config
with ``default_scope='byov'`` looks a type up here first and then in the parents, and
``locations`` makes the registry import the modules that hold its members, so a config
never relies on import side effects elsewhere. byov has a child for every root registry
that a Runner reads (optimizers, log processors, model wrappers, ...), so that a build in
the ``byov`` scope finds its registry and does not fall back with mmengine's "Failed to
search registry with scope" warning.

Importing this module changes nothing outside byov: it only creates byov's registries.
They are :class:`ByovRegistry`, which adds the closest registered names to mmengine's
"X is not in the scope::kind registry" error (raised as :class:`UnknownTypeError`) and
turns a config option the built class does not take into a :class:`ConfigOptionError`
with the closest option names; builds through mmengine's root registries (the Runner's)
get the same hint from :class:`byov.engine.ByovRunner`.

The masking registry has no upstream counterpart: masking strategies are small callables
(see :mod:`byov.models.masking`) that the model builds from its config.
"""
import difflib
import inspect
import re

import mmaction.registry as mmaction_registry
from mmengine.registry import Registry

from byov.utils.errors import ConfigOptionError, UnknownTypeError, UserInputError

_MISSING = re.compile(r'^(\S+) is not in the (\S*)::(.+?) registry')
_HINT_MARKER = 'Registered names closest to'


def _registered_names(registry):
    """Names a lookup in ``registry`` can resolve: it and its parents."""
    names = set()
    while registry is not None:
        registry.import_from_location()
        names.update(registry.module_dict)
        registry = registry.parent
    return names


def _closest(name, names, n=3):
    by_lower = {}
    for candidate in sorted(names):
        by_lower.setdefault(candidate.lower(), candidate)
    hits = difflib.get_close_matches(name.split('.')[-1].lower(), list(by_lower), n=n,
                                     cutoff=0.6)
    return [by_lower[h] for h in hits]


def _root_named(kind: str):
    import mmengine.registry as roots
    return next((r for r in vars(roots).values()
                 if isinstance(r, Registry) and r.parent is None and r.name == kind), None)


def add_closest_names(err: KeyError, registry=None) -> None:
    """Rewrite mmengine's "X is not in the scope::kind registry" ``KeyError`` in place
    with the closest registered names. ``registry``: one of the registry tree (the scope
    named in the message is searched from its root); ``None``: mmengine's root registry
    named in the message. Other errors, and errors that already carry a hint, are left
    as they are."""
    message = str(err.args[0]) if err.args else ''
    match = _MISSING.match(message)
    if not match or _HINT_MARKER in message:
        return
    name, scope, kind = match.groups()
    root = registry._get_root_registry() if registry is not None else _root_named(kind)
    found = root._search_child(scope) if scope and root is not None else None
    hits = _closest(name, _registered_names(found)) if found is not None else []
    hint = (f'{_HINT_MARKER} {name!r}: {", ".join(hits)}.' if hits else
            f'No registered {kind} name is close to {name!r}.')
    err.args = (f'{name} is not in the {scope}::{kind} registry. {hint} A type of your '
                "own must be imported first (custom_imports=dict(imports=['your.module'])).",)


def unknown_type_error(err: KeyError, registry=None) -> 'UnknownTypeError | None':
    """mmengine's "X is not in the scope::kind registry" ``KeyError`` as an
    :class:`UnknownTypeError` with the closest registered names
    (:func:`add_closest_names`); None for any other ``KeyError``."""
    if isinstance(err, UnknownTypeError):
        return err
    add_closest_names(err, registry)
    message = str(err.args[0]) if err.args else ''
    return UnknownTypeError(message) if _MISSING.match(message) else None


_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")


def config_option_error(err: TypeError, cfg, registry) -> 'ConfigOptionError | None':
    """A :class:`ConfigOptionError` naming the built type, the option and the closest
    options it takes, when ``err`` is "unexpected keyword argument" for an option that
    is a key of ``cfg`` (so it came from the config, not from a bug inside the class);
    else None."""
    match = _UNEXPECTED.search(str(err))
    if not match or not hasattr(cfg, 'get') or match.group(1) not in cfg:
        return None
    option, kind = match.group(1), cfg.get('type')
    cls = kind if inspect.isclass(kind) else registry.get(kind) if isinstance(kind, str) \
        else None
    if cls is None:
        return None
    takes = [name for name, p in inspect.signature(cls).parameters.items()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    close = difflib.get_close_matches(option, takes, n=3, cutoff=0.6)
    name = getattr(cls, '__name__', str(kind))
    hint = f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ''
    return ConfigOptionError(
        f'{name} has no option {option!r} (given in the config dict of type={name!r}). '
        f'{hint}It takes: {", ".join(takes)}.')


class ByovRegistry(Registry):
    """mmengine's ``Registry``; ``build`` adds the closest names to an unknown type's
    ``KeyError`` (see :func:`add_closest_names`)."""

    def build(self, cfg, *args, **kwargs):
        try:
            return super().build(cfg, *args, **kwargs)
        except UserInputError:
            raise  # a nested build already explained it
        except KeyError as err:
            unknown = unknown_type_error(err, self)
            if unknown is None:
                raise
            raise unknown from err
        except TypeError as err:
            option = config_option_error(err, cfg, self)
            if option is None:
                raise
            raise option from err


def _child(name: str, location=None) -> ByovRegistry:
    parent = getattr(mmaction_registry, name)
    return ByovRegistry(parent.name, parent=parent, scope='byov',
                        locations=[location] if location else [])


MODELS = _child('MODELS', 'byov.models')
DATASETS = _child('DATASETS', 'byov.datasets')
DATA_SAMPLERS = _child('DATA_SAMPLERS', 'byov.datasets')
TRANSFORMS = _child('TRANSFORMS', 'byov.datasets.transforms')
METRICS = _child('METRICS', 'byov.evaluation')
LOOPS = _child('LOOPS', 'byov.engine')
HOOKS = _child('HOOKS', 'byov.engine')
RUNNERS = _child('RUNNERS', 'byov.engine')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', 'byov.engine')
VISUALIZERS = _child('VISUALIZERS', 'byov.visualization')
VISBACKENDS = _child('VISBACKENDS', 'byov.visualization')
# Children without byov members: a build in the byov scope finds them and goes on to
# mmaction2's and mmengine's.
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS')
OPTIMIZERS = _child('OPTIMIZERS')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS')
EVALUATOR = _child('EVALUATOR')
TASK_UTILS = _child('TASK_UTILS')
LOG_PROCESSORS = _child('LOG_PROCESSORS')
INFERENCERS = _child('INFERENCERS')
FUNCTIONS = _child('FUNCTION')
# Masking strategies: which frames of a clip the encoder sees. No upstream parent.
MASKING = ByovRegistry('masking strategy', scope='byov', locations=['byov.models.masking'])
