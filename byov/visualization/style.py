"""What every figure shares: phase colours, view markers, phase names, PNG output.

Figures are drawn with matplotlib's object API on an Agg canvas (``Figure`` +
``FigureCanvasAgg``), never through ``pyplot``: no global backend is switched, no window
opens, and drawing works in headless jobs and worker processes alike.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

# matplotlib's tab10 (blue, orange, green, red, purple, ...): the first five, which cover
# every AE2 dataset and the synthetic benchmark, are far apart in hue. tab20 beyond ten.
_PHASE_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
                  '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']
VIEW_MARKERS = {True: 'o', False: '^'}  # is_ego -> marker
VIEW_NAMES = {True: 'ego', False: 'exo'}
DPI = 100


def phase_colours(num_classes: int) -> List:
    """One colour per phase, stable across figures."""
    colours = list(_PHASE_COLOURS)
    if num_classes > len(colours):
        import matplotlib
        tab20 = matplotlib.colormaps['tab20']
        colours += [tab20(i % 20) for i in range(num_classes - len(colours))]
    return colours[:num_classes]


def phase_cmap(num_classes: int) -> ListedColormap:
    """A discrete colour map for phase bars (value k -> phase k's colour)."""
    return ListedColormap(phase_colours(num_classes))


def phase_names(num_classes: int, names: Optional[Sequence[str]] = None) -> List[str]:
    """Names for phases 0..num_classes-1: ``names`` where given, 'phase k' otherwise."""
    names = list(names or [])
    return [f'{k}: {names[k]}' if k < len(names) else f'phase {k}'
            for k in range(num_classes)]


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas (inches; PNGs are written at ``DPI``)."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def figure_to_rgb(fig: Figure) -> np.ndarray:
    """The rendered figure as uint8 RGB ``[H, W, 3]`` (for ``Visualizer.add_image``)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def save_figure(fig: Figure, path: str, palette: bool = False) -> str:
    """Write ``fig`` as a PNG (folders created; written to a temporary name first).

    ``palette=True`` stores 256 colours (median cut, no dithering): plots lose nothing
    visible and files shrink 2-4 times (video frames show slight banding); meant for
    figures kept in a repository.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp.png'
    try:
        if palette:
            from PIL import Image
            image = Image.fromarray(figure_to_rgb(fig)).quantize(
                colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            image.save(tmp, format='PNG', optimize=True)
        else:
            fig.savefig(tmp, dpi=DPI, facecolor='white')
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def draw_phase_bar(ax, labels: np.ndarray, num_classes: int, vertical: bool = False,
                   label: str = '') -> None:
    """Draw a video's per-frame phases as a coloured strip on ``ax``."""
    strip = np.asarray(labels)[:, None] if vertical else np.asarray(labels)[None, :]
    ax.imshow(strip, aspect='auto', cmap=phase_cmap(num_classes), vmin=-0.5,
              vmax=num_classes - 0.5, interpolation='nearest')
    ax.set_xticks([])
    ax.set_yticks([])
    if label:
        if vertical:
            ax.set_ylabel(label, fontsize=9)
        else:
            ax.set_xlabel(label, fontsize=9)
