"""Checks of a generated dataset: how much time alone gives away, and a contact sheet."""
from pathlib import Path

import cv2
import numpy as np

from byov.structures import CAMERA_VIEWS
from ..ae2 import load_labels
from .action import PHASES
from .writer import read_meta, video_relpath


def time_only_f1(fit_labels, eval_labels, classifiers=('svc', 'tree')):
    """Weighted F1 of phase classifiers that see only a frame's normalised time t / L.

    Args:
        fit_labels, eval_labels: lists of per-frame label sequences, one per video.
        classifiers: which of ``svc`` (the protocol's classifier, through
            :func:`~byov.evaluation.functional.phase_classification`, regular view) and
            ``tree`` (a diagnostic beyond the protocol: a depth-4 decision tree, the best
            thresholds on t / L) to fit.

    Returns:
        dict: classifier name -> weighted F1 on the eval frames.
    """
    unknown = set(classifiers) - {'svc', 'tree'}
    if unknown:
        raise ValueError(f'time_only_f1: classifiers must be among svc, tree; got '
                         f'{sorted(unknown)}')

    def features(videos):
        t = np.concatenate([np.arange(len(v)) / len(v) for v in videos])[:, None]
        return t, np.concatenate([np.asarray(v) for v in videos])

    x_fit, y_fit = features(fit_labels)
    x_eval, y_eval = features(eval_labels)
    out = {}
    if 'svc' in classifiers:
        from byov.evaluation.functional import phase_classification
        everywhere = np.ones(len(y_fit), bool), np.ones(len(y_eval), bool)
        out['svc'] = phase_classification(x_fit, y_fit, everywhere[0], x_eval, y_eval,
                                          everywhere[1], views=('regular',))['regular']
    if 'tree' in classifiers:
        from sklearn.metrics import f1_score
        from sklearn.tree import DecisionTreeClassifier
        tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(x_fit, y_fit)
        out['tree'] = float(f1_score(y_eval, tree.predict(x_eval), average='weighted'))
    return {name: out[name] for name in classifiers}


def load_split_labels(root, split):
    """Labels of the videos of ``split`` (both views) of a generated dataset, read with
    the benchmark's label loader (which never runs code from the pickle)."""
    root = Path(root)
    meta = read_meta(root)
    labels = load_labels(str(root))
    names = [n for view in CAMERA_VIEWS for n in meta['splits'][split][view]]
    return [labels[n] for n in sorted(names)]


def time_only_scores(root, fit_split='train', eval_split='test'):
    """:func:`time_only_f1` of a generated dataset: fit on ``fit_split``, score on
    ``eval_split`` (all frames of both views)."""
    return time_only_f1(load_split_labels(root, fit_split), load_split_labels(root, eval_split))


def read_frames(path):
    """All frames of a video as RGB uint8 [L, H, W, 3] (decoded with OpenCV)."""
    cap = cv2.VideoCapture(str(path))
    frames = []
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    return np.stack(frames)


def make_contact_sheet(root, out_png, split='test', videos_per_view=2, tile=112):
    """Save a grid of decoded frames: rows are videos (ego first), columns the first frame
    and the middle frame of each phase's movement, each tile captioned with its phase
    and frame index. Returns the path written."""
    root = Path(root)
    meta = read_meta(root)
    labels = load_labels(str(root))
    pad, head = 4, 16
    rows = []
    for view in CAMERA_VIEWS:
        for name in sorted(meta['splits'][split][view])[:videos_per_view]:
            lab = np.asarray(labels[name])
            info = meta['videos'][name]
            frames = read_frames(root / video_relpath(meta['layout'], split, view, name))
            moving = np.ones(len(lab), dtype=bool)
            moving[:info['action_start']] = False
            moving[info['action_end']:] = False
            for start, length, _ in info['pauses']:
                moving[start:start + length] = False
            picks = [(0, f'start {PHASES[lab[0]]}')]
            for k, phase in enumerate(PHASES):
                idx = np.flatnonzero((lab == k) & moving)
                picks.append((int(idx[len(idx) // 2]), phase))
            tiles = []
            for i, caption in picks:
                img = cv2.resize(frames[i], (tile, tile), interpolation=cv2.INTER_AREA)
                canvas = np.full((tile + head, tile, 3), 255, dtype=np.uint8)
                canvas[head:] = img
                cv2.putText(canvas, f'{caption} {i}/{len(lab)}', (2, 11),
                            cv2.FONT_HERSHEY_SIMPLEX, 0.32, (0, 0, 0), 1, cv2.LINE_AA)
                tiles.append(canvas)
                tiles.append(np.full((tile + head, pad, 3), 255, dtype=np.uint8))
            row = np.concatenate(tiles, axis=1)
            label = np.full((row.shape[0], 86, 3), 255, dtype=np.uint8)
            cv2.putText(label, name, (2, head + tile // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.32,
                        (0, 0, 0), 1, cv2.LINE_AA)
            rows.append(np.concatenate([label, row], axis=1))
            rows.append(np.full((pad, rows[-1].shape[1], 3), 255, dtype=np.uint8))
    sheet = np.concatenate(rows, axis=0)
    # 6 bits a channel (an invisible change) keeps the sensor noise from bloating the PNG
    sheet = (np.minimum(sheet.astype(np.uint16) + 2, 255) & 0xFC).astype(np.uint8)
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out_png), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return out_png
