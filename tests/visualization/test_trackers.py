"""Experiment trackers through mmengine's vis backends: a tiny training run with
TensorBoard on writes the validation metrics as scalars and the ego-exo figures as images
(read back from the event file), tools/train.py --vis-backend is a plain merge into the
config, and a tracker whose package is missing is one message at build time."""
import glob
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.visualization import Visualizer
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from byov.registry import VISBACKENDS, VISUALIZERS
from byov.utils import register_all_modules
from byov.visualization import VIS_BACKEND_TYPES, EgoExoVisualizer, add_vis_backends
from byov.visualization import visualizer as visualizer_module
from byov.visualization.style import figure_to_rgb
from byov.visualization.visualizer import VisBackendOptionError, VisBackendUnavailableError
from tests.reliability.tiny_run import ROOT, build_runner, single_thread_deterministic, \
    tiny_config
from tests.scripts import load_script

DEMO = osp.join(ROOT, 'configs', 'byov', 'byov_tiny_synthetic_demo.py')


@pytest.fixture
def _fast(monkeypatch):
    """One thread; the config text unformatted (yapf costs seconds on these cores)."""
    import mmengine.config.config as mmengine_config
    monkeypatch.setattr(mmengine_config, 'FormatCode', lambda text, **kwargs: (text, None))
    with single_thread_deterministic():
        yield


def _events(work_dir):
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'events.out.tfevents.*'))
    assert len(files) == 1, f'one TensorBoard event file expected under {work_dir}: {files}'
    events = EventAccumulator(files[0], size_guidance={'scalars': 0, 'images': 0})
    events.Reload()
    return events


def test_tiny_run_logs_metrics_and_figures_to_tensorboard(tiny_synthetic, tmp_path, _fast):
    """One epoch of two training pairs (two iterations), validation, TensorBoard on (as
    --vis-backend tensorboard adds it) and the figure hook drawing the projection."""
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path / 'work')
    cfg = tiny_config(data_root, cache_dir, work_dir, max_epochs=1, validate=True)
    cfg.train_dataloader.dataset.indices = 2
    cfg.train_dataloader.batch_size = 1  # two iterations: epoch 1 differs from iteration 2
    add_vis_backends(cfg, ['tensorboard'])
    cfg.custom_hooks = [dict(type='EgoExoVisualizationHook', figures=['projection'],
                             stages=['val'])]
    runner = build_runner(cfg)
    assert isinstance(runner.visualizer, EgoExoVisualizer)
    runner.train()
    runner.visualizer.close()  # flush the event file

    # what the validation loop recorded on its own: the metrics' names and values
    metrics = json.load(open(osp.join(work_dir, 'val_results.json')))['metrics']
    for family in ('ae2/f1_regular', 'ae2/map@10_regular', 'ae2/progression', 'ae2/tau'):
        assert family in metrics  # the four tasks (classification, retrieval, ...)

    events = _events(work_dir)
    scalars = events.Tags()['scalars']
    print('TensorBoard scalar tags:', scalars)
    print('TensorBoard image tags:', events.Tags()['images'])
    for name, value in metrics.items():
        assert name in scalars, f'{name} was not logged to TensorBoard: {scalars}'
        logged = events.Scalars(name)
        assert [e.step for e in logged] == [1]  # step = the epoch, as mmengine's LoggerHook
        assert logged[0].value == pytest.approx(value, rel=1e-6, abs=1e-7)
    assert [e.step for e in events.Scalars('loss')] == [1, 2]  # training: every iteration

    # the figure: the same picture as the PNG the hook wrote, at the same step
    assert events.Tags()['images'] == ['val_projection']
    (image,) = events.Images('val_projection')
    png = Image.open(osp.join(work_dir, 'figures', 'val_epoch_1', 'projection.png'))
    assert image.step == 1
    assert (image.width, image.height) == png.size


def test_vis_backend_flag_is_a_plain_merge(monkeypatch, tmp_path):
    """tools/train.py --vis-backend appends mmengine's backend types to the config's
    visualizer, keeps LocalVisBackend, and adds nothing twice."""
    register_all_modules()
    train = load_script('tools/train.py', 'train_tool_vis_backend')
    monkeypatch.setattr(sys, 'argv', ['train.py', DEMO, '--work-dir', str(tmp_path),
                                      '--vis-backend', 'tensorboard', 'mlflow'])
    monkeypatch.setattr(sys, 'path', list(sys.path))  # parse_args puts the cwd first
    monkeypatch.setenv('LOCAL_RANK', '0')
    cfg = train.merge_args(Config.fromfile(DEMO), train.parse_args())
    assert cfg.visualizer.type == 'EgoExoVisualizer'
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend', 'MLflowVisBackend']

    assert add_vis_backends(cfg, ['tensorboard', 'wandb']) == [
        'LocalVisBackend', 'TensorboardVisBackend', 'MLflowVisBackend', 'WandbVisBackend']
    bare = Config(dict())
    assert add_vis_backends(bare, ['wandb']) == ['LocalVisBackend', 'WandbVisBackend']
    assert bare.visualizer.type == 'EgoExoVisualizer'
    with pytest.raises(VisBackendOptionError, match='choose from tensorboard, wandb'):
        add_vis_backends(bare, ['tensorbord'])


def test_the_documented_tracker_types_are_mmengines():
    """The names the docs and --vis-backend give resolve, in byov's scope, to mmengine's
    backend classes of those names."""
    import mmengine.visualization as mme_vis
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'):
        for name in ('TensorboardVisBackend', 'WandbVisBackend', 'MLflowVisBackend'):
            assert VISBACKENDS.get(name) is getattr(mme_vis, name)
    assert sorted(VIS_BACKEND_TYPES.values()) == [
        'MLflowVisBackend', 'TensorboardVisBackend', 'WandbVisBackend']


def test_default_runtime_visualizer_adds_figures_to_every_backend(tmp_path):
    register_all_modules()
    runtime = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'))
    assert [b['type'] for b in runtime.visualizer.vis_backends] == ['LocalVisBackend']
    with DefaultScope.overwrite_default_scope('byov'):
        visualizer = VISUALIZERS.build(dict(
            runtime.visualizer, name=f'trackers-{os.getpid()}-{id(tmp_path)}',
            save_dir=str(tmp_path)))
    assert isinstance(visualizer, EgoExoVisualizer)
    assert Visualizer.get_current_instance() is visualizer  # as mmengine's hooks find it

    fig = Figure(figsize=(3, 2), dpi=50)
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, 0], color='red')
    expected = figure_to_rgb(fig)
    visualizer.add_figure('val_test_figure', fig, step=3)
    written = np.asarray(Image.open(
        osp.join(str(tmp_path), 'vis_data', 'vis_image', 'val_test_figure_3.png')).convert('RGB'))
    assert written.shape == expected.shape == (100, 150, 3)
    assert np.array_equal(written, expected)


@pytest.mark.parametrize('backend,package', [('TensorboardVisBackend', 'tensorboard'),
                                             ('WandbVisBackend', 'wandb'),
                                             ('MLflowVisBackend', 'mlflow')])
def test_a_missing_tracker_package_is_one_message(monkeypatch, tmp_path, backend, package):
    """Before any scalar: the backend, its package and the pip command, as a user error."""
    real = visualizer_module.find_spec
    monkeypatch.setattr(visualizer_module, 'find_spec',
                        lambda name, *a: None if name == package else real(name, *a))
    register_all_modules()
    with DefaultScope.overwrite_default_scope('byov'), \
            pytest.raises(VisBackendUnavailableError, match=f'{backend}.*pip install'):
        VISUALIZERS.build(dict(type='EgoExoVisualizer', save_dir=str(tmp_path),
                               name=f'missing-{package}-{os.getpid()}-{id(tmp_path)}',
                               vis_backends=[dict(type='LocalVisBackend'),
                                             dict(type=backend)]))


def test_figures_take_the_step_of_the_metrics(sets, tmp_path):
    """The hook's step and folder follow mmengine's LoggerHook: the epoch, or the
    iteration with log_metric_by_epoch=False; an unbuilt train loop is not built."""
    from types import SimpleNamespace

    from mmengine.hooks import LoggerHook

    from byov.engine.hooks import EgoExoVisualizationHook
    from byov.engine.hooks.visualization_hook import evaluation_step
    from byov.evaluation import EgoExoEvaluation

    def runner(by_epoch, train_loop, **counters):
        return SimpleNamespace(hooks=[LoggerHook(log_metric_by_epoch=by_epoch)],
                               _train_loop=train_loop, **counters)
    assert evaluation_step(runner(True, object(), epoch=3, iter=30)) == ('epoch', 3)
    assert evaluation_step(runner(False, object(), epoch=3, iter=30)) == ('iter', 30)
    # runner.test() of a training config: the train loop is still a dict, and reading
    # runner.epoch would build it (these runners have no epoch: reading it would fail)
    assert evaluation_step(runner(True, dict(type='EpochBasedTrainLoop'))) == ('epoch', 0)

    seen = []
    visualizer = SimpleNamespace(add_image=lambda name, image, step: seen.append((name, step)))
    evaluation = EgoExoEvaluation(metrics={}, protocol={}, figure_options={},
                                  eval_set=sets['test'], fit_set=sets['train'])
    loop = SimpleNamespace(evaluation=evaluation,
                           dataloader=SimpleNamespace(dataset=SimpleNamespace(split='test')))
    by_iter = runner(False, object(), epoch=0, iter=40)
    by_iter.__dict__.update(work_dir=str(tmp_path), val_loop=loop, visualizer=visualizer)
    EgoExoVisualizationHook(figures=['projection'], stages=['val']).after_val_epoch(by_iter)
    assert os.listdir(osp.join(str(tmp_path), 'figures')) == ['val_iter_40']
    assert seen == [('val_projection', 40)]  # a plain mmengine-like visualizer: add_image
