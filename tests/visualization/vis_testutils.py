"""Helpers of the visualization tests: small ego-exo embeddings, and a tiny AE2-layout
dataset whose videos match them."""
import os
import os.path as osp
import pickle

import cv2
import numpy as np

from byov.evaluation.embedding_set import EmbeddingSet

NUM_CLASSES = 3
PHASES = ['reach', 'pour', 'place']


def video_labels(split, num_ego, num_exo, seed, min_len=16, max_len=28):
    """name -> per-frame labels (phases in order, each present), ego videos first."""
    rng = np.random.default_rng(seed)
    out = {}
    for view, count in (('ego', num_ego), ('exo', num_exo)):
        for i in range(count):
            length = int(rng.integers(min_len, max_len + 1))
            cuts = np.sort(rng.choice(np.arange(2, length - 1), NUM_CLASSES - 1,
                                      replace=False))
            out[f'{view}_{split}_{i:03d}'] = np.searchsorted(cuts, np.arange(length),
                                                             side='right')
    return out


def embedding_set(labels_by_video, split, seed, dim=8, noise=0.6, view_shift=0.5):
    """Embeddings = phase centre + a view offset + noise, one video after another."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(100).normal(size=(NUM_CLASSES, dim)) * 2
    shift = np.random.default_rng(101).normal(size=dim) * view_shift
    records = []
    for index, (name, labels) in enumerate(labels_by_video.items()):
        ego = name.startswith('ego')
        embeds = centres[labels] + noise * rng.normal(size=(labels.size, dim))
        records.append(dict(embeds=(embeds + (0 if ego else shift)).astype(np.float32),
                            gt_labels=labels, video_index=index, is_ego=ego,
                            video_name=name))
    return EmbeddingSet.from_records(records, split=split)


def fake_frames(video_name, frame):
    """A uniform 24x24 frame whose colour depends on the video and the frame index."""
    image = np.empty((24, 24, 3), np.uint8)
    image[...] = (40 * (hash(video_name) % 6), (10 * frame) % 256, 128)
    return image


def write_ae2_csv(root, splits, size=(32, 32)):
    """An AE2 csv-layout dataset (``ego/``, ``exo/``, split lists, label.pickle) with
    one uniform-coloured mp4 per video, as many frames as labels."""
    h, w = size
    labels = {}
    for split, videos in splits.items():
        lists = {'ego': [], 'exo': []}
        for name, lab in videos.items():
            view = name.split('_')[0]
            os.makedirs(osp.join(root, view), exist_ok=True)
            writer = cv2.VideoWriter(osp.join(root, view, name + '.mp4'),
                                     cv2.VideoWriter_fourcc(*'mp4v'), 10, (w, h))
            for t in range(lab.size):
                frame = np.empty((h, w, 3), np.uint8)
                frame[...] = (128, 8 * t % 256, 60 if view == 'ego' else 200)
                writer.write(frame)
            writer.release()
            lists[view].append(name + '.mp4')
            labels[name] = [int(x) for x in lab]
        for view, names in lists.items():
            with open(osp.join(root, view, f'{split}.csv'), 'w') as f:
                f.write(''.join(n + '\n' for n in names))
    with open(osp.join(root, 'label.pickle'), 'wb') as f:
        pickle.dump(labels, f)
    return root
