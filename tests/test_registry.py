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

    from byov.utils import register_all_modules
    register_all_modules()  # byov sets the process up (mmaction2 1.2.0's models import)
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


@pytest.mark.parametrize('root_name', [
    'LOG_PROCESSORS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'MODEL_WRAPPERS', 'PARAM_SCHEDULERS',
    'RUNNERS', 'EVALUATOR', 'OPTIM_WRAPPER_CONSTRUCTORS', 'WEIGHT_INITIALIZERS'])
def test_every_root_a_runner_reads_has_a_byov_child(root_name, capsys):
    """A build in the byov scope finds byov's registry (no "Failed to search registry
    with scope byov" fallback warning) and resolves mmengine's types through it."""
    import logging

    import mmengine.registry as roots
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    root = getattr(roots, root_name)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        with DefaultScope.overwrite_default_scope('byov'):
            with root.switch_scope_and_registry(None) as registry:
                assert registry.scope == 'byov'
                assert registry.parent.scope == 'mmaction'
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if 'Failed to search registry' in r.getMessage()]


def test_unknown_type_hint_names_the_closest_registered_names():
    with pytest.raises(KeyError) as info:
        MODELS.build(dict(type='SelectiveTokenMerge', ratio=0.5))
    assert 'Registered names closest to' in str(info.value)
    assert 'SelectiveTokenMerging' in str(info.value)
