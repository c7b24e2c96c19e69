"""Collect the results.json of several runs into one comparison table per dataset.

Rows are methods, columns the tasks with their regular and cross-view numbers (F1 and
mAP@10 regular / ego2exo / exo2ego, progression, Kendall's tau, then any other metric).
Runs are grouped by the dataset they were evaluated on (the eval split's data_root).

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
either. A method is named after its work dir unless --names is given.
"""
import argparse
import glob
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # run from a checkout without installing

from byov.evaluation.table import (collect_results, results_markdown,  # noqa: E402
                                   results_table)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('results', nargs='+',
                        help='results.json files, work dirs, or quoted globs of either')
    parser.add_argument(
        '--names', nargs='+',
        help='one method name per results file, in the order listed (a glob expands sorted)')
    parser.add_argument('--markdown', metavar='FILE', help='also write the tables as Markdown')
    parser.add_argument('--percent', action='store_true', help='show values x 100')
    parser.add_argument('--digits', type=int, default=4, help='decimals shown (default 4)')
    parser.add_argument('--seeds', action='store_true',
                        help='aggregate runs of the same name (one per seed): mean ± std, n')
    parser.add_argument('--reference', metavar='NAME',
                        help='with --seeds: mark cells that do not beat this row by more '
                             'than the seed spread (e.g. the time-only row)')
    return parser.parse_args(argv)


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


def expand(patterns):
    """Files and dirs in the order given; a glob expands sorted. A pattern that matches
    nothing is kept as is, so that the error names it."""
    paths = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else []
        if glob.has_magic(pattern):
            # a glob over work dirs or files: keep results files and dirs that hold one
            matches = [m for m in matches if m.endswith('results.json')
                       or osp.isfile(osp.join(m, 'results.json'))]
        paths.extend(matches or [pattern])
    return paths


def main(argv=None):
    args = parse_args(argv)
    if args.seeds:
        try:
            sections = seed_tables(expand(args.results), args)
        except (OSError, ValueError) as err:
            sys.exit(f'compare_results: {err}')
        if args.markdown:
            with open(args.markdown, 'w') as f:
                f.write('\n'.join(sections))
        return
    if args.reference:
        sys.exit('compare_results: --reference needs --seeds.')
    try:
        grouped = collect_results(expand(args.results), args.names)
    except (OSError, ValueError) as err:
        sys.exit(f'compare_results: {err}')
    sections = []
    for dataset, rows in grouped.items():
        print(results_table(rows, digits=args.digits, percent=args.percent, title=dataset))
        sections.append(f'### {dataset}\n\n'
                        f'{results_markdown(rows, digits=args.digits, percent=args.percent)}\n')
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write('\n'.join(sections))
        print(f'Markdown written to {args.markdown}')


if __name__ == '__main__':
    main()
