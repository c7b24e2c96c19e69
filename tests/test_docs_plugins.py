"""The examples of docs/adding_plugins.md work as printed.

The page's code blocks that start with ``# file: <path>`` are written into a temporary
project (beside a link to the repository's ``configs/_base_``), the configs are loaded
with their ``custom_imports``, and the plugins are built and used as the page says.
"""
import os
import pathlib
import re
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from byov.evaluation import EmbeddingSet
from byov.registry import MASKING, METRICS, MODELS
from byov.utils import register_all_modules

REPO = pathlib.Path(__file__).resolve().parents[1]
DOC = REPO / 'docs' / 'adding_plugins.md'
MASKING_CONFIG = 'configs/my_plugins/byov_uniform-masking_synthetic.py'
METRIC_CONFIG = 'configs/my_plugins/byov_nn-accuracy_synthetic.py'
ALIGNMENT_CONFIG = 'configs/my_plugins/position-alignment_tiny_synthetic.py'


def doc_files():
    """{path: text} of the page's ``# file:`` code blocks."""
    blocks = re.findall(r'```python\n# file: (\S+)\n(.*?)```', DOC.read_text(), re.S)
    return {path: text for path, text in blocks}


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """The page's files written out; ``my_plugins`` importable (once per process)."""
    root = tmp_path_factory.mktemp('user_project')
    files = doc_files()
    assert set(files) == {'my_plugins/uniform_masking.py', 'my_plugins/nn_accuracy.py',
                          'my_plugins/position_alignment.py', MASKING_CONFIG, METRIC_CONFIG,
                          ALIGNMENT_CONFIG}
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / 'my_plugins' / '__init__.py').write_text('')
    for folder in ('_base_', 'byov', 'baselines'):  # the page's configs inherit shipped ones
        os.symlink(REPO / 'configs' / folder, root / 'configs' / folder)
    sys.path.insert(0, str(root))
    register_all_modules()
    yield root
    sys.path.remove(str(root))


def test_masking_strategy_from_the_page(project):
    cfg = Config.fromfile(str(project / MASKING_CONFIG))  # imports my_plugins.uniform_masking
    assert 'my_plugins.uniform_masking' in sys.modules
    masking = MASKING.build(cfg.model.self_view_masking)
    ids_keep, ids_restore, mask = masking(2, 16)
    # the page's claim: ratio 0.4 on 16 frames keeps these 9
    assert ids_keep[0].tolist() == [0, 2, 4, 6, 8, 9, 11, 13, 15]
    assert torch.equal(ids_keep[0], ids_keep[1])
    assert mask.sum(1).tolist() == [7.0, 7.0] and mask[0, ids_keep[0]].sum() == 0
    assert torch.equal(torch.sort(torch.argsort(ids_restore, 1), 1).values,
                       torch.arange(16).expand(2, -1))

    # the config's model trains with it: one step on random pairs, every parameter learns
    model = MODELS.build(cfg.model)
    assert type(model.self_view_masking).__name__ == 'UniformFrameMasking'
    torch.manual_seed(0)
    model.train()
    size = model.stem.frame_encoder.input_size
    pairs = [torch.randint(0, 256, (2, 16, 3, size, size), dtype=torch.uint8)]
    losses = model(**model.data_preprocessor(dict(inputs=pairs), True), mode='loss')
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def _eval_set(seed=0):
    """Two ego and two exo videos whose phases are separable but views shifted."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 6)) * 3
    records = []
    for v in range(4):
        labels = np.repeat([0, 1, 2], 6 + v)
        embeds = centres[labels] + rng.normal(size=(labels.size, 6)) + (v >= 2)
        records.append(dict(embeds=embeds.astype(np.float32), gt_labels=labels,
                            video_index=v, is_ego=v < 2, video_name=f'v{v}'))
    return records, EmbeddingSet.from_records(records, split='test')


def test_metric_from_the_page(project):
    cfg = Config.fromfile(str(project / METRIC_CONFIG))  # imports my_plugins.nn_accuracy
    assert [m['type'] for m in cfg.test_evaluator][-1] == 'CrossViewNNAccuracyMetric'
    metric = METRICS.build(cfg.test_evaluator[-1])
    records, eval_set = _eval_set()

    # compute() on an EmbeddingSet, against a brute-force count
    result = metric.compute(eval_set)
    x, ego, lab = eval_set.embeds.astype(np.float64), eval_set.is_ego, eval_set.labels
    dist = ((x[ego][:, None] - x[~ego][None]) ** 2).sum(-1)
    expected = np.mean(lab[~ego][dist.argmin(1)] == lab[ego])
    assert result['nn_acc_ego2exo'] == pytest.approx(expected)
    assert 0 <= result['nn_acc_exo2ego'] <= 1

    # the mmengine path an evaluation loop takes: process per video, evaluate, prefix
    metric.process(None, records[::-1])
    keys = metric.evaluate(size=4)
    assert keys == {'extra/nn_acc_ego2exo': result['nn_acc_ego2exo'],
                    'extra/nn_acc_exo2ego': result['nn_acc_exo2ego']}
    assert metric.protocol()['task'] == 'cross-view 1-NN phase accuracy'

    # the four AE2 metrics stay in the config's evaluator
    for entry in cfg.test_evaluator[:4]:
        METRICS.build(entry)


def test_alignment_objective_from_the_page(project):
    from byov.models.alignment import BaseAlignmentLoss
    cfg = Config.fromfile(str(project / ALIGNMENT_CONFIG))
    loss = MODELS.build(cfg.model.loss)
    assert isinstance(loss, BaseAlignmentLoss) and not loss.uses_frame_inds
    # the page's formula, computed independently in numpy on a small pair
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4, 3))
    dist = ((a[:, :, None] - b[:, None]) ** 2).sum(-1) / 0.1
    weights = np.exp(-dist + dist.min(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = ((weights @ np.linspace(0, 1, 4) - np.linspace(0, 1, 5)) ** 2).mean()
    assert float(loss(torch.from_numpy(a), torch.from_numpy(b))) == pytest.approx(expected,
                                                                                   rel=1e-9)
    # a pair whose frames match in order scores better than the same pair reversed
    clip = torch.eye(6)[None] * 3
    assert float(loss(clip, clip)) < 0.01 < float(loss(clip, clip.flip(1)))

    # the config's model trains with it: one step, the temporal encoder learns
    model = MODELS.build(cfg.model)
    assert type(model.loss_module).__name__ == 'CrossViewPositionLoss'
    torch.manual_seed(0)
    model.train()
    size = model.stem.frame_encoder.input_size
    pairs = [torch.randint(0, 256, (2, model.num_frames, 3, size, size), dtype=torch.uint8)]
    losses = model(**model.data_preprocessor(dict(inputs=pairs), True), mode='loss')
    assert set(losses) == {'loss_align'} and torch.isfinite(losses['loss_align'])
    losses['loss_align'].backward()
    assert all(p.grad is not None for p in model.backbone.parameters() if p.requires_grad)
