"""The results a run leaves behind: one printed table and ``results.json``."""
import datetime
import json
import os
import os.path as osp
import platform
from typing import Optional

import numpy as np
from prettytable import PrettyTable

from byov.structures import EVAL_VIEWS
from byov.utils.atomic import atomic_write


def format_metrics_table(metrics: dict, title: str = '') -> str:
    """Metrics of one run as a table: one row per metric family, with the regular and
    cross-view numbers side by side where the metric has them."""
    table = PrettyTable(['metric', *EVAL_VIEWS, 'value'])
    table.title = title or None
    table.align = 'r'
    table.align['metric'] = 'l'
    grouped = {}
    for key, value in metrics.items():
        for view in EVAL_VIEWS:
            if key.endswith('_' + view):
                grouped.setdefault(key[:-len(view) - 1], {})[view] = value
                break
        else:
            grouped.setdefault(key, {})['value'] = value
    for name, values in grouped.items():
        table.add_row([name] + [_fmt(values.get(col)) for col in (*EVAL_VIEWS, 'value')])
    return table.get_string()


def _fmt(value):
    if value is None:
        return ''
    if isinstance(value, float):
        return f'{value:.4f}'
    return str(value)


def environment_versions() -> dict:
    import mmaction
    import mmengine
    import numpy
    import sklearn
    import torch

    import byov
    return dict(byov=byov.__version__, torch=torch.__version__, mmengine=mmengine.__version__,
                mmaction2=mmaction.__version__, numpy=numpy.__version__,
                scikit_learn=sklearn.__version__, python=platform.python_version())


def results_record(metrics: dict, protocol: Optional[dict] = None, **extra) -> dict:
    """The record of one evaluation: ``metrics``, the metrics' ``protocol`` options, the
    environment's versions and the code's version (byov, git commit), the time, and the
    provenance in ``extra`` (config, checkpoint and its sha256, data roots and split
    fingerprints, temporal crop, seed, partial load; see docs/training_and_evaluation.md,
    "results.json")."""
    from byov.engine.provenance import code_version
    record = dict(metrics={k: _jsonable(v) for k, v in metrics.items()},
                  time=datetime.datetime.now().isoformat(timespec='seconds'),
                  versions=environment_versions(), code=code_version(),
                  protocol=protocol or {})
    record.update({k: _jsonable(v) for k, v in extra.items()})
    return record


def write_results_json(path: str, metrics: dict, protocol: Optional[dict] = None,
                       **extra) -> dict:
    """Write :func:`results_record` to ``path`` atomically; returns the record. Called
    only after every metric succeeded, so a failed run leaves no results file."""
    record = results_record(metrics, protocol, **extra)
    atomic_write_text(path, json.dumps(record, indent=2))
    return record


def atomic_write_text(path: str, text: str) -> None:
    """Write to a temporary file in the same folder, then rename it into place, so a
    reader never sees half a file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with atomic_write(path, 'w') as f:
        f.write(text)


def _jsonable(value):
    if hasattr(value, 'item') and getattr(value, 'ndim', 1) == 0:
        return value.item()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
