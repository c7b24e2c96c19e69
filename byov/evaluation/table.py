"""Results of several methods as one table: methods as rows, task/view as columns.

``rows`` maps a method's name to its metrics dict as the metrics return it (keys with or
without the metric prefix, e.g. ``ae2/f1_regular`` or ``f1_regular``). The four tasks come
first in a fixed order (F1 and mAP with their three views, progression, tau), then any
other keys in the order first seen.

:func:`read_results` and :func:`collect_results` read the ``results.json`` files that
``tools/test.py`` writes (see ``byov/engine/results.py``), for
``tools/analysis/compare_results.py`` and the benchmarks.
"""
import json
import math
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from prettytable import PrettyTable

_VIEW_NAMES = {'regular': 'regular', 'ego2exo': 'ego2exo', 'exo2ego': 'exo2ego'}


def _plain_key(key: str) -> str:
    return key.rsplit('/', 1)[-1]


def _column_title(key: str) -> str:
    match = re.fullmatch(r'f1_(regular|ego2exo|exo2ego)', key)
    if match:
        return f'F1 {match.group(1)}'
    match = re.fullmatch(r'map@(\d+)_(regular|ego2exo|exo2ego)', key)
    if match:
        return f'mAP@{match.group(1)} {match.group(2)}'
    return {'progression': 'Progression', 'tau': "Kendall's tau"}.get(key, key)


def _order(key: str) -> Tuple[int, int, str]:
    view = next((i for i, v in enumerate(_VIEW_NAMES) if key.endswith(v)), 0)
    if key.startswith('f1_'):
        return (0, view, key)
    if key.startswith('map@'):
        return (1, view, key)
    if key == 'progression':
        return (2, 0, key)
    if key == 'tau':
        return (3, 0, key)
    return (4, 0, '')  # the rest: stable, in order of appearance


def _columns(rows: Dict[str, dict]) -> List[str]:
    keys = []
    for metrics in rows.values():
        for key in metrics:
            plain = _plain_key(key)
            if plain not in keys:
                keys.append(plain)
    return sorted(keys, key=_order)


def _cell(value, digits: int, percent: bool) -> str:
    if value is None:
        return '-'
    if isinstance(value, float) and math.isnan(value):
        return 'nan'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'{value * (100 if percent else 1):.{digits}f}'
    return str(value)


def _cells(rows: Dict[str, dict], digits: int, percent: bool):
    columns = _columns(rows)
    body = []
    for name, metrics in rows.items():
        plain = {_plain_key(k): v for k, v in metrics.items()}
        body.append([name] + [_cell(plain.get(c), digits, percent) for c in columns])
    return ['Method'] + [_column_title(c) for c in columns], body


def results_table(rows: Dict[str, dict], digits: int = 4, percent: bool = False,
                  title: str = None) -> PrettyTable:
    """A PrettyTable with one row per method and one column per task and view.

    Args:
        rows: method name -> metrics dict.
        digits: decimals shown.
        percent: show values x 100 (as papers do) instead of in [0, 1].
        title: optional table title.
    """
    header, body = _cells(rows, digits, percent)
    table = PrettyTable(header)
    table.align = 'r'
    table.align['Method'] = 'l'
    for row in body:
        table.add_row(row)
    if title:
        table.title = title
    return table


def results_markdown(rows: Dict[str, dict], digits: int = 4, percent: bool = False) -> str:
    """The same table as GitHub Markdown."""
    header, body = _cells(rows, digits, percent)
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join([':---'] + ['---:'] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in body]
    return '\n'.join(lines)


def read_results(path: str) -> dict:
    """The record of one ``results.json``; errors name the file and the fix."""
    if osp.isdir(path):
        path = osp.join(path, 'results.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: evaluate the run first '
                                '(python tools/test.py CONFIG CHECKPOINT --work-dir DIR).')
    try:
        with open(path) as f:
            record = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f'{path} is not a valid results file ({err}); re-run tools/test.py '
                         'to write it again.') from err
    metrics = record.get('metrics') if isinstance(record, dict) else None
    if not isinstance(metrics, dict) or any(isinstance(v, dict) for v in metrics.values()):
        raise ValueError(f'{path} has no "metrics" dict of numbers, so it was not written '
                         'by tools/test.py; re-run tools/test.py to write it again.')
    return record


def dataset_name(record: dict) -> str:
    """The dataset a results record was evaluated on: the last folder of the eval split's
    ``data_root`` in its config, or ``'unknown'``."""
    text = record.get('config_text')
    if text:
        split = record.get('eval_split', 'test')
        loader = 'val_dataloader' if split == 'val' else 'test_dataloader'
        # the pretty-printed config: the eval loader's dataset carries data_root
        block = text.split(f'{loader} = ', 1)[-1] if f'{loader} = ' in text else text
        match = re.search(r"data_root\s*=\s*'([^']*)'", block)
        if match:
            return osp.basename(osp.normpath(match.group(1))) or 'unknown'
    return 'unknown'


def collect_results(paths: Sequence[str], names: Optional[Sequence[str]] = None
                    ) -> Dict[str, Dict[str, dict]]:
    """Metrics of several runs grouped by dataset: ``{dataset: {method: metrics}}``.

    Args:
        paths: ``results.json`` files or the work dirs that hold them.
        names: one method name per path; default: the name of the file's folder (the
            run's work dir).
    """
    if names is not None and len(names) != len(paths):
        raise ValueError(f'{len(names)} names for {len(paths)} results files; give one '
                         'name per file.')
    grouped: Dict[str, Dict[str, dict]] = {}
    for i, path in enumerate(paths):
        record = read_results(path)
        file = path if path.endswith('.json') else osp.join(path, 'results.json')
        name = names[i] if names else osp.basename(osp.dirname(osp.abspath(file)))
        rows = grouped.setdefault(dataset_name(record), {})
        if name in rows:
            raise ValueError(f'Two runs are named {name!r} ({file} and an earlier one); '
                             'name them with --names.')
        rows[name] = record['metrics']
    return grouped
