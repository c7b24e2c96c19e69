"""Evaluate a folder of pre-extracted frame embeddings on the ego-exo protocol.

    python tools/evaluate_embeddings.py CONFIG EMBED_DIR [--eval-split test]

``EMBED_DIR`` is a work dir of ``tools/test.py`` (its ``embeddings/`` folder is read) or a
folder holding ``{split}_embeds.npy`` and ``{split}_label.npy`` for the fit split (train)
and the eval split, as byov's loops write them (with ``{split}_meta.json``) or as AE2's
tools do (AE2 saves the test split under the name ``val``: pass ``--eval-file-split
val``). Video boundaries and views come from the dataset in CONFIG
(``test_dataloader.dataset``: data root and layout; nothing is decoded), and the metrics
from its ``test_evaluator``; they are evaluated by the same function as the evaluation
loops (``byov.evaluation.evaluate_embedding_sets``). Prints one table and writes
``results.json`` (into the embeddings folder unless ``--out``).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope

from byov.datasets import load_split, setup_data
from byov.engine.provenance import split_provenance
from byov.engine.results import format_metrics_table, write_results_json
from byov.evaluation import EmbeddingSet, evaluate_embedding_sets, find_embeddings_dir
from byov.registry import METRICS
from byov.utils import register_all_modules
from byov.utils.launch import check_config_file, exit_on_input_errors


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config whose test dataset and evaluator to use')
    parser.add_argument('embed_dir', help='work dir of tools/test.py (its embeddings/ '
                        'folder), or a folder with {split}_embeds.npy / _label.npy')
    parser.add_argument('--eval-split', default='test', help='dataset split evaluated')
    parser.add_argument('--fit-split', default='train', help='dataset split fitted on')
    parser.add_argument('--eval-file-split', default=None,
                        help="file prefix of the eval split (AE2 files: 'val')")
    parser.add_argument('--fit-file-split', default=None, help='file prefix of the fit split')
    parser.add_argument('--out', default=None,
                        help='results file (default: results.json in the embeddings '
                        'folder)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. test_dataloader.dataset.layout=csv')
    parser.add_argument('--data-root', help='data_root of the dataset the embeddings are of')
    args = parser.parse_args()
    # as tools/train.py and tools/test.py: a user's custom_imports modules in the working
    # directory are found, and a wrong config path is one message
    sys.path.insert(0, os.getcwd())
    check_config_file(args.config)
    return args


def load_split_embeddings(embed_dir, file_split, dataset_cfg, split):
    """Embeddings of one split, with video boundaries from the dataset's metadata; the
    labels in the file must agree with the dataset's."""
    records = load_split(dataset_cfg['data_root'], split, dataset_cfg.get('layout', 'auto'))
    lengths = [len(r.labels) for r in records]
    try:
        emb = EmbeddingSet.load(embed_dir, file_split, video_lengths=lengths,
                                video_is_ego=[r.is_ego for r in records],
                                video_names=[r.name for r in records])
    except ValueError as err:
        raise SystemExit(
            f'{err}\nThe {split} split of {dataset_cfg["data_root"]} has {len(records)} '
            f'videos and {sum(lengths)} frames; embed every frame of every video of that '
            'split, videos in sorted order, ego first (docs/evaluation_protocol.md).') from None
    expected = np.concatenate([r.labels for r in records])
    if not np.array_equal(emb.labels, expected):
        first = int(np.flatnonzero(emb.labels != expected)[0])
        video = records[int(emb.video_ids[first])].name
        raise SystemExit(
            f'{osp.join(embed_dir, file_split + "_label.npy")} disagrees with label.pickle '
            f'of {dataset_cfg["data_root"]} from frame {first} (video {video!r}); the files '
            'belong to another split or dataset, or another video order.')
    return emb


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setup_data(cfg, args.data_root, check_roots=False)  # reads test_dataloader only
    dataset_cfg = cfg.test_dataloader.dataset
    fit_file = args.fit_file_split or args.fit_split
    eval_file = args.eval_file_split or args.eval_split
    try:
        embed_dir = find_embeddings_dir(args.embed_dir, eval_file)
    except FileNotFoundError as err:
        raise SystemExit(f'evaluate_embeddings: {err}') from None
    fit = load_split_embeddings(embed_dir, fit_file, dataset_cfg, args.fit_split)
    ev = load_split_embeddings(embed_dir, eval_file, dataset_cfg, args.eval_split)
    with DefaultScope.overwrite_default_scope('byov'):
        metrics = [METRICS.build(m) for m in cfg.test_evaluator]
    evaluation = evaluate_embedding_sets(metrics, ev, fit)
    print(format_metrics_table(evaluation.metrics,
                               title=f'{args.eval_split} split, {embed_dir}'))
    out = args.out or osp.join(embed_dir, 'results.json')
    data_root, layout = dataset_cfg['data_root'], dataset_cfg.get('layout', 'auto')
    write_results_json(
        out, evaluation.metrics, evaluation.protocol,
        figure_options=evaluation.figure_options, config=args.config,
        config_text=cfg.pretty_text, embed_dir=embed_dir, fit_split=args.fit_split,
        eval_split=args.eval_split, weights='embeddings', checkpoint=None,
        checkpoint_sha256=None, partial_load=bool(cfg.get('partial_load', False)),
        seed=None, model=(cfg.get('model') or {}).get('type'), eval_temporal_crop=None,
        data=dict(fit=split_provenance(fit, data_root, layout),
                  eval=split_provenance(ev, data_root, layout)))
    print(f'Results written to {out}')


if __name__ == '__main__':
    with exit_on_input_errors('tools/evaluate_embeddings.py'):
        main()
