"""Workarounds for defects of upstream packages, applied only where byov owns the process.

Importing this module changes nothing. byov's command-line tools call
:func:`byov.utils.setup_env.setup_tool_process`, and
:func:`byov.utils.setup_env.register_all_modules` calls
:func:`enable_mmaction_models_import`; a process that merely imports byov (an mmaction2
config with ``custom_imports=dict(imports=['byov'])``, say) keeps mmengine and mmaction2
exactly as they were. What byov needs in every process it gets through mmengine's
extension points instead: weights-only checkpoint loading and strict key checks in
:class:`byov.engine.ByovRunner`, atomic checkpoint writes through a registered file
backend (:mod:`byov.engine.atomic_backend`), the non-finite-loss guard as a registered
optim wrapper, closest-name hints in byov's own registries.

Each workaround names the upstream defect it covers; delete it when the pinned version is
fixed.
"""
import importlib.util
import pathlib
import sys
import types
import warnings


def _mmaction_root() -> pathlib.Path:
    return pathlib.Path(importlib.util.find_spec('mmaction').origin).parent


def _multimodal_importable() -> bool:
    """mmaction2 1.2.0's multimodal models (VindLU) import ``timm`` and transformers-4
    internals; with transformers 5, or without timm, they do not import."""
    if importlib.util.find_spec('timm') is None:
        return False
    try:
        from importlib.metadata import version
        return int(version('transformers').split('.')[0]) < 5
    except Exception:  # noqa: BLE001  (not installed: mmaction2 skips them itself)
        return True


def enable_mmaction_models_import() -> None:
    """Make ``import mmaction.models`` work with the published mmaction2 1.2.0 wheel.

    Does nothing when ``mmaction.models`` is imported already or imports as shipped.
    Otherwise, for this process:

    - the wheel lacks ``mmaction/models/localizers/drn/`` (open-mmlab/mmaction2 issue
      #2714), yet ``mmaction.models.localizers`` imports ``.drn.drn.DRN``: a placeholder
      module stands in (building ``DRN``, temporal grounding, raises ImportError);
    - with transformers installed, mmaction2 imports its multimodal models, which do not
      import beside transformers 5 or without timm: ``WITH_MULTIMODAL`` is set to False
      then (mmaction2 registers placeholders for them, as without transformers);
    - ``import mmcv.cnn`` (mmcv-lite has no compiled ops) warns that
      ``MultiScaleDeformableAttention`` is missing: that warning is filtered.
    """
    if 'mmaction.models' in sys.modules:
        return
    warnings.filterwarnings('ignore',
                            message='Fail to import ``MultiScaleDeformableAttention``')
    drn = _mmaction_root() / 'models' / 'localizers' / 'drn' / 'drn.py'
    if 'mmaction.models.localizers.drn' not in sys.modules and not drn.is_file():
        class DRN:  # stand-in
            def __init__(self, *args, **kwargs):
                raise ImportError(
                    'mmaction2 1.2.0 ships without DRN (mmaction2 issue #2714).')

        package = types.ModuleType('mmaction.models.localizers.drn')
        module = types.ModuleType('mmaction.models.localizers.drn.drn')
        module.DRN = DRN
        package.drn, package.__path__ = module, []
        sys.modules[package.__name__] = package
        sys.modules[module.__name__] = module
    import mmaction.utils.dependency as dependency
    if dependency.WITH_MULTIMODAL and not _multimodal_importable():
        dependency.WITH_MULTIMODAL = False


def import_mmaction_models():
    """``mmaction.models``, for byov components built on mmaction2's (the AE2 ResNet).
    Where it does not import as shipped and byov has not set up the process, say what to
    do instead of mmaction2's ``No module named 'mmaction.models.localizers.drn'``."""
    try:
        import mmaction.models
    except ImportError as err:
        raise ImportError(
            f'mmaction.models does not import here ({err}): the published mmaction2 1.2.0 '
            'wheel lacks DRN and imports multimodal models that need timm and '
            'transformers 4. Call byov.utils.register_all_modules() first (byov\'s tools '
            'do), which makes it importable in this process.') from err
    return mmaction.models


def use_weights_only_checkpoint_loaders() -> None:
    """Route every scheme of mmengine's ``CheckpointLoader`` through byov's weights-only
    loaders (:data:`byov.utils.checkpoint.SCHEME_LOADERS`), for this process.

    mmengine 0.10.7's loaders call ``torch.load`` / ``torch.hub.load_state_dict_from_url``
    as they are: its http(s) loader (also behind ``torchvision://``, ``open-mmlab://``,
    ``mmcls://``) unpickles arbitrary objects, so a downloaded file could run code; its
    local loader, under torch >= 2.6, refuses the ``HistoryBuffer`` that mmengine writes
    into its own checkpoints. byov's tools load ``load_from`` / ``--resume`` through
    :class:`byov.engine.ByovRunner` anyway; this covers the other paths into
    ``CheckpointLoader`` in a tool's process (``init_cfg=dict(type='Pretrained')``, a
    backbone's ``pretrained=URL``). The loaders keep mmengine's names
    (``load_from_local`` ...), so its log line reads "Loads checkpoint by local backend".
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    from .checkpoint import SCHEME_LOADERS
    for prefixes, loader in SCHEME_LOADERS:
        CheckpointLoader.register_scheme(prefixes=list(prefixes), loader=loader, force=True)
