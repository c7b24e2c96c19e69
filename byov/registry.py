"""The registries of byov, children of mmaction2's (and through it mmengine's).

Every component a config can name is registered in one of these. Building a config
with ``default_scope='byov'`` looks a type up here first and then in the parents, and
``locations`` makes the registry import the modules that hold its members, so a config
never relies on import side effects elsewhere.

The masking registry has no upstream counterpart: masking strategies are small callables
(see :mod:`byov.models.masking`) that the model builds from its config.
"""
import byov.utils.compat  # noqa: F401,I001  (upstream workarounds first, once)

from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import DATA_SAMPLERS as MMACTION_DATA_SAMPLERS
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import LOOPS as MMACTION_LOOPS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISBACKENDS as MMACTION_VISBACKENDS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmengine.registry import Registry


MODELS = Registry('model', parent=MMACTION_MODELS, scope='byov', locations=['byov.models'])
DATASETS = Registry(
    'dataset', parent=MMACTION_DATASETS, scope='byov', locations=['byov.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMACTION_DATA_SAMPLERS, scope='byov', locations=['byov.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMACTION_TRANSFORMS, scope='byov',
    locations=['byov.datasets.transforms'])
METRICS = Registry(
    'metric', parent=MMACTION_METRICS, scope='byov', locations=['byov.evaluation'])
LOOPS = Registry('loop', parent=MMACTION_LOOPS, scope='byov', locations=['byov.engine'])
HOOKS = Registry('hook', parent=MMACTION_HOOKS, scope='byov', locations=['byov.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMACTION_VISUALIZERS, scope='byov', locations=['byov.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMACTION_VISBACKENDS, scope='byov',
    locations=['byov.visualization'])
# Masking strategies: which frames of a clip the encoder sees. No upstream parent.
MASKING = Registry('masking strategy', scope='byov', locations=['byov.models.masking'])
