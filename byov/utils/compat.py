"""Workarounds for defects of upstream packages, in one place.

Imported once, by :mod:`byov.registry` (which every byov module imports), before any of
mmaction2's models. Each workaround names the upstream defect it covers; delete it when
the pinned version is fixed.
"""
import sys
import types
import warnings

# --- mmcv-lite 2.1.0 has no compiled ops, and ``import mmcv.cnn`` warns that
# MultiScaleDeformableAttention is missing every time. byov does not use it.
warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

# --- mmaction2 1.2.0: the published wheel lacks ``mmaction/models/localizers/drn/``
# (open-mmlab/mmaction2 issue #2714), yet ``mmaction.models.localizers`` imports
# ``.drn.drn.DRN``, so ``import mmaction.models`` fails. A placeholder module stands in;
# DRN itself (temporal grounding) is not used by byov.
def _mmaction_ships_drn():
    import importlib.util
    import pathlib
    spec = importlib.util.find_spec('mmaction')
    root = pathlib.Path(spec.origin).parent
    return (root / 'models' / 'localizers' / 'drn' / 'drn.py').is_file()


if 'mmaction.models.localizers.drn' not in sys.modules and not _mmaction_ships_drn():
    class _MissingDRN:
        def __init__(self, *args, **kwargs):
            raise ImportError('mmaction2 1.2.0 ships without DRN (mmaction2 issue #2714).')

    _drn_pkg = types.ModuleType('mmaction.models.localizers.drn')
    _drn_mod = types.ModuleType('mmaction.models.localizers.drn.drn')
    _drn_mod.DRN = _MissingDRN
    _drn_pkg.drn = _drn_mod
    _drn_pkg.__path__ = []
    sys.modules['mmaction.models.localizers.drn'] = _drn_pkg
    sys.modules['mmaction.models.localizers.drn.drn'] = _drn_mod

# --- mmaction2 1.2.0: with transformers installed, ``import mmaction.models`` imports
# its multimodal models, which need timm and transformers-4 internals that do not import
# beside transformers 5 (and timm needs torchvision). byov uses none of them.
import mmaction.utils.dependency as _mmaction_dependency  # noqa: E402

_mmaction_dependency.WITH_MULTIMODAL = False


# --- mmengine 0.10.7 with torch >= 2.6: ``torch.load`` defaults to ``weights_only=True``
# and mmengine's checkpoints pickle ``HistoryBuffer`` and numpy objects, so ``load_from``
# and ``--resume`` fail ("Unsupported global: ... HistoryBuffer"). We install a loader for
# local files that keeps ``weights_only=True`` (a checkpoint never runs code from the
# file) and allow-lists the plain data classes mmengine writes. Files that need more
# (e.g. PyTorch Lightning checkpoints) load only when the user opts in; see
# :func:`byov.utils.checkpoint.load_checkpoint_file`.
def _install_safe_checkpoint_loader():
    from mmengine.runner.checkpoint import CheckpointLoader

    from byov.utils.checkpoint import load_checkpoint_file

    def _load_local(filename, map_location):
        return load_checkpoint_file(filename, map_location=map_location)

    CheckpointLoader.register_scheme(prefixes='', loader=_load_local, force=True)


_install_safe_checkpoint_loader()



# --- mmengine 0.10.7 writes checkpoints in place: ``save_checkpoint`` serialises to
# memory and ``LocalBackend.put`` then does ``open(path, 'wb').write(...)``, so a run
# killed while saving leaves a truncated ``epoch_N.pth`` under its final name, which
# ``--resume PATH`` / ``tools/test.py`` later fail on. The local backend's ``put`` and
# ``put_text`` now write to a temporary name and rename (byov.utils.atomic). mmengine's
# own ``last_checkpoint`` marker is written with a plain ``open`` after the checkpoint is
# complete; docs/reliability.md lists what remains.
def _make_local_backend_writes_atomic():
    import os.path as osp

    from mmengine.fileio.backends.local_backend import LocalBackend
    from mmengine.utils import mkdir_or_exist

    from byov.utils.atomic import atomic_write

    def put(self, obj, filepath):
        mkdir_or_exist(osp.dirname(filepath))
        with atomic_write(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        mkdir_or_exist(osp.dirname(filepath))
        with atomic_write(filepath, 'w', encoding=encoding) as f:
            f.write(obj)

    put.__doc__ = 'Write bytes to ``filepath`` atomically (byov.utils.compat).'
    put_text.__doc__ = 'Write text to ``filepath`` atomically (byov.utils.compat).'
    LocalBackend.put = put
    LocalBackend.put_text = put_text


_make_local_backend_writes_atomic()


# --- mmengine 0.10.7: an unknown type fails with "X is not in the byov::model registry"
# and no hint. ``Registry.build`` is the one entry point of every build (byov's own
# registries, and mmengine's root ones, which the Runner uses and which look the type up
# in byov's through the default scope), so it is wrapped here to add the closest
# registered names to that KeyError. Other errors pass through unchanged.
def _suggest_close_registry_names():
    import difflib
    import re

    from mmengine.registry import Registry

    pattern = re.compile(r'^(\S+) is not in the (\S*)::(.+?) registry')
    marker = 'Registered names closest to'

    def registered_names(registry, scope):
        """Names a lookup in ``scope`` can resolve: that registry and its parents."""
        root = registry._get_root_registry()
        found = root._search_child(scope) if scope else None
        names = set()
        while found is not None:
            found.import_from_location()
            names.update(found.module_dict)
            found = found.parent
        return names

    def close_matches(name, names, n=3):
        by_lower = {}
        for candidate in sorted(names):
            by_lower.setdefault(candidate.lower(), candidate)
        hits = difflib.get_close_matches(name.split('.')[-1].lower(), list(by_lower), n=n,
                                         cutoff=0.6)
        return [by_lower[h] for h in hits]

    original_build = Registry.build

    def build(self, cfg, *args, **kwargs):
        try:
            return original_build(self, cfg, *args, **kwargs)
        except KeyError as err:
            message = str(err.args[0]) if err.args else ''
            match = pattern.match(message)
            if match and marker not in message:
                name, scope, kind = match.groups()
                hits = close_matches(name, registered_names(self, scope))
                hint = (f'{marker} {name!r}: {", ".join(hits)}.' if hits else
                        f'No registered {kind} name is close to {name!r}.')
                err.args = (f'{name} is not in the {scope}::{kind} registry. {hint} '
                            f'A type of your own must be imported first '
                            f"(custom_imports=dict(imports=['your.module'])).",)
            raise

    build.__doc__ = original_build.__doc__
    Registry.build = build


_suggest_close_registry_names()
