"""Find and build the datasets a config describes (for the data tools)."""
from typing import Iterator, Tuple

from byov.registry import DATASETS


def iter_dataset_configs(cfg) -> Iterator[Tuple[str, dict]]:
    """``(dataloader name, dataset config)`` of every ``*_dataloader`` in ``cfg`` that
    names a ``data_root``, each distinct (data_root, split, cache_dir, frame_size) once:
    train, fit, val, test, then any others by name."""
    order = {'train_dataloader': 0, 'fit_dataloader': 1, 'val_dataloader': 2,
             'test_dataloader': 3}
    seen = set()
    keys = sorted((k for k in cfg.keys() if k.endswith('_dataloader')),
                  key=lambda k: (order.get(k, 4), k))
    for key in keys:
        loader = cfg[key]
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        if not dataset or 'data_root' not in dataset:
            continue
        ident = (dataset['data_root'], dataset.get('split'), dataset.get('cache_dir'),
                 str(dataset.get('frame_size')))
        if ident not in seen:
            seen.add(ident)
            yield key, dataset


def build_dataset_lazily(dataset_cfg: dict):
    """Build a byov dataset from its config without decoding anything
    (``lazy_init=True``: the split is listed and label.pickle read)."""
    return DATASETS.build(dict(dataset_cfg, lazy_init=True))
