"""What produced a results file: code, config, weights, data and protocol options.

Every ``results.json`` carries these (``byov/engine/results.py``), so that a number can be
traced to the run that made it and ``tools/analysis/compare_results.py`` can refuse to put
numbers of different data or protocols side by side.
"""
import hashlib
import os
import os.path as osp
import subprocess
from typing import Optional

_SHA256_CACHE = {}


def file_sha256(path: Optional[str]) -> Optional[str]:
    """sha256 of a local file (None for None, URLs and missing files); cached by path,
    size and modification time, so a checkpoint is hashed once per process."""
    if not path or not osp.isfile(path):
        return None
    stat = os.stat(path)
    key = (osp.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256_CACHE:
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                digest.update(block)
        _SHA256_CACHE[key] = digest.hexdigest()
    return _SHA256_CACHE[key]


def code_version() -> dict:
    """byov's version, and the git commit of its checkout (with whether tracked files
    were modified) when byov is imported from a git checkout; None otherwise."""
    import byov
    root = osp.dirname(osp.dirname(osp.abspath(byov.__file__)))
    commit = dirty = None
    if osp.exists(osp.join(root, '.git')):  # a checkout, not an installed copy
        try:
            commit = subprocess.run(['git', '-C', root, 'rev-parse', 'HEAD'], timeout=10,
                                    capture_output=True, text=True,
                                    check=True).stdout.strip() or None
            status = subprocess.run(['git', '-C', root, 'status', '--porcelain',
                                     '--untracked-files=no'], timeout=10,
                                    capture_output=True, text=True, check=True).stdout
            dirty = bool(status.strip())
        except (OSError, subprocess.SubprocessError):
            commit = dirty = None
    return dict(byov=byov.__version__, git_commit=commit, git_dirty=dirty)


def temporal_crop_of(dataset) -> Optional[dict]:
    """``dict(fraction, seed)`` of the RandomTemporalCrop in a dataset's pipeline (what
    ``tools/test.py --temporal-crop`` inserts), or None."""
    from byov.datasets.transforms.temporal_crop import RandomTemporalCrop
    pipeline = getattr(dataset, 'pipeline', None)
    for transform in getattr(pipeline, 'transforms', None) or []:
        if isinstance(transform, RandomTemporalCrop):
            return dict(fraction=transform.fraction, seed=transform.seed)
    return None


def split_provenance(embedding_set, data_root: Optional[str] = None,
                     layout: Optional[str] = None) -> dict:
    """Where a split came from (data root, layout) and what it held
    (:meth:`EmbeddingSet.fingerprint`: video list and labels sha256)."""
    return dict(data_root=data_root, layout=layout, **embedding_set.fingerprint())


def dataset_provenance(dataset, embedding_set) -> dict:
    """:func:`split_provenance` of a split embedded from an mmengine dataset; layout
    ``'auto'`` is recorded as the layout it resolved to."""
    data_root, layout = getattr(dataset, 'data_root', None), getattr(dataset, 'layout', None)
    if layout == 'auto' and data_root and getattr(dataset, 'split', None):
        from byov.datasets.ae2 import detect_layout
        layout = detect_layout(data_root, dataset.split)
    return split_provenance(embedding_set, data_root, layout)


def runner_provenance(runner, stage: str) -> dict:
    """Config, seed, weights and partial-load flag of the run evaluated by ``runner``.

    ``weights``: 'checkpoint' (``load_from`` evaluated as is), 'training' (the weights of
    a training run at ``iter``) or 'none' (no trained weights: a floor row such as the
    time-only baseline or an untrained encoder). ``partial_load`` is the config's
    ``partial_load`` key (False unless a deliberately partial checkpoint load was
    allowed).
    """
    cfg = runner.cfg
    load_from = cfg.get('load_from')
    if stage == 'val' or (runner.iter > 0 and not load_from):
        weights = 'training'
    else:
        weights = 'checkpoint' if load_from else 'none'
    return dict(config=cfg.filename, config_text=cfg.pretty_text,
                experiment=runner.experiment_name, seed=runner.seed,
                model=(cfg.get('model') or {}).get('type'), checkpoint=load_from,
                checkpoint_sha256=file_sha256(load_from),
                partial_load=bool(cfg.get('partial_load', False)), weights=weights,
                epoch=runner.epoch, iter=runner.iter)
