"""Set up a process for byov: register its modules, and (for byov's own tools) apply
the process-wide upstream workarounds of :mod:`byov.utils.compat`."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all of byov's registered components.

    Calling this says that byov may set up the process: mmaction2's model package is made
    importable first (:func:`byov.utils.compat.enable_mmaction_models_import`; nothing
    changes where it imports as shipped). Merely importing byov changes nothing.

    Args:
        init_default_scope: also make ``'byov'`` the current default scope, so that
            building a bare config dict (``MODELS.build(dict(type='BYOV', ...))``)
            finds byov's components first.
    """
    from .compat import enable_mmaction_models_import
    enable_mmaction_models_import()
    import byov.datasets  # noqa: F401
    import byov.engine  # noqa: F401
    import byov.evaluation  # noqa: F401
    import byov.models  # noqa: F401
    import byov.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('byov', scope_name='byov')
    elif current.scope_name != 'byov':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "byov"; '
                      'a new default scope "byov" is created and made current.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'byov-{stamp}', scope_name='byov')


def setup_tool_process() -> None:
    """What byov's command-line tools call first: the process is byov's.

    :func:`register_all_modules`, and every scheme of mmengine's ``CheckpointLoader``
    loads weights only (:func:`byov.utils.compat.use_weights_only_checkpoint_loaders`).
    """
    from .compat import use_weights_only_checkpoint_loaders
    use_weights_only_checkpoint_loaders()
    register_all_modules()
