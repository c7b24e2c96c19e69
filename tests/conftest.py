"""Shared fixtures: a tiny synthetic ego-exo benchmark, generated once per session."""
import os

import pytest

# Progress bars off in test logs.
os.environ.setdefault('BYOV_NO_PROGRESS', '1')

# The test session is byov's own process: mmaction2's models are made importable as
# byov's tools and register_all_modules() do (byov/utils/compat.py); a plain process is
# checked by tests/test_plugin_guest.py, in fresh interpreters.
from byov.utils.compat import enable_mmaction_models_import  # noqa: E402

enable_mmaction_models_import()


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    """A tiny synthetic benchmark (AE2 csv layout): 3+3 train, 2+2 val, 2+2 test videos
    of 20-28 frames at 64x64. Returns (data_root, cache_dir)."""
    from byov.datasets.synthetic import generate_synthetic_egoexo
    root = tmp_path_factory.mktemp('tiny_synthetic')
    data_root = root / 'data'
    generate_synthetic_egoexo(
        str(data_root), splits={'train': (3, 3), 'val': (2, 2), 'test': (2, 2)},
        min_frames=20, max_frames=28, ego_size=(64, 64), exo_size=(64, 64), seed=0)
    return str(data_root), str(root / 'cache')


def data_options(data_root, cache_dir, workers=0, train=True):
    """--cfg-options pointing every dataloader of a synthetic config at tiny data
    (``train=False``: a config evaluated only, which has no train loader)."""
    opts = []
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader',
               'val_cfg.fit_dataloader', 'test_cfg.fit_dataloader')
    for loader in loaders if train else loaders[1:]:
        opts += [f'{loader}.dataset.data_root={data_root}',
                 f'{loader}.dataset.cache_dir={cache_dir}',
                 f'{loader}.num_workers={workers}']
    if train:
        opts += ['train_dataloader.persistent_workers=False']
    return opts
