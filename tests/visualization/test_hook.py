"""EgoExoVisualizationHook after a (fake) test epoch, given the loop's evaluation (the
splits it evaluated, kept in memory: nothing is read back from disk)."""
import os
import os.path as osp
from types import SimpleNamespace

import pytest
from vis_testutils import write_ae2_csv
from mmengine.visualization import Visualizer

from byov.engine.hooks import EgoExoVisualizationHook
from byov.evaluation import EgoExoEvaluation
from byov.registry import DATASETS, HOOKS
from byov.utils import register_all_modules


@pytest.fixture(scope='module')
def dataset_root(splits, tmp_path_factory):
    root = tmp_path_factory.mktemp('data') / 'synthetic'
    return write_ae2_csv(str(root), splits)


def fake_runner(work_dir, dataset, visualizer, sets=None, figure_options=None):
    """What the hook reads of a runner after EgoExoTestLoop ran: ``loop.evaluation``
    (None: the loop left no ego-exo evaluation)."""
    evaluation = None
    if sets is not None:
        evaluation = EgoExoEvaluation(metrics={}, protocol={},
                                      figure_options=figure_options or {},
                                      eval_set=sets['test'], fit_set=sets['train'])
    loop = SimpleNamespace(evaluation=evaluation,
                           dataloader=SimpleNamespace(dataset=dataset))
    return SimpleNamespace(work_dir=work_dir, test_loop=loop, val_loop=loop, epoch=0,
                           visualizer=visualizer)


def test_hook_is_registered():
    register_all_modules()
    hook = HOOKS.build(dict(type='EgoExoVisualizationHook', figures=['projection']))
    assert isinstance(hook, EgoExoVisualizationHook)
    with pytest.raises(ValueError, match='unknown figures'):
        EgoExoVisualizationHook(figures=['umap'])
    with pytest.raises(ValueError, match='stages'):
        EgoExoVisualizationHook(stages=['train'])


def test_hook_after_test_epoch(sets, dataset_root, tmp_path):
    register_all_modules()
    work_dir = str(tmp_path / 'work')  # no embeddings saved: the hook draws from memory
    untrained_dir = str(tmp_path / 'untrained')
    sets['untrained'].save(osp.join(untrained_dir, 'embeddings'), 'test')

    dataset = DATASETS.build(dict(type='EgoExoVideoDataset', data_root=dataset_root,
                                  split='test', cache_dir=str(tmp_path / 'cache'),
                                  frame_size=32, lazy_init=True))
    visualizer = Visualizer(name=f'vis-hook-{os.getpid()}-{id(tmp_path)}',
                            vis_backends=[dict(type='LocalVisBackend')],
                            save_dir=str(tmp_path / 'vis'))
    runner = fake_runner(work_dir, dataset, visualizer, sets)
    hook = EgoExoVisualizationHook(compare_work_dir=untrained_dir, max_points=80,
                                   num_queries=2, num_videos=2,
                                   phase_names=['reach', 'pour', 'place'])
    hook.after_test_epoch(runner, metrics={})

    folder = osp.join(work_dir, 'figures', 'test')
    names = sorted(os.listdir(folder))
    assert names == ['alignment.png', 'progression.png', 'projection.png', 'retrieval.png']
    for name in names:
        assert 5_000 < osp.getsize(osp.join(folder, name)) < 300_000
    # the visualizer's backend received the same figures
    images = sorted(os.listdir(osp.join(str(tmp_path / 'vis'), 'vis_data', 'vis_image')))
    assert images == ['test_alignment_0.png', 'test_progression_0.png',
                      'test_projection_0.png', 'test_retrieval_0.png']



def test_hook_on_validation_every_nth(sets, tmp_path):
    work_dir = str(tmp_path)
    runner = fake_runner(work_dir, SimpleNamespace(split='test'), None, sets)
    hook = EgoExoVisualizationHook(figures=['projection'], stages=['val'], val_interval=2)
    hook.after_test_epoch(runner)  # not a stage of this hook
    hook.after_val_epoch(runner)   # 1st validation: skipped (every 2nd)
    assert not osp.exists(osp.join(work_dir, 'figures'))
    runner.epoch = 4
    hook.after_val_epoch(runner)
    assert os.listdir(osp.join(work_dir, 'figures')) == ['val_epoch_4']
    assert os.listdir(osp.join(work_dir, 'figures', 'val_epoch_4')) == ['projection.png']


def test_hook_skips_a_loop_without_evaluation(tmp_path):
    runner = fake_runner(str(tmp_path), SimpleNamespace(split='test'), None)
    hook = EgoExoVisualizationHook(stages=['test'])
    hook.after_test_epoch(runner)
    assert not osp.exists(osp.join(str(tmp_path), 'figures'))


@pytest.mark.parametrize('comparison', ['missing', 'other frames'])
def test_hook_reports_failures_and_bad_comparisons(sets, tmp_path, comparison):
    work_dir = str(tmp_path / 'work')
    compare_dir = str(tmp_path / 'other')
    if comparison == 'other frames':  # e.g. a whole-video run against a cropped one
        sets['train'].save(compare_dir, 'test')
    runner = fake_runner(work_dir, SimpleNamespace(split='test'), None, sets)
    hook = EgoExoVisualizationHook(figures=['projection', 'alignment'], stages=['test'],
                                   compare_work_dir=compare_dir, ego_video='no_such_video')
    hook.after_test_epoch(runner)  # warns, draws what it can, without the comparison
    assert os.listdir(osp.join(work_dir, 'figures', 'test')) == ['projection.png']


def test_hook_takes_the_metrics_figure_options(sets, tmp_path, monkeypatch):
    """The progression figure gets the progression metric's append_time through the
    evaluation's figure_options (no lookup of metric classes by name)."""
    import byov.visualization as vis
    seen = []
    real = vis.draw_figures

    def spy(*args, **kwargs):
        seen.append(kwargs.get('append_time'))
        return real(*args, **kwargs)
    monkeypatch.setattr(vis, 'draw_figures', spy)
    runner = fake_runner(str(tmp_path), SimpleNamespace(split='test'), None, sets,
                         figure_options=dict(append_time=True))
    EgoExoVisualizationHook(figures=['progression'], stages=['test']).after_test_epoch(runner)
    assert seen == [True]
    assert os.listdir(osp.join(str(tmp_path), 'figures', 'test')) == ['progression.png']
