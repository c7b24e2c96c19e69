"""Draw the ego-exo figures after each validation / test epoch.

Off unless a config lists it::

    custom_hooks = [dict(type='EgoExoVisualizationHook',
                         compare_work_dir='work_dirs/demo/BYOV_untrained')]

After the evaluation loop (:class:`~byov.engine.EgoExoValLoop` /
:class:`~byov.engine.EgoExoTestLoop`) has evaluated, the hook takes the splits it
evaluated from ``loop.evaluation`` (an :class:`~byov.evaluation.EgoExoEvaluation`, with
the options the figures share with the metrics, such as the progression task's
``append_time``), draws the figures of :mod:`byov.visualization`, writes them as PNGs to
``<work_dir>/figures/<stage>/`` and hands them to the runner's visualizer, which adds
them as images to each of its backends: ``LocalVisBackend`` stores them under
``vis_data/vis_image/``, ``TensorboardVisBackend`` shows them in TensorBoard's image tab
(W&B, MLflow, ... alike). Their step is the one mmengine's ``LoggerHook`` gives the
metrics of the same evaluation (the epoch, or the iteration with
``log_metric_by_epoch=False``), so figures and scalars line up.
"""
import os.path as osp
from typing import Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.hooks import Hook, LoggerHook
from mmengine.logging import print_log

from byov.registry import HOOKS
from byov.utils.errors import UserInputError


class VisualizationHookOptionError(UserInputError, ValueError):
    """An option of ``EgoExoVisualizationHook`` in ``custom_hooks`` is wrong."""


def evaluation_step(runner):
    """``(unit, step)`` of an evaluation as mmengine's ``LoggerHook`` logs its metrics:
    ``('epoch', runner.epoch)``, or ``('iter', runner.iter)`` when the logger hook has
    ``log_metric_by_epoch=False``; step 0 outside training (``tools/test.py``; a train
    loop that was never built, as in ``runner.test()`` of a training config, is not
    built here)."""
    loggers = [h for h in getattr(runner, 'hooks', ()) if isinstance(h, LoggerHook)]
    by_epoch = all(h.log_metric_by_epoch for h in loggers)
    if isinstance(getattr(runner, '_train_loop', None), dict):
        return ('epoch' if by_epoch else 'iter'), 0
    return ('epoch', runner.epoch) if by_epoch else ('iter', runner.iter)


@HOOKS.register_module()
class EgoExoVisualizationHook(Hook):
    """Figures of the eval split's embeddings after val / test epochs.

    Args:
        figures: any of 'projection', 'alignment', 'retrieval', 'progression'.
        stages: when to draw: 'val' (after each validation, every ``val_interval``-th)
            and/or 'test'.
        val_interval: draw on every n-th validation only.
        compare_work_dir: a work dir (or embeddings folder) holding another model's
            embeddings of the same eval split, e.g. the untrained encoder's from
            ``tools/test.py CONFIG none --work-dir DIR``; drawn beside this model in
            'projection' and 'alignment'.
        compare_name: its panel title.
        model_name: this model's panel title.
        out_dir: folder for the PNGs, relative to the work dir unless absolute.
        projection: 'pca' or 'tsne'.
        max_points: frames drawn per projection panel at most.
        phase_names: names of the phases (default: from the dataset where it records
            them, otherwise 'phase k').
        ego_video, exo_video: videos of the alignment figure (default: the first of each
            view).
        num_queries, k: retrieval rows and neighbours per row.
        num_videos: videos of the progression figure.
        seed: choice of frames and queries.
        add_to_visualizer: also send the figures to the runner's visualizer (every
            backend; an :class:`~byov.visualization.EgoExoVisualizer` or any mmengine
            ``Visualizer``), tagged ``{stage}_{figure}``, e.g. ``val_projection``.

    Raises:
        VisualizationHookOptionError: an unknown figure, stage or projection.
    """

    priority = 'LOW'

    def __init__(self, figures: Sequence[str] = ('projection', 'alignment', 'retrieval',
                                                  'progression'),
                 stages: Sequence[str] = ('val', 'test'), val_interval: int = 1,
                 compare_work_dir: Optional[str] = None, compare_name: str = 'untrained',
                 model_name: str = 'this model', out_dir: str = 'figures',
                 projection: str = 'pca', max_points: Optional[int] = 2000,
                 phase_names: Optional[Sequence[str]] = None,
                 ego_video: Optional[str] = None, exo_video: Optional[str] = None,
                 num_queries: int = 4, k: int = 5, num_videos: int = 4, seed: int = 0,
                 add_to_visualizer: bool = True) -> None:
        from byov.visualization import FIGURES
        unknown = set(figures) - set(FIGURES)
        if unknown:
            raise VisualizationHookOptionError(
                f'EgoExoVisualizationHook (custom_hooks): unknown figures {sorted(unknown)}; '
                f'choose from {FIGURES}')
        bad_stages = set(stages) - {'val', 'test'}
        if bad_stages:
            raise VisualizationHookOptionError(
                f"EgoExoVisualizationHook (custom_hooks): stages must be 'val' and/or 'test', "
                f'got {sorted(bad_stages)}')
        if projection not in ('pca', 'tsne'):
            raise VisualizationHookOptionError(
                f"EgoExoVisualizationHook (custom_hooks): projection must be 'pca' or 'tsne', "
                f'got {projection!r}')
        self.figures = tuple(figures)
        self.stages = tuple(stages)
        self.val_interval = max(1, int(val_interval))
        self.compare_work_dir = compare_work_dir
        self.compare_name = compare_name
        self.model_name = model_name
        self.out_dir = out_dir
        self.projection = projection
        self.max_points = max_points
        self.phase_names = phase_names
        self.ego_video, self.exo_video = ego_video, exo_video
        self.num_queries, self.k, self.num_videos = num_queries, k, num_videos
        self.seed = seed
        self.add_to_visualizer = add_to_visualizer
        self._val_count = 0

    # ------------------------------------------------------------------ hook points
    def after_val_epoch(self, runner, metrics=None) -> None:
        if 'val' not in self.stages:
            return
        self._val_count += 1
        if self._val_count % self.val_interval:
            return
        unit, step = evaluation_step(runner)
        self._draw(runner, runner.val_loop, 'val', step, folder=f'val_{unit}_{step}')

    def after_test_epoch(self, runner, metrics=None) -> None:
        if 'test' in self.stages:
            self._draw(runner, runner.test_loop, 'test', evaluation_step(runner)[1],
                       folder='test')

    # ------------------------------------------------------------------ drawing
    def _draw(self, runner, loop, stage: str, step: int, folder: str) -> dict:
        if not is_main_process():
            return {}
        from byov.evaluation import EgoExoEvaluation
        from byov.visualization import (EgoExoVisualizer, VideoFrames, check_same_frames,
                                        draw_figures, figure_to_rgb, find_phase_names,
                                        load_embeddings, save_figures)
        evaluation = getattr(loop, 'evaluation', None)
        if not isinstance(evaluation, EgoExoEvaluation):
            print_log(f'EgoExoVisualizationHook: the {stage} loop '
                      f'({type(loop).__name__}) left no ego-exo evaluation; use '
                      'EgoExoValLoop / EgoExoTestLoop. No figures drawn.',
                      logger='current', level=30)
            return {}
        eval_dataset = loop.dataloader.dataset
        eval_set, fit_set = evaluation.eval_set, evaluation.fit_set
        eval_split = eval_set.split
        compare = {}
        if self.compare_work_dir:
            try:
                other = load_embeddings(self.compare_work_dir, eval_split)
                check_same_frames(other, eval_set, self.compare_work_dir)
                compare[self.compare_name] = other
            except (OSError, ValueError) as err:
                print_log(f'EgoExoVisualizationHook: drawing without the comparison '
                          f'panel: {err}', logger='current', level=30)
        frames = None
        if 'retrieval' in self.figures and hasattr(eval_dataset, 'frame_cache'):
            frames = VideoFrames(eval_dataset)
        names = self.phase_names or find_phase_names(getattr(eval_dataset, 'data_root', None))
        figs = {}
        for figure in self.figures:  # one failing figure never stops training or the others
            try:
                figs.update(draw_figures(
                    eval_set, fit_set, compare=compare, frames=frames, figures=[figure],
                    model_name=self.model_name, names=names, projection=self.projection,
                    max_points=self.max_points, ego_video=self.ego_video,
                    exo_video=self.exo_video, num_queries=self.num_queries, k=self.k,
                    num_videos=self.num_videos, seed=self.seed,
                    **evaluation.figure_options))
            except Exception as err:  # noqa: BLE001  (reported, not raised)
                print_log(f'EgoExoVisualizationHook: the {figure} figure failed: '
                          f'{type(err).__name__}: {err}', logger='current', level=30)
        out_dir = self.out_dir if osp.isabs(self.out_dir) else osp.join(runner.work_dir,
                                                                         self.out_dir)
        folder = osp.join(out_dir, folder)
        paths = save_figures(figs, folder)
        visualizer = getattr(runner, 'visualizer', None)
        if self.add_to_visualizer and visualizer is not None:
            for name, fig in figs.items():
                if isinstance(visualizer, EgoExoVisualizer):
                    visualizer.add_figure(f'{stage}_{name}', fig, step=step)
                else:  # a config's own mmengine Visualizer
                    visualizer.add_image(f'{stage}_{name}', figure_to_rgb(fig), step=step)
        print_log(f'EgoExoVisualizationHook: {len(paths)} figures written to {folder}',
                  logger='current')
        return paths

