"""Import every byov module that registers something and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all of byov's registered components.

    Args:
        init_default_scope: also make ``'byov'`` the current default scope, so that
            building a bare config dict (``MODELS.build(dict(type='BYOV', ...))``)
            finds byov's components first.
    """
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
