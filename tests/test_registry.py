"""The registries: scope, parents, and user plugins through ``custom_imports``."""
import sys

import pytest
from mmengine.config import Config

from byov.registry import DATASETS, LOOPS, MASKING, METRICS, MODELS, TRANSFORMS


def test_registries_are_byov_children_of_mmaction():
    for registry in (MODELS, DATASETS, TRANSFORMS, METRICS, LOOPS):
        assert registry.scope == 'byov'
        assert registry.parent is not None and registry.parent.scope == 'mmaction'
    assert MASKING.scope == 'byov'


def test_byov_and_mmaction_types_resolve_from_byov_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('byov'):
        assert LOOPS.get('EgoExoTestLoop').__name__ == 'EgoExoTestLoop'
        # a type that lives only in mmaction2 is found through the parent registry
        assert MODELS.get('mmaction.ResNet') is not None


def test_user_plugin_through_custom_imports(tmp_path, monkeypatch):
    plugin_dir = __import__('pathlib').Path(__file__).parent / 'plugins'
    monkeypatch.syspath_prepend(str(plugin_dir))
    sys.modules.pop('user_plugin', None)
    cfg_file = tmp_path / 'plugin_cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['user_plugin'], allow_failed_imports=False)\n"
        "default_scope = 'byov'\n"
        "val_evaluator = [dict(type='UserFrameCountMetric')]\n"
        "masking = dict(type='UserKeepFirstMasking', ratio=0.75)\n")
    cfg = Config.fromfile(str(cfg_file))  # imports the plugin module
    assert 'user_plugin' in sys.modules
    metric = METRICS.build(cfg.val_evaluator[0])
    metric.process({}, [dict(gt_labels=[0, 0, 1]), dict(gt_labels=[1, 2])])
    assert metric.compute_metrics(metric.results) == dict(frames=5)
    keep = MASKING.build(cfg.masking)(batch_size=2, num_frames=8)
    assert keep.shape == (2, 2) and keep[0].tolist() == [0, 1]


def test_unknown_type_names_the_registry():
    with pytest.raises(KeyError, match='not in the byov::model registry|is not in the'):
        MODELS.build(dict(type='NoSuchModelAnywhere'))
