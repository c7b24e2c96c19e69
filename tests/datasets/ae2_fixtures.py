"""Tiny AE2-layout datasets written on the fly (mp4v through OpenCV).

Every frame is uniform: red = the video's id (``VIDEO_IDS``), green = ``8 + 12 * t``
for frame t, blue = 128, so a test can tell from the pixels which video and which frame
it got (mp4v keeps uniform frames within a few levels).
"""
import os
import os.path as osp
import pickle

import cv2
import numpy as np

# split -> view -> video base names (deliberately not in sorted order)
SPLITS = {
    'train': {'ego': ['e_b', 'e_a'], 'exo': ['x_c', 'x_a', 'x_b']},
    'val': {'ego': ['e_v'], 'exo': ['x_v']},
}


def frame_green(t):
    return 8 + 12 * t


def write_video(path, num_frames, video_id, size=(32, 32), fps=10):
    """Write ``num_frames`` uniform frames of ``size`` (H, W) to ``path``."""
    h, w = size
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for t in range(num_frames):
        frame = np.empty((h, w, 3), np.uint8)
        frame[...] = (128, frame_green(t), video_id)  # BGR
        writer.write(frame)
    writer.release()


def make_ae2(root, layout='csv', splits=SPLITS, num_frames=12, ego_size=(32, 32),
             exo_size=(32, 32), ego_fps=10, exo_fps=10):
    """Write an AE2 dataset at ``root``; ``num_frames``: int or dict name -> int.

    Returns: dict name -> dict(path, view, split, num_frames, video_id, labels).
    """
    os.makedirs(root, exist_ok=True)
    names = sorted(n for views in splits.values() for ns in views.values() for n in ns)
    videos, labels = {}, {}
    for split, views in splits.items():
        for view, view_names in views.items():
            folder = osp.join(root, view) if layout == 'csv' else osp.join(root, split, view)
            os.makedirs(folder, exist_ok=True)
            for name in view_names:
                n = num_frames[name] if isinstance(num_frames, dict) else num_frames
                vid = 20 + 20 * names.index(name)
                path = osp.join(folder, name + '.mp4')
                write_video(path, n, vid, ego_size if view == 'ego' else exo_size,
                            ego_fps if view == 'ego' else exo_fps)
                labels[name] = [min(3 * t // n, 2) for t in range(n)]  # phases 0, 1, 2
                videos[name] = dict(path=path, view=view, split=split, num_frames=n,
                                    video_id=vid, labels=labels[name])
            if layout == 'csv':
                with open(osp.join(folder, f'{split}.csv'), 'w') as f:
                    f.write(''.join(f'{n}.mp4\n' for n in view_names))
    with open(osp.join(root, 'label.pickle'), 'wb') as f:
        pickle.dump(labels, f)
    return videos
