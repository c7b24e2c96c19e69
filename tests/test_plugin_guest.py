"""byov is a guest in an mmaction2 process: importing it changes nothing of mmengine or
mmaction2, and an mmaction2 recognizer config with ``custom_imports=['byov']`` builds and
computes what it computes without it, whichever of the two is imported first.

Each case runs in a fresh interpreter, so that import order is clean.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent(r'''
    import importlib, json, sys, warnings

    order, config_dir = sys.argv[1], sys.argv[2]
    BYOV_MODULES = ['byov', 'byov.registry', 'byov.models', 'byov.datasets',
                    'byov.engine', 'byov.evaluation', 'byov.visualization', 'byov.utils']

    def snapshot():
        """What a plugin must leave alone, as object identities / values."""
        import mmengine.fileio.backends as fileio_backends
        import mmengine.registry as roots
        import torch
        from mmengine.fileio import LocalBackend
        from mmengine.optim import OptimWrapper
        from mmengine.registry import Registry
        from mmengine.runner.checkpoint import CheckpointLoader
        import mmaction.utils.dependency as dependency
        state = {
            'Registry.build': id(Registry.__dict__['build']),
            'Registry.get': id(Registry.__dict__['get']),
            'CheckpointLoader schemes': {k: id(v) for k, v in CheckpointLoader._schemes.items()},
            'LocalBackend.put': id(LocalBackend.__dict__['put']),
            'LocalBackend.put_text': id(LocalBackend.__dict__['put_text']),
            'file backends': {k: id(v) for k, v in fileio_backends.backends.items()
                              if k != 'byov_atomic_local'},  # byov may add a name
            'prefixes': {k: id(v) for k, v in fileio_backends.prefix_to_backends.items()},
            'OptimWrapper.update_params': id(OptimWrapper.__dict__['update_params']),
            'WITH_MULTIMODAL': dependency.WITH_MULTIMODAL,
            'torch.load': id(torch.load),
            # byov used to hide an mmcv warning for everyone (third-party libraries that
            # byov imports, scipy and sympy, add filters of their own: not counted)
            'warning filters': [str(f) for f in warnings.filters
                                if 'MultiScaleDeformableAttention' in str(f[1])],
            # modules put into sys.modules by hand (no import spec): byov's old DRN stand-in
            'made-up modules': sorted(m for m, mod in list(sys.modules.items())
                                      if m.startswith('mmaction')
                                      and getattr(mod, '__spec__', None) is None),
            'root registries': {name: sorted(getattr(roots, name).module_dict)
                                for name in dir(roots) if name.isupper()},
        }
        return state

    def environment_fix():
        """The pinned mmaction2 1.2.0 wheel cannot import mmaction.models as shipped
        (no DRN; multimodal models need timm/transformers 4): the same fix in both runs
        (a no-op where mmaction2 imports as shipped)."""
        from byov.utils.compat import enable_mmaction_models_import
        enable_mmaction_models_import()

    def recognizer(config_name):
        import torch
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        from mmaction.registry import MODELS
        cfg = Config.fromfile(f'{config_dir}/{config_name}')
        init_default_scope(cfg.get('default_scope', 'mmaction'))
        torch.manual_seed(0)
        model = MODELS.build(cfg.model).eval()
        torch.manual_seed(1)
        inputs = torch.randint(0, 256, (2, 2, 3, 32, 32), dtype=torch.uint8)
        from mmaction.structures import ActionDataSample
        samples = [ActionDataSample().set_gt_label(0) for _ in range(2)]
        with torch.no_grad():
            data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples))
            out = model(**data, mode='predict')
        return type(model).__name__, torch.stack([s.pred_score for s in out]).tolist()

    report = {}
    if order == 'byov-first':
        before = snapshot()
        for name in BYOV_MODULES:
            importlib.import_module(name)
        after = snapshot()
        report['import_changes'] = [k for k in before if before[k] != after[k]]
        report['byov_models_imported_mmaction_models'] = 'mmaction.models' in sys.modules
    environment_fix()
    report['plain'] = recognizer('recognizer.py')
    before = snapshot()
    report['with_byov'] = recognizer('recognizer_with_byov.py')
    for name in BYOV_MODULES:
        importlib.import_module(name)
    report['guest_changes'] = [k for k in before if before[k] != snapshot()[k]]
    report['byov_imported'] = 'byov.registry' in sys.modules
    print('REPORT ' + json.dumps(report))
''')

RECOGNIZER = textwrap.dedent('''
    default_scope = 'mmaction'
    model = dict(
        type='Recognizer2D',
        backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
        cls_head=dict(type='TSNHead', num_classes=3, in_channels=512,
                      average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.7, 116.3, 103.5],
                               std=[58.4, 57.1, 57.4], format_shape='NCHW'))
''')


@pytest.fixture(scope='module')
def configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp('guest')
    (folder / 'recognizer.py').write_text(RECOGNIZER)
    (folder / 'recognizer_with_byov.py').write_text(
        "_base_ = ['recognizer.py']\n"
        "custom_imports = dict(imports=['byov'], allow_failed_imports=False)\n")
    return str(folder)


def _run(order, configs):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, '-c', SCRIPT, order, configs], cwd=configs,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith('REPORT '))
    return json.loads(line[len('REPORT '):])


@pytest.mark.parametrize('order', ['byov-first', 'mmaction-first'])
def test_byov_is_a_guest_in_an_mmaction2_process(order, configs):
    report = _run(order, configs)
    if order == 'byov-first':
        # importing byov, its registries and all its modules changes nothing of
        # mmengine / mmaction2 (not even importing mmaction.models)
        assert report['import_changes'] == []
        assert report['byov_models_imported_mmaction_models'] is False
    assert report['byov_imported']
    # custom_imports=['byov'] and all of byov's modules, after mmaction2's models
    assert report['guest_changes'] == []
    name, scores = report['plain']
    assert name == 'Recognizer2D' and len(scores) == 2 and len(scores[0]) == 3
    assert report['with_byov'] == report['plain']  # same model, same numbers
