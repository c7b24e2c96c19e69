"""Collect the results.json of several runs into one comparison table per dataset.

Rows are methods, columns the tasks with their regular and cross-view numbers (F1 and
mAP@10 regular / ego2exo / exo2ego, progression, Kendall's tau, then any other metric).
Runs are grouped by the dataset they were evaluated on (the eval split's data_root).
Rows keep the order given; a glob expands floor rows (runs without trained weights:
time-only, frozen features, untrained) first, then the rest by name. A run whose data
(split videos, labels, temporal crop) or protocol options differ from the first row of
its dataset is refused, or shown marked with '*' under --allow-mismatch.

Examples::

    python tools/analysis/compare_results.py work_dirs/*/results.json
    python tools/analysis/compare_results.py 'work_dirs/synthetic_comparison/*' \\
        --markdown comparison.md --percent
    python tools/analysis/compare_results.py runs/a runs/b --names BYOV TCC
    python tools/analysis/compare_results.py 'work_dirs/synthetic_comparison/seed*/*' \\
        --seeds --reference time_only

With --seeds, runs that share a name (``seed0/BYOV``, ``seed1/BYOV``, ...) are one row:
mean ± standard deviation over its runs and their count; with --reference, cells that do
not beat that row by more than the seed spread are marked (byov.evaluation.seed_stats).

An argument may be a results.json file, a work dir that holds one, or a quoted glob of
either. A method is named after its work dir unless --names is given. ``--percent``
shows F1 and mAP x 100, as model zoos print them (R^2 and tau keep their scale).
"""
import argparse
import glob
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # run from a checkout without installing

from byov.evaluation.table import (collect_results, is_floor, mismatches,  # noqa: E402
                                   read_results, read_runs, results_markdown,
                                   results_table)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('results', nargs='+',
                        help='results.json files, work dirs, or quoted globs of either')
    parser.add_argument(
        '--names', nargs='+',
        help='one method name per results file, in the order listed (a glob expands floor '
        'rows first, then by name)')
    parser.add_argument('--markdown', metavar='FILE', help='also write the tables as Markdown')
    parser.add_argument('--percent', action='store_true', help='show F1 and mAP x 100')
    parser.add_argument(
        '--allow-mismatch', action='store_true',
        help="show runs whose data or protocol differ from the first row, marked with '*' "
        '(default: refuse them)')
    parser.add_argument('--digits', type=int, default=4, help='decimals shown (default 4)')
    parser.add_argument('--seeds', action='store_true',
                        help='aggregate runs of the same name (one per seed): mean ± std, n')
    parser.add_argument('--reference', metavar='NAME',
                        help='with --seeds: mark cells that do not beat this row by more '
                             'than the seed spread (e.g. the time-only row)')
    return parser.parse_args(argv)


def _floor_first(path):
    try:
        return (not is_floor(read_results(path)), path)
    except (OSError, ValueError):
        return (True, path)  # reported when read again


def seed_tables(paths, args):
    """--seeds: one Markdown table per dataset of mean ± std over same-named runs."""
    from byov.evaluation.seed_stats import MARK, aggregate, collect_runs, seed_markdown
    sections = []
    for dataset, runs in collect_runs(paths, args.names).items():
        reference = args.reference if args.reference in runs else None
        if args.reference and reference is None:
            raise ValueError(f'--reference {args.reference!r} is not a row of {dataset} '
                             f'(rows: {", ".join(runs)}).')
        table = seed_markdown(aggregate(runs), reference, args.digits, args.percent)
        sections.append(f'### {dataset}\n\n{table}\n')
        print(f'{dataset}\n{table}\n')
    if args.reference:
        print(f'{MARK}: not above {args.reference} by more than the seed spread.')
    return sections


def _is_results_file(path) -> bool:
    """A JSON file with a ``metrics`` dict, as tools/test.py writes (not, e.g., the
    ``demo_results.json`` table that tools/run_demo.py writes beside its work dirs)."""
    if not path.endswith('.json') or not osp.isfile(path):
        return False
    try:
        with open(path) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and isinstance(record.get('metrics'), dict)


def expand(patterns):
    """Files and dirs in the order given; a glob expands floor rows first, then sorted.
    A glob keeps the results files it matches and the dirs that hold one, and says on
    stderr which other matches it left out. A pattern that matches nothing is kept as
    is, so that the error names it."""
    paths = []
    for pattern in patterns:
        matches = []
        if glob.has_magic(pattern):
            found = glob.glob(pattern)
            matches = [m for m in found if _is_results_file(m)
                       or _is_results_file(osp.join(m, 'results.json'))]
            others = sorted(set(found) - set(matches))
            if others:
                print(f'compare_results: {pattern}: left out {len(others)} match(es) that '
                      f'are no results file or work dir holding one: {", ".join(others)}',
                      file=sys.stderr)
            matches.sort(key=_floor_first)
        paths.extend(matches or [pattern])
    return paths


def _legacy_note(rows):
    old = [file for file, record in rows.values() if 'data' not in record]
    if old:
        return ('no data fingerprint in ' + ', '.join(old) + ' (written before byov '
                'recorded provenance): their data could not be checked.')
    return None


def main(argv=None):
    args = parse_args(argv)
    if args.seeds:
        try:
            paths = expand(args.results)
            # the same refusal as without --seeds: runs on other data or protocol options
            # (one name per file: runs of the same row differ only in their seed)
            collect_results(paths, [str(i) for i in range(len(paths))],
                            mismatch='mark' if args.allow_mismatch else 'error')
            sections = seed_tables(paths, args)
        except (OSError, ValueError) as err:
            sys.exit(f'compare_results: {err}')
        if args.markdown:
            with open(args.markdown, 'w') as f:
                f.write('\n'.join(sections))
        return
    if args.reference:
        sys.exit('compare_results: --reference needs --seeds.')
    paths = expand(args.results)
    try:
        grouped = collect_results(paths, args.names,
                                  mismatch='mark' if args.allow_mismatch else 'error')
        runs = read_runs(paths, args.names)
    except (OSError, ValueError) as err:
        sys.exit(f'compare_results: {err}')
    sections = []
    for dataset, rows in grouped.items():
        print(results_table(rows, digits=args.digits, percent=args.percent, title=dataset))
        notes = [f'* {name}: differs from {next(iter(runs[dataset]))}: ' + '; '.join(diff)
                 for name, diff in mismatches(runs[dataset]).items()]
        for note in notes:
            print(note)
        legacy = _legacy_note(runs[dataset])
        if legacy:
            print(f'compare_results: {dataset}: {legacy}', file=sys.stderr)
        table = results_markdown(rows, digits=args.digits, percent=args.percent)
        footnotes = ''.join(f'\n{note}\n' for note in notes)
        sections.append(f'### {dataset}\n\n{table}\n{footnotes}')
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write('\n'.join(sections))
        print(f'Markdown written to {args.markdown}')


if __name__ == '__main__':
    main()
