"""Results of several methods as one table: methods as rows, task/view as columns.

``rows`` maps a method's name to its metrics dict as the metrics return it (keys with or
without the metric prefix, e.g. ``ae2/f1_regular`` or ``f1_regular``). The four tasks come
first in a fixed order (F1 and mAP with their three views, progression, tau), then any
other keys in the order first seen.

:func:`read_results` and :func:`collect_results` read the ``results.json`` files that
``tools/test.py`` writes (see ``byov/engine/results.py``), for
``tools/analysis/compare_results.py`` and the benchmarks; :func:`differences` says what
makes two of them not comparable (other data, another protocol).
"""
import json
import math
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from prettytable import PrettyTable

from byov.structures import EVAL_VIEWS

_VIEW = '(' + '|'.join(EVAL_VIEWS) + ')'


def _plain_key(key: str) -> str:
    return key.rsplit('/', 1)[-1]


def _column_title(key: str) -> str:
    match = re.fullmatch('f1_' + _VIEW, key)
    if match:
        return f'F1 {match.group(1)}'
    match = re.fullmatch(r'map@(\d+)_' + _VIEW, key)
    if match:
        return f'mAP@{match.group(1)} {match.group(2)}'
    return {'progression': 'Progression', 'tau': "Kendall's tau",
            'tau_dropped_pairs': 'tau pairs dropped'}.get(key, key)


def _order(key: str) -> Tuple[int, int, str]:
    view = next((i for i, v in enumerate(EVAL_VIEWS) if key.endswith(v)), 0)
    if key.startswith('f1_'):
        return (0, view, key)
    if key.startswith('map@'):
        return (1, view, key)
    if key == 'progression':
        return (2, 0, key)
    if key == 'tau':
        return (3, 0, key)
    if key == 'tau_dropped_pairs':  # how many pairs the tau beside it left out
        return (3, 1, key)
    return (4, 0, '')  # the rest: stable, in order of appearance


def _columns(rows: Dict[str, dict]) -> List[str]:
    keys = []
    for metrics in rows.values():
        for key in metrics:
            plain = _plain_key(key)
            if plain not in keys:
                keys.append(plain)
    return sorted(keys, key=_order)


def is_percent_key(key: str) -> bool:
    """Whether a metric is shown x 100 with ``percent``: F1 and mAP (also the few-shot
    F1), as papers and model zoos print them; R^2, tau and counts keep their scale."""
    plain = _plain_key(key)
    return plain.startswith(('f1_', 'map@')) or '_f1_' in plain


def _cell(key: str, value, digits: int, percent: bool) -> str:
    if value is None:
        return '-'
    if isinstance(value, float) and math.isnan(value):
        return 'nan'
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # counts (e.g. tau_dropped_pairs)
    if isinstance(value, float):
        scale = 100 if percent and is_percent_key(key) else 1
        return f'{value * scale:.{digits}f}'
    return str(value)


def _cells(rows: Dict[str, dict], digits: int, percent: bool):
    columns = _columns(rows)
    body = []
    for name, metrics in rows.items():
        plain = {_plain_key(k): v for k, v in metrics.items()}
        body.append([name] + [_cell(c, plain.get(c), digits, percent) for c in columns])
    return ['Method'] + [_column_title(c) for c in columns], body


def results_table(rows: Dict[str, dict], digits: int = 4, percent: bool = False,
                  title: str = None) -> PrettyTable:
    """A PrettyTable with one row per method and one column per task and view.

    Args:
        rows: method name -> metrics dict.
        digits: decimals shown.
        percent: show F1 and mAP x 100 (as papers do) instead of in [0, 1].
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
    data root (``data.eval.data_root``; for files written before byov recorded it, the
    eval loader's ``data_root`` in the recorded config), or ``'unknown'``."""
    root = ((record.get('data') or {}).get('eval') or {}).get('data_root')
    if not root and record.get('config_text'):
        root = _recorded_data_root(record)
    return (osp.basename(osp.normpath(root)) or 'unknown') if root else 'unknown'


def _recorded_data_root(record: dict) -> Optional[str]:
    from mmengine.config import Config
    loader = 'val_dataloader' if record.get('eval_split') == 'val' else 'test_dataloader'
    try:
        cfg = Config.fromstring(record['config_text'], '.py')
        return cfg[loader]['dataset']['data_root']
    except Exception:  # noqa: BLE001  (an unreadable old record: no dataset name)
        return None


def is_floor(record: dict) -> bool:
    """A row evaluated without trained weights (time-only, frozen features, an untrained
    encoder): ``weights == 'none'``, or no checkpoint in files without ``weights``."""
    if 'weights' in record:
        return record['weights'] == 'none'
    return record.get('checkpoint') is None


DATA_KEYS = ('split', 'num_videos', 'num_frames', 'split_sha256', 'labels_sha256')


def differences(reference: dict, record: dict) -> List[str]:
    """Why ``record`` is not comparable with ``reference`` (both results records): the
    fit or eval data differ (split, videos or labels), the temporal crop differs, or a
    metric both ran used other protocol options. Empty when comparable. Records without
    ``data`` (older files) are compared on what they have."""
    found = []
    for role in ('eval', 'fit'):
        a = (reference.get('data') or {}).get(role)
        b = (record.get('data') or {}).get(role)
        if a and b:
            for key in DATA_KEYS:
                if a.get(key) != b.get(key):
                    found.append(f'{role} data {key}: {_short(a.get(key))} vs '
                                 f'{_short(b.get(key))}')
    if reference.get('eval_temporal_crop') != record.get('eval_temporal_crop'):
        found.append(f"temporal crop: {reference.get('eval_temporal_crop')} vs "
                     f"{record.get('eval_temporal_crop')}")
    protocol_a, protocol_b = reference.get('protocol') or {}, record.get('protocol') or {}
    for metric in protocol_a.keys() & protocol_b.keys():
        a, b = protocol_a[metric] or {}, protocol_b[metric] or {}
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                found.append(f'{metric}.{key}: {a.get(key)!r} vs {b.get(key)!r}')
    return found


def _short(value):
    return value[:12] if isinstance(value, str) and len(value) == 64 else value


def read_runs(paths: Sequence[str], names: Optional[Sequence[str]] = None
              ) -> Dict[str, Dict[str, Tuple[str, dict]]]:
    """Results records grouped by dataset: ``{dataset: {method: (file, record)}}``, in
    the order given.

    Args:
        paths: ``results.json`` files or the work dirs that hold them.
        names: one method name per path; default: the name of the file's folder (the
            run's work dir).
    """
    if names is not None and len(names) != len(paths):
        raise ValueError(f'{len(names)} names for {len(paths)} results files; give one '
                         'name per file.')
    grouped: Dict[str, Dict[str, Tuple[str, dict]]] = {}
    for i, path in enumerate(paths):
        record = read_results(path)
        file = path if path.endswith('.json') else osp.join(path, 'results.json')
        name = names[i] if names else osp.basename(osp.dirname(osp.abspath(file)))
        rows = grouped.setdefault(dataset_name(record), {})
        if name in rows:
            raise ValueError(f'Two runs are named {name!r} ({file} and an earlier one); '
                             'name them with --names.')
        rows[name] = (file, record)
    return grouped


def mismatches(rows: Dict[str, Tuple[str, dict]]) -> Dict[str, List[str]]:
    """For the rows of one dataset: method -> its :func:`differences` from the first
    row, for the rows that have any."""
    items = list(rows.items())
    if not items:
        return {}
    _, (_, first) = items[0]
    found = {}
    for name, (_, record) in items[1:]:
        diff = differences(first, record)
        if diff:
            found[name] = diff
    return found


def collect_results(paths: Sequence[str], names: Optional[Sequence[str]] = None,
                    mismatch: str = 'error') -> Dict[str, Dict[str, dict]]:
    """Metrics of several runs grouped by dataset: ``{dataset: {method: metrics}}``.

    Args:
        paths, names: as :func:`read_runs`.
        mismatch: a row whose data or protocol differ from the first row of its dataset
            (:func:`differences`): 'error' raises a ValueError naming both files and the
            differences; 'mark' keeps it, its name followed by ' *'.
    """
    if mismatch not in ('error', 'mark'):
        raise ValueError(f"mismatch must be 'error' or 'mark', got {mismatch!r}")
    grouped = {}
    for dataset, rows in read_runs(paths, names).items():
        found = mismatches(rows)
        if found and mismatch == 'error':
            first_file = next(iter(rows.values()))[0]
            lines = [f'{rows[name][0]}: ' + '; '.join(diff) for name, diff in found.items()]
            raise ValueError(
                f'{dataset}: these runs are not comparable with {first_file} (the first '
                'row), their data or protocol differ:\n  ' + '\n  '.join(lines) +
                '\nCompare runs evaluated on the same splits with the same options, or '
                "pass --allow-mismatch to show them marked with '*'.")
        grouped[dataset] = {(f'{name} *' if name in found else name): record['metrics']
                            for name, (_, record) in rows.items()}
    return grouped
