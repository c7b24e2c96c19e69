"""EgoExoTestLoop end to end on the tiny BYOV (untrained) and tiny synthetic data: one
evaluation path (the loop's numbers are evaluate_embedding_sets' on the saved splits),
the provenance in results.json (checked against independent hashes of the dataset),
--dump's file, the hook drawing from memory, and no results file for a failed run."""
import hashlib
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau

from byov.datasets import load_split
from byov.evaluation import (EgoExoEvaluation, EmbeddingSet, evaluate_embedding_sets,
                             load_dump)
from tests.reliability.tiny_run import build_runner, single_thread_deterministic, tiny_config


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    """One thread; the config text unformatted (yapf costs seconds on these cores)."""
    import mmengine.config.config as mmengine_config
    monkeypatch.setattr(mmengine_config, 'FormatCode', lambda text, **kwargs: (text, None))
    with single_thread_deterministic():
        yield


def test_config(tiny_synthetic, work_dir, **changes):
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, work_dir)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None  # as tools/test.py
    cfg.merge_from_dict(changes)
    return cfg


test_config.__test__ = False  # a helper, not a test


def expected_fingerprint(data_root, split):
    """The split's video list and labels hashed straight from the dataset files."""
    records = load_split(data_root, split)
    lines = '\n'.join(f'{r.view}\t{r.name}\t{len(r.labels)}' for r in records)
    labels = np.concatenate([r.labels for r in records]).astype('<i8').tobytes()
    return dict(split=split, num_videos=len(records),
                num_frames=sum(len(r.labels) for r in records),
                split_sha256=hashlib.sha256(lines.encode()).hexdigest(),
                labels_sha256=hashlib.sha256(labels).hexdigest())


def test_one_path_provenance_dump_and_figures(tiny_synthetic, tmp_path):
    data_root, _ = tiny_synthetic
    work_dir = str(tmp_path / 'work')
    dump = str(tmp_path / 'dump' / 'test.npz')
    cfg = test_config(tiny_synthetic, work_dir, **{'test_cfg.dump_file': dump,
                                                   'partial_load': True})
    cfg.custom_hooks = [dict(type='EgoExoVisualizationHook', figures=['projection'],
                             stages=['test'])]
    runner = build_runner(cfg)
    metrics = runner.test()
    loop = runner.test_loop
    assert isinstance(loop.evaluation, EgoExoEvaluation)

    # the loop's numbers are the one function's on the splits it saved
    emb_dir = osp.join(work_dir, 'embeddings')
    again = evaluate_embedding_sets(loop.evaluator.metrics, EmbeddingSet.load(emb_dir, 'test'),
                                    EmbeddingSet.load(emb_dir, 'train'))
    assert again.metrics == metrics
    assert list(metrics)[0] == 'ae2/f1_regular'  # what save_best='auto' picks
    test_set = EmbeddingSet.load(emb_dir, 'test')  # pairs without a tau, by plain scipy
    videos = [test_set.embeds[test_set.video_slice(v)][::5] for v in range(4)]
    nan_pairs = sum(np.isnan(kendalltau(np.arange(len(a)), cdist(a, b, 'sqeuclidean')
                                        .argmin(1)).correlation)
                    for i, a in enumerate(videos) for j, b in enumerate(videos) if i != j)
    assert metrics['ae2/tau_dropped_pairs'] == nan_pairs

    record = json.load(open(osp.join(work_dir, 'results.json')))
    assert record['metrics'] == metrics
    assert record['data']['fit'] == dict(expected_fingerprint(data_root, 'train'),
                                         data_root=data_root, layout='csv')
    assert record['data']['eval'] == dict(expected_fingerprint(data_root, 'test'),
                                          data_root=data_root, layout='csv')
    assert record['weights'] == 'none' and record['checkpoint'] is None
    assert record['checkpoint_sha256'] is None and record['partial_load'] is True
    assert record['seed'] == 0 and record['eval_temporal_crop'] is None
    assert record['code']['byov'] and 'git_commit' in record['code']
    assert record['protocol']['PhaseProgressionMetric']['variant'] == 'reference'
    assert record['figure_options'] == dict(append_time=False)
    assert 'test_dataloader' in record['config_text']

    dumped = load_dump(dump)
    assert dumped['results'] == record
    np.testing.assert_array_equal(dumped['eval'].embeds, loop.evaluation.eval_set.embeds)
    np.testing.assert_array_equal(dumped['fit'].labels, loop.evaluation.fit_set.labels)
    assert dumped['eval'].video_names == loop.evaluation.eval_set.video_names
    assert os.listdir(osp.join(work_dir, 'figures', 'test')) == ['projection.png']


def test_a_checkpoint_is_hashed_and_a_failed_run_writes_no_results(tiny_synthetic,
                                                                    tmp_path):
    work_dir = str(tmp_path / 'work')
    runner = build_runner(test_config(tiny_synthetic, work_dir))
    ckpt = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=runner.model.state_dict()), ckpt)
    dump = str(tmp_path / 'dump.npz')
    cfg = test_config(tiny_synthetic, work_dir, load_from=ckpt,
                      **{'test_cfg.dump_file': dump})
    runner = build_runner(cfg)
    runner.test()
    record = json.load(open(osp.join(work_dir, 'results.json')))
    assert record['checkpoint'] == ckpt and record['weights'] == 'checkpoint'
    assert record['checkpoint_sha256'] == hashlib.sha256(open(ckpt, 'rb').read()).hexdigest()
    assert record['partial_load'] is False

    # a collapsed model: Kendall's tau has no pair left, the run fails, nothing is written
    failed_dir = str(tmp_path / 'failed')
    runner = build_runner(test_config(tiny_synthetic, failed_dir,
                                      **{'test_cfg.dump_file': dump + '.2.npz'}))
    predict = runner.model.predict

    def constant_predict(inputs, data_samples=None):
        outputs = predict(inputs, data_samples)
        for sample in outputs:
            sample.embeds = sample.embeds * 0 + 1
        return outputs
    runner.model.predict = constant_predict
    with pytest.raises(ValueError, match="Kendall's tau is undefined for all"):
        runner.test()
    assert not osp.exists(osp.join(failed_dir, 'results.json'))
    assert not osp.exists(dump + '.2.npz')
    assert runner.test_loop.evaluation is None


def test_save_best_auto_works_without_the_f1_metric(tiny_synthetic, tmp_path):
    """The default runtime's save_best picks the evaluator's first metric, so a config
    whose val_evaluator has no ae2/f1_regular trains and keeps its best checkpoint."""
    from mmengine.config import Config

    from tests.reliability.tiny_run import ROOT
    default = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'))
    assert default.default_hooks.checkpoint.save_best == 'auto'  # was 'ae2/f1_regular':
    # KeyError: 'ae2/f1_regular' in mmengine's CheckpointHook after the first validation
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path / 'work')
    cfg = tiny_config(data_root, cache_dir, work_dir, max_epochs=1, validate=True)
    cfg.default_hooks.checkpoint.save_best = default.default_hooks.checkpoint.save_best
    cfg.val_evaluator = [dict(type='KendallsTauMetric', stride=2)]
    cfg.train_dataloader.dataset.indices = 2  # two training items
    build_runner(cfg).train()
    assert [f for f in os.listdir(work_dir) if f.startswith('best_')] == [
        'best_ae2_tau_epoch_1.pth']
    record = json.load(open(osp.join(work_dir, 'val_results.json')))
    assert record['weights'] == 'training' and record['epoch'] == 1
    assert list(record['metrics']) == ['ae2/tau', 'ae2/tau_dropped_pairs']


@pytest.mark.slow
def test_a_failed_evaluation_stops_every_rank(tiny_synthetic, tmp_path):
    """Two processes, a collapsed model: the main process fails in Kendall's tau, the
    other rank is told (no hang), the run exits non-zero and writes no results."""
    from tests.reliability.tiny_run import free_port, run_tool, write_config
    cfg = test_config(tiny_synthetic, str(tmp_path / 'unused'))
    cfg.model.type = 'CollapsedBYOV'
    cfg.custom_imports = dict(imports=['tests.evaluation.collapse_plugin'],
                              allow_failed_imports=False)
    path = write_config(cfg, str(tmp_path / 'collapsed.py'))
    work_dir = str(tmp_path / 'two')
    proc = run_tool(['tools/dist_test.sh', path, 'none', '2', '--work-dir', work_dir],
                    timeout=300, check=False, PORT=str(free_port()))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Kendall's tau is undefined for all 12 ordered pairs" in out
    assert "the evaluation failed on the main process: ValueError: Kendall's tau" in out
    assert not osp.exists(osp.join(work_dir, 'results.json'))
