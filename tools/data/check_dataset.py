"""Check every video of every split of a config's datasets and list every problem.

    python tools/data/check_dataset.py CONFIG [--data-root DIR] [--cfg-options ...]

Decodes each video once (nothing is cached or written) and prints one line per problem,
``file: kind: what is wrong; what to do``. Kinds: missing-file, zero-byte, undecodable
(truncated or corrupt), header-count (decodes to another frame count than its container
header announces: a note, the decoded frames are used), labels-too-long /
labels-too-short (against the decoded frames), no-labels (a video missing from
label.pickle), empty-split, unreadable-split. Exits 1 when any problem other than a
note was found, 0 otherwise.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from byov.datasets.ae2 import LABEL_FILE, load_labels, scan_split
from byov.datasets.base import label_problem
from byov.datasets.config_utils import iter_loaders, setup_data
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (a leaf or a configs/_base_/datasets file)')
    parser.add_argument('--data-root', help='use this data_root for every dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. layout=folders')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, check_roots=False)  # checks every loader's data
    problems, done, videos = [], set(), 0
    for _, dataset in iter_loaders(cfg):
        ident = (dataset.get('data_root'), dataset.get('split'), dataset.get('layout'))
        if ident in done or ident[0] is None:
            continue
        done.add(ident)
        found, n = check_split(ident[0], ident[1] or 'train', ident[2] or 'auto',
                               dataset.get('label_length_mismatch', 'error'))
        problems += found
        videos += n
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem)
    print(f'{len(done)} split(s), {videos} video(s) checked: {len(errors)} problem(s), '
          f'{len(problems) - len(errors)} note(s).')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
