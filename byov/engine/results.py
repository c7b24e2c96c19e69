"""The results a run leaves behind: one printed table and ``results.json``."""
import datetime
import json
import os
import os.path as osp
import platform

from prettytable import PrettyTable

from byov.utils.atomic import atomic_write

VIEWS = ('regular', 'ego2exo', 'exo2ego')


def format_metrics_table(metrics: dict, title: str = '') -> str:
    """Metrics of one run as a table: one row per metric family, with the regular and
    cross-view numbers side by side where the metric has them."""
    table = PrettyTable(['metric', *VIEWS, 'value'])
    table.title = title or None
    table.align = 'r'
    table.align['metric'] = 'l'
    grouped = {}
    for key, value in metrics.items():
        for view in VIEWS:
            if key.endswith('_' + view):
                grouped.setdefault(key[:-len(view) - 1], {})[view] = value
                break
        else:
            grouped.setdefault(key, {})['value'] = value
    for name, values in grouped.items():
        table.add_row([name] + [_fmt(values.get(col)) for col in (*VIEWS, 'value')])
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


def _protocol_of(evaluator) -> dict:
    """Each metric's protocol options (reference or corrected variant, k, stride...)."""
    protocol = {}
    if evaluator is None:
        return protocol
    for metric in evaluator.metrics:
        describe = getattr(metric, 'protocol', None)
        protocol[type(metric).__name__] = describe() if callable(describe) else {}
    return protocol


def write_results_json(path: str, metrics: dict, runner=None, evaluator=None, **extra):
    """Write ``metrics`` with the config, seed, protocol and versions, atomically."""
    record = dict(metrics={k: _jsonable(v) for k, v in metrics.items()},
                  time=datetime.datetime.now().isoformat(timespec='seconds'),
                  versions=environment_versions(), protocol=_protocol_of(evaluator))
    if runner is not None:
        cfg = runner.cfg
        record.update(config=cfg.filename, experiment=runner.experiment_name,
                      seed=runner.seed, checkpoint=cfg.get('load_from'),
                      model=cfg.model.get('type'), config_text=cfg.pretty_text,
                      eval_temporal_crop=cfg.get('eval_temporal_crop'))
    record.update({k: _jsonable(v) for k, v in extra.items()})
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
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
