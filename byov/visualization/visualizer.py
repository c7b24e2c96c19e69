"""byov's visualizer: mmengine's ``Visualizer`` that also takes matplotlib figures, and
the names of the experiment trackers a run can log to.

Where the numbers and figures of a run go is mmengine's business: the runner's
visualizer hands every scalar (losses and learning rate from ``LoggerHook``, the metrics
after each validation) and every image to each of its ``vis_backends``. byov only adds
:class:`EgoExoVisualizer` (the default runtime's visualizer), whose :meth:`add_figure`
sends a figure of :mod:`byov.visualization` to every backend, and which refuses a
backend whose package is missing as it is built, with a user error naming the package
(byov's tools print it as one message; mmengine's own error, a moment later, comes with
a traceback and, for TensorBoard, asks for ``future``). docs/training_and_evaluation.md
shows the switch (``visualizer.vis_backends`` in a config, or ``tools/train.py
--vis-backend``).
"""
import inspect
from importlib.util import find_spec
from typing import Iterable, List, Optional, Sequence

from matplotlib.figure import Figure
from mmengine.visualization import Visualizer, vis_backend as mme_backends

from byov.registry import VISBACKENDS, VISUALIZERS
from byov.utils.errors import UserInputError
from .style import figure_to_rgb

#: ``tools/train.py --vis-backend NAME`` -> mmengine's backend type.
VIS_BACKEND_TYPES = dict(tensorboard='TensorboardVisBackend', wandb='WandbVisBackend',
                         mlflow='MLflowVisBackend')

# mmengine backend class name -> (module its backend imports, pip package to install)
_BACKEND_PACKAGES = dict(
    TensorboardVisBackend=('tensorboard', "tensorboard (pip install -e '.[tensorboard]')"),
    WandbVisBackend=('wandb', 'wandb (pip install wandb)'),
    MLflowVisBackend=('mlflow', 'mlflow (pip install mlflow)'),
    ClearMLVisBackend=('clearml', 'clearml (pip install clearml)'),
    NeptuneVisBackend=('neptune', 'neptune (pip install neptune)'),
    DVCLiveVisBackend=('dvclive', 'dvclive (pip install dvclive)'),
    AimVisBackend=('aim', 'aim (pip install aim)'),
)


class VisBackendUnavailableError(UserInputError, ImportError):
    """A backend in ``visualizer.vis_backends`` needs a package that is not installed."""


class VisBackendOptionError(UserInputError, ValueError):
    """``--vis-backend`` names a tracker byov does not know."""


def _missing_package(backend_cls) -> Optional[str]:
    """The pip package a backend class of mmengine (or a subclass) needs and lacks;
    None if it is there or the class needs none byov knows of."""
    for cls in backend_cls.__mro__:
        module, package = _BACKEND_PACKAGES.get(cls.__name__, (None, None))
        if module is not None and getattr(mme_backends, cls.__name__, None) is cls:
            return package if find_spec(module) is None else None
    return None


def check_vis_backends(vis_backends: Optional[Sequence]) -> None:
    """Raise :class:`VisBackendUnavailableError` for a backend (config dict or instance)
    whose package is missing. Types that do not resolve are left to mmengine's build."""
    for backend in vis_backends or []:
        if isinstance(backend, dict):
            kind = backend.get('type')
            cls = kind if inspect.isclass(kind) else (
                VISBACKENDS.get(kind) if isinstance(kind, str) else None)
        else:
            cls = type(backend)
        package = _missing_package(cls) if inspect.isclass(cls) else None
        if package is not None:
            raise VisBackendUnavailableError(
                f'visualizer.vis_backends: {cls.__name__} needs the package {package}. '
                'Install it, or remove the backend from the config (or from the '
                '--vis-backend option).')


@VISUALIZERS.register_module()
class EgoExoVisualizer(Visualizer):
    """mmengine's :class:`~mmengine.visualization.Visualizer` with :meth:`add_figure`.

    Built by the runner from ``visualizer = dict(type='EgoExoVisualizer',
    vis_backends=[...])`` (``configs/_base_/default_runtime.py``); takes the arguments
    of mmengine's ``Visualizer``.

    Raises:
        VisBackendUnavailableError: a backend's package (tensorboard, wandb, mlflow, ...)
            is not installed; the message names the backend and the pip command.
    """

    def __init__(self, name: str = 'visualizer', vis_backends: Optional[Sequence] = None,
                 **kwargs) -> None:
        check_vis_backends(vis_backends)
        super().__init__(name=name, vis_backends=vis_backends, **kwargs)

    @classmethod
    def get_instance(cls, name: str, **kwargs) -> 'EgoExoVisualizer':
        """mmengine's (the runner builds its visualizer through it), with the backends
        checked first: outside the lock that mmengine holds while it constructs."""
        check_vis_backends(kwargs.get('vis_backends'))
        return super().get_instance(name, **kwargs)

    def add_figure(self, name: str, figure: Figure, step: int = 0) -> None:
        """Render a matplotlib figure and add it as an image to every backend.

        Args:
            name: the image's tag, e.g. ``'val_projection'`` (``LocalVisBackend`` writes
                ``vis_image/{name}_{step}.png``; keep it a valid file name).
            figure: a figure on any canvas (rendered on an Agg canvas, uint8 RGB
                ``[H, W, 3]``).
            step: the global step shown with it (the epoch or iteration).
        """
        self.add_image(name, figure_to_rgb(figure), step=step)


def add_vis_backends(cfg, names: Iterable[str]) -> List[str]:
    """Add experiment trackers to ``cfg.visualizer.vis_backends`` (``tools/train.py
    --vis-backend``): a plain merge into the config, as if written in it.

    Args:
        cfg: an mmengine ``Config`` (changed in place). Without a ``visualizer`` one is
            added: an :class:`EgoExoVisualizer` with ``LocalVisBackend``.
        names: keys of :data:`VIS_BACKEND_TYPES` ('tensorboard', 'wandb', 'mlflow');
            a backend the config already lists is not added twice.

    Returns:
        The backend types of the visualizer afterwards, in order.
    """
    unknown = [n for n in names if n not in VIS_BACKEND_TYPES]
    if unknown:
        raise VisBackendOptionError(
            f'--vis-backend {" ".join(unknown)}: unknown; choose from '
            f'{", ".join(VIS_BACKEND_TYPES)}, or list any mmengine backend in the '
            "config's visualizer.vis_backends.")
    if cfg.get('visualizer') is None:
        cfg.visualizer = dict(type='EgoExoVisualizer',
                              vis_backends=[dict(type='LocalVisBackend')])
    backends = list(cfg.visualizer.get('vis_backends') or [])
    present = {b.get('type') for b in backends}
    for name in names:
        if VIS_BACKEND_TYPES[name] not in present:
            backends.append(dict(type=VIS_BACKEND_TYPES[name]))
            present.add(VIS_BACKEND_TYPES[name])
    cfg.visualizer.vis_backends = backends
    return [b.get('type') for b in backends]
