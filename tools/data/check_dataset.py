"""Check every video of every split of a config's datasets and list every problem.

    python tools/data/check_dataset.py CONFIG [--data-root DIR] [--cfg-options ...]
    python tools/data/check_dataset.py EGOEXO4D_ROOT [--feature-dim D]

Decodes each video once (nothing is cached or written) and prints one line per problem,
``file: kind: what is wrong; what to do``. Kinds: missing-file, zero-byte, undecodable
(truncated or corrupt), header-count (decodes to another frame count than its container
header announces: a note, the decoded frames are used), labels-too-long /
labels-too-short (against the decoded frames), no-labels (a video missing from
label.pickle), empty-split, unreadable-split. Exits 1 when any problem other than a
note was found, 0 otherwise.

An Ego-Exo4D download (a folder holding takes.json and annotations/splits.json, given
in place of CONFIG or as a config's data_root) is checked as its keystep datasets read
it (:mod:`byov.datasets.egoexo4d.index`; feature headers only, nothing written): every
damaged take of the train and val splits (missing-features, unreadable-features,
feature-shape, feature-width, feature-steps, segment-times, take-not-in-metadata), then
each split's statistics: takes per scenario, ego and exo streams, feature steps,
classes present, background fraction, takes without keystep annotation.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from byov.datasets.ae2 import LABEL_FILE, load_labels, scan_split
from byov.datasets.base import label_problem
from prettytable import PrettyTable

from byov.datasets.config_utils import iter_loaders, setup_data
from byov.datasets.egoexo4d import format as e4d_format
from byov.datasets.egoexo4d.index import (ANNOTATED_SPLITS, STEP_TOLERANCE,
                                          TIME_TOLERANCE, build_split_index,
                                          split_statistics)
from byov.datasets.integrity import Problem, probe_video
from byov.utils.progress import progress_bar


def check_split(data_root: str, split: str, layout: str = 'auto',
                label_length_mismatch: str = 'error'):
    """Every problem of one split, and the number of videos decoded.

    Returns:
        ``(problems, num_videos)``.
    """
    try:
        labels = load_labels(data_root)
        records, problems = scan_split(data_root, split, layout, labels)
    except (OSError, ValueError) as err:
        return [Problem(data_root, 'unreadable-split', f'split "{split}": {err}')], 0
    label_file = osp.join(data_root, LABEL_FILE)
    for rec in progress_bar(records, desc=f'{split} of {data_root}', unit='video'):
        decoded, announced, found = probe_video(rec.path)
        problems += found
        if decoded is None:
            continue
        problem = label_problem(rec, decoded, announced, label_file)
        if problem is not None:
            if label_length_mismatch == 'truncate':  # the config opts in: a note
                problem.fix = ('label_length_mismatch="truncate" is set: the first '
                               f'{min(decoded, len(rec.labels))} frames and labels are used')
                problem.error = False
            problems.append(problem)
    return problems, len(records)


def is_egoexo4d_root(path) -> bool:
    """Whether ``path`` is an Ego-Exo4D download (takes.json and annotations/splits.json)."""
    return bool(path) and all(osp.isfile(osp.join(path, f)) for f in (
        e4d_format.TAKES_FILE, e4d_format.SPLITS_FILE))


def check_egoexo4d(data_root: str, feature_dir: str = e4d_format.FEATURE_DIR,
                   feature_dim=None, step_tolerance: int = STEP_TOLERANCE,
                   time_tolerance: float = TIME_TOLERANCE):
    """Every problem of the keystep splits of an Ego-Exo4D root, and their statistics.

    Returns:
        ``(problems, stats)``: stats is one :func:`split_statistics` dict per split
        that could be indexed.
    """
    problems, stats = [], []
    for split in ANNOTATED_SPLITS:
        try:
            index = build_split_index(data_root, split, feature_dir, feature_dim,
                                      step_tolerance, time_tolerance)
        except (OSError, ValueError) as err:
            problems.append(Problem(data_root, 'unreadable-split', f'split "{split}": {err}'))
            continue
        problems += [p.problem for p in index.problems]
        damaged = {p.take_uid for p in index.problems}
        stats.append(dict(split_statistics(index, [s for s in index.streams
                                                   if s.take_uid not in damaged]),
                          damaged_takes=len(damaged)))
    return problems, stats


def egoexo4d_table(data_root: str, stats) -> PrettyTable:
    """One row per keystep split (streams and steps of its undamaged takes)."""
    table = PrettyTable(['split', 'takes', 'damaged', 'without annotation', 'ego streams',
                         'exo streams', 'steps', 'classes present', 'background',
                         'takes per scenario'])
    table.title = f'Ego-Exo4D keystep: {data_root}'
    for st in stats:
        table.add_row([st['split'], st['takes'], st['damaged_takes'],
                       st['takes_without_annotation'], st['streams_ego'], st['streams_exo'],
                       st['steps'], f"{st['classes_present']}/{st['classes']}",
                       f"{100 * st['background_fraction']:.1f}%",
                       ', '.join(f'{k}: {v}' for k, v in st['takes_per_scenario'].items())])
    return table


def report(problems, what: str) -> int:
    """Print every problem and a summary line; the exit code (1 when any is an error)."""
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem)
    print(f'{what}: {len(errors)} problem(s), {len(problems) - len(errors)} note(s).')
    return 1 if errors else 0


def main_egoexo4d(data_root: str, feature_dim=None) -> int:
    problems, stats = check_egoexo4d(data_root, feature_dim=feature_dim)
    if stats:
        print(egoexo4d_table(data_root, stats))
    return report(problems, f'Ego-Exo4D root {data_root}, {len(stats)} keystep split(s) '
                  'checked')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (a leaf or a configs/_base_/datasets '
                        'file), or an Ego-Exo4D download folder')
    parser.add_argument('--data-root', help='use this data_root for every dataset')
    parser.add_argument('--feature-dim', type=int, default=1536,
                        help='Ego-Exo4D folder: the feature width every file must have '
                        '(default: %(default)s, the released Omnivore features; 0: the most '
                        'common width of the files)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. layout=folders')
    args = parser.parse_args(argv)
    if osp.isdir(args.config):
        if not is_egoexo4d_root(args.config):
            parser.error(f'{args.config} is a folder but not an Ego-Exo4D download (no '
                         f'{e4d_format.TAKES_FILE} and {e4d_format.SPLITS_FILE}); give a '
                         'config file for other datasets.')
        return main_egoexo4d(args.config, args.feature_dim or None)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, check_roots=False)  # checks every loader's data
    problems, done, videos, e4d_roots = [], set(), 0, []
    for _, dataset in iter_loaders(cfg):
        ident = (dataset.get('data_root'), dataset.get('split'), dataset.get('layout'))
        if ident in done or ident[0] is None:
            continue
        done.add(ident)
        if is_egoexo4d_root(ident[0]):  # every keystep split at once, below
            options = (ident[0], dataset.get('feature_dir', e4d_format.FEATURE_DIR),
                       dataset.get('feature_dim'),
                       dataset.get('step_tolerance', STEP_TOLERANCE),
                       dataset.get('time_tolerance', TIME_TOLERANCE))
            if options not in e4d_roots:
                e4d_roots.append(options)
            continue
        found, n = check_split(ident[0], ident[1] or 'train', ident[2] or 'auto',
                               dataset.get('label_length_mismatch', 'error'))
        problems += found
        videos += n
    for options in e4d_roots:
        found, stats = check_egoexo4d(*options)
        if stats:
            print(egoexo4d_table(options[0], stats))
        problems += found
    return report(problems, f'{len(done)} split(s), {videos} video(s) checked')


if __name__ == '__main__':
    sys.exit(main())
