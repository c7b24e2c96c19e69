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

