"""Phase-classification predictions on saved embeddings: byov's precomputed-kernel SVMs
against libsvm's own RBF kernel (``precompute_kernel=False``) and a plain scikit-learn
``SVC(decision_function_shape='ovo')`` per view, frame by frame.

    python benchmarks/svm_identity.py WORK_DIR/embeddings [MORE_DIRS ...] [--eval-split test]

Each folder holds the embeddings that ``tools/test.py`` saves (``train_embeds.npy``,
``{split}_label.npy``, ``{split}_meta.json``). Prints, per folder and view, the number
of frames whose predictions differ (0 expected), the weighted F1 and the CPU seconds of
each way.
"""
import argparse
import time

import numpy as np


def plain_predictions(fit, ev):
    from sklearn.svm import SVC
    out = {}
    for view, (f, e) in {'regular': (np.ones_like(fit.is_ego), np.ones_like(ev.is_ego)),
                         'ego2exo': (fit.is_ego, ~ev.is_ego),
                         'exo2ego': (~fit.is_ego, ev.is_ego)}.items():
        svm = SVC(decision_function_shape='ovo').fit(fit.embeds[f], fit.labels[f])
        out[view] = svm.predict(ev.embeds[e])
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dirs', nargs='+', help='folders of saved embeddings')
    parser.add_argument('--fit-split', default='train')
    parser.add_argument('--eval-split', default='test')
    args = parser.parse_args(argv)
    from prettytable import PrettyTable

    from byov.evaluation.embedding_set import EmbeddingSet
    from byov.evaluation.functional import phase_classification
    table = PrettyTable(['embeddings', 'frames fit / eval', 'view', 'differ: kernel vs rbf',
                         'differ: kernel vs SVC', 'F1 (kernel)', 'CPU s kernel / rbf / SVC'])
    worst = 0
    for folder in args.dirs:
        fit = EmbeddingSet.load(folder, args.fit_split)
        ev = EmbeddingSet.load(folder, args.eval_split)
        inputs = (fit.embeds, fit.labels, fit.is_ego, ev.embeds, ev.labels, ev.is_ego)
        times, results = [], []
        for options in (dict(precompute_kernel=True), dict(precompute_kernel=False)):
            start = time.process_time()
            results.append(phase_classification(*inputs, return_predictions=True,
                                                **options))
            times.append(time.process_time() - start)
        start = time.process_time()
        plain = plain_predictions(fit, ev)
        times.append(time.process_time() - start)
        (scores, kernel), (_, rbf) = results
        for view in plain:
            vs_rbf = int(np.sum(kernel[view] != rbf[view]))
            vs_svc = int(np.sum(kernel[view] != plain[view]))
            worst = max(worst, vs_rbf, vs_svc)
            table.add_row([folder, f'{len(fit.labels)} / {len(ev.labels)}', view,
                           f'{vs_rbf} of {len(plain[view])}', f'{vs_svc} of {len(plain[view])}',
                           f'{scores[view]:.4f}', ' / '.join(f'{t:.2f}' for t in times)])
    print(table)
    print('identical predictions' if worst == 0 else 'PREDICTIONS DIFFER')
    return worst


if __name__ == '__main__':
    raise SystemExit(1 if main() else 0)
