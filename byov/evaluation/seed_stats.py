"""Results over several seeds: mean, standard deviation and seed count per metric, and
which rows beat a reference row by more than the seed spread.

``runs`` maps a method's name to the metrics dicts of its runs (one per seed). A metric
cell is ``mean ± std (n)`` with the sample standard deviation over the seeds. A cell
*beats* the reference row (the time-only floor in byov's tables) when its mean exceeds
the reference's by more than the spread of the difference,
``sqrt(std_row**2 + std_ref**2)``; with a single run on both sides there is no spread to
read against, and a cell counts as beating only if it is higher. Cells that do not beat
it are marked with :data:`MARK`. Every metric of byov's tables is higher-is-better.
"""
import math
import os.path as osp
import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .table import _column_title, _columns, _plain_key, dataset_name, read_results

MARK = '†'


@dataclass(frozen=True)
class SeedStat:
    """One metric of one row over its runs."""
    mean: float
    std: float  # sample standard deviation; 0 for a single run
    n: int

    def minus(self, other: 'SeedStat') -> Tuple[float, float]:
        """``(mean - other.mean, spread)``: the difference of the means and the spread of
        that difference, ``sqrt(std**2 + other.std**2)`` (0 with one run on each side)."""
        return self.mean - other.mean, math.hypot(self.std, other.std)

    def beats(self, ref: 'SeedStat') -> bool:
        """Higher than ``ref`` by more than the spread of the difference."""
        diff, spread = self.minus(ref)
        return diff > spread


def aggregate(runs: Dict[str, List[dict]]) -> Dict[str, Dict[str, SeedStat]]:
    """``{name: [metrics of each seed]}`` -> ``{name: {metric: SeedStat}}``.

    Metric keys lose their prefix (``ae2/f1_regular`` -> ``f1_regular``). Every run of a
    row must have the same metrics; NaN values are kept (the mean is then NaN)."""
    out = {}
    for name, metrics_list in runs.items():
        if not metrics_list:
            raise ValueError(f'aggregate: row {name!r} has no runs.')
        plain = [{_plain_key(k): v for k, v in m.items()} for m in metrics_list]
        keys = list(plain[0])
        for i, m in enumerate(plain[1:], 1):
            if set(m) != set(keys):
                raise ValueError(f'aggregate: run {i} of {name!r} has metrics {sorted(m)}, '
                                 f'run 0 has {sorted(keys)}; compare like with like.')
        cells = {}
        for key in keys:
            values = [float(m[key]) for m in plain]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            cells[key] = SeedStat(statistics.fmean(values), std, len(values))
        out[name] = cells
    return out


def beats_reference(stats: Dict[str, Dict[str, SeedStat]], reference: str
                    ) -> Dict[str, Dict[str, bool]]:
    """``{name: {metric: beats the reference row}}`` for every row but the reference."""
    if reference not in stats:
        raise ValueError(f'reference row {reference!r} is not among {list(stats)}.')
    ref = stats[reference]
    return {name: {k: s.beats(ref[k]) for k, s in cells.items() if k in ref}
            for name, cells in stats.items() if name != reference}


def _format(stat: SeedStat, digits: int, percent: bool) -> str:
    scale = 100 if percent else 1
    if stat.n == 1:
        return f'{stat.mean * scale:.{digits}f}'
    return f'{stat.mean * scale:.{digits}f} ± {stat.std * scale:.{digits}f}'


def seed_markdown(stats: Dict[str, Dict[str, SeedStat]], reference: Optional[str] = None,
                  digits: int = 3, percent: bool = False) -> str:
    """A Markdown table: one row per method (with its seed count), ``mean ± std`` cells,
    :data:`MARK` on cells that do not beat ``reference`` by more than the spread."""
    columns = _columns(stats)
    marks = beats_reference(stats, reference) if reference else {}
    header = ['Method', 'seeds'] + [_column_title(c) for c in columns]
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join([':---', '---:'] + ['---:'] * len(columns)) + '|']
    for name, cells in stats.items():
        row = [name, str(max(s.n for s in cells.values()))]
        for c in columns:
            if c not in cells:
                row.append('-')
                continue
            text = _format(cells[c], digits, percent)
            if name in marks and not marks[name].get(c, True):
                text += f' {MARK}'
            row.append(text)
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def differences_markdown(stats: Dict[str, Dict[str, SeedStat]],
                         pairs: Sequence[Tuple[str, str]], digits: int = 3) -> str:
    """A Markdown table of row differences read against the seed spread: one row per
    pair ``(a, b)``, cells ``mean_a - mean_b (spread)`` (:meth:`SeedStat.minus`), in bold
    where the difference exceeds the spread."""
    for pair in pairs:
        for name in pair:
            if name not in stats:
                raise ValueError(f'no row {name!r}; rows: {list(stats)}')
    columns = [c for c in _columns(stats) if all(c in stats[n] for p in pairs for n in p)]
    header = ['Difference', 'seeds'] + [_column_title(c) for c in columns]
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join([':---', '---:'] + ['---:'] * len(columns)) + '|']
    for a, b in pairs:
        seeds = '/'.join(str(max(s.n for s in stats[n].values())) for n in (a, b))
        row = [f'{a} − {b}', seeds]
        for c in columns:
            diff, spread = stats[a][c].minus(stats[b][c])
            shown = f'{diff:+.{digits}f}'
            if float(shown) == 0:  # no '-0.000'
                shown = f'{0:.{digits}f}'
            text = f'{shown} ({spread:.{digits}f})'
            row.append(f'**{text}**' if abs(diff) > spread else text)
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def stats_to_json(stats: Dict[str, Dict[str, SeedStat]], reference: Optional[str] = None
                  ) -> Dict[str, Dict[str, dict]]:
    """JSON-ready ``{name: {metric: {mean, std, n[, beats_reference]}}}``."""
    marks = beats_reference(stats, reference) if reference else {}
    out = {}
    for name, cells in stats.items():
        out[name] = {}
        for key, s in cells.items():
            cell = dict(mean=s.mean, std=s.std, n=s.n)
            if name in marks and key in marks[name]:
                cell['beats_reference'] = marks[name][key]
            out[name][key] = cell
    return out


def collect_runs(paths: Sequence[str], names: Optional[Sequence[str]] = None
                 ) -> Dict[str, Dict[str, List[dict]]]:
    """Metrics of runs grouped by dataset and method, several runs (seeds) per method:
    ``{dataset: {method: [metrics, ...]}}``. A method is named after its run's work dir
    (``seed0/BYOV`` and ``seed1/BYOV`` are two runs of ``BYOV``) unless ``names`` gives
    one name per path."""
    if names is not None and len(names) != len(paths):
        raise ValueError(f'{len(names)} names for {len(paths)} results files; give one '
                         'name per file.')
    grouped: Dict[str, Dict[str, List[dict]]] = {}
    for i, path in enumerate(paths):
        record = read_results(path)
        file = path if path.endswith('.json') else osp.join(path, 'results.json')
        name = names[i] if names else osp.basename(osp.dirname(osp.abspath(file)))
        grouped.setdefault(dataset_name(record), {}).setdefault(name, []).append(
            record['metrics'])
    return grouped


def stats_from_json(table: Dict[str, Dict[str, dict]]) -> Dict[str, Dict[str, SeedStat]]:
    """The inverse of :func:`stats_to_json` (rebuild a table from a results file, e.g.
    to render it into the docs)."""
    return {name: {k: SeedStat(c['mean'], c['std'], c['n']) for k, c in cells.items()}
            for name, cells in table.items()}
