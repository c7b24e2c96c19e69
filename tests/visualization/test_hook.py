"""EgoExoVisualizationHook after a (fake) test epoch, given saved embeddings."""
import os
import os.path as osp
from types import SimpleNamespace

import pytest
from vis_testutils import write_ae2_csv
from mmengine.visualization import Visualizer

from byov.engine.hooks import EgoExoVisualizationHook
from byov.registry import DATASETS, HOOKS
from byov.utils import register_all_modules


@pytest.fixture(scope='module')
def dataset_root(splits, tmp_path_factory):
    root = tmp_path_factory.mktemp('data') / 'synthetic'
    return write_ae2_csv(str(root), splits)


def fake_runner(work_dir, dataset, visualizer, save_embeddings=True):
    """What the hook reads of a runner after EgoExoTestLoop ran."""
    loop = SimpleNamespace(
        save_embeddings=save_embeddings,
        dataloader=SimpleNamespace(dataset=dataset),
        fit_dataloader=SimpleNamespace(dataset=SimpleNamespace(split='train')),
        evaluator=SimpleNamespace(metrics=[]))
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
    work_dir = str(tmp_path / 'work')
    # what EgoExoTestLoop leaves in the work dir
    sets['train'].save(osp.join(work_dir, 'embeddings'), 'train')
    sets['test'].save(osp.join(work_dir, 'embeddings'), 'test')
    untrained_dir = str(tmp_path / 'untrained')
    sets['untrained'].save(osp.join(untrained_dir, 'embeddings'), 'test')

    dataset = DATASETS.build(dict(type='EgoExoVideoDataset', data_root=dataset_root,
                                  split='test', cache_dir=str(tmp_path / 'cache'),
                                  frame_size=32, lazy_init=True))
    visualizer = Visualizer(name=f'vis-hook-{os.getpid()}-{id(tmp_path)}',
                            vis_backends=[dict(type='LocalVisBackend')],
                            save_dir=str(tmp_path / 'vis'))
    runner = fake_runner(work_dir, dataset, visualizer)
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
    sets['test'].save(osp.join(work_dir, 'embeddings'), 'test')
    runner = fake_runner(work_dir, SimpleNamespace(split='test'), None)
    hook = EgoExoVisualizationHook(figures=['projection'], stages=['val'], val_interval=2)
    hook.after_test_epoch(runner)  # not a stage of this hook
    hook.after_val_epoch(runner)   # 1st validation: skipped (every 2nd)
    assert not osp.exists(osp.join(work_dir, 'figures'))
    runner.epoch = 4
    hook.after_val_epoch(runner)
    assert os.listdir(osp.join(work_dir, 'figures')) == ['val_epoch_4']
    assert os.listdir(osp.join(work_dir, 'figures', 'val_epoch_4')) == ['projection.png']


def test_hook_skips_without_saved_embeddings(tmp_path):
    runner = fake_runner(str(tmp_path), SimpleNamespace(split='test'), None,
                         save_embeddings=False)
    hook = EgoExoVisualizationHook(stages=['test'])
    hook.after_test_epoch(runner)
    assert not osp.exists(osp.join(str(tmp_path), 'figures'))


@pytest.mark.parametrize('comparison', ['missing', 'other frames'])
def test_hook_reports_failures_and_bad_comparisons(sets, tmp_path, comparison):
    work_dir = str(tmp_path / 'work')
    sets['test'].save(osp.join(work_dir, 'embeddings'), 'test')
    compare_dir = str(tmp_path / 'other')
    if comparison == 'other frames':  # e.g. a whole-video run against a cropped one
        sets['train'].save(compare_dir, 'test')
    runner = fake_runner(work_dir, SimpleNamespace(split='test'), None)
    hook = EgoExoVisualizationHook(figures=['projection', 'alignment'], stages=['test'],
                                   compare_work_dir=compare_dir, ego_video='no_such_video')
    hook.after_test_epoch(runner)  # warns, draws what it can, without the comparison
    assert os.listdir(osp.join(work_dir, 'figures', 'test')) == ['projection.png']
