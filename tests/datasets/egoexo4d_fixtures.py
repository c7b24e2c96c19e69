"""A hand-made Ego-Exo4D root of a few takes, every value chosen by the test (the
generator's roots are random; these tests need labels they can compute by hand)."""
import csv
import json
import os
import os.path as osp

import numpy as np
import torch

from byov.datasets.egoexo4d import format as fmt

#: label_mapping.csv: step_unique_id -> label_id (uid 101 is left out: background)
MAPPING = {100: 0, 102: 1, 103: 2}


def take_entry(uid, name, duration, exo=('cam01',)):
    videos = {'aria01': {'rgb': {}, 'slam-left': {}}, 'collage': {'0': {}},
              'best_exo': {'0': {}}}
    videos.update({cam: {'0': {}} for cam in exo})
    cameras = [dict(cam_id='aria01', is_ego=True)] + [dict(cam_id=c, is_ego=False)
                                                     for c in exo]
    return dict(take_uid=uid, take_name=name, duration_sec=duration,
                parent_task_name='Cooking', task_name='Cooking an Omelet',
                frame_aligned_videos=videos, capture=dict(cameras=cameras))


def write_features(root, uid, cam, array):
    path = osp.join(root, fmt.FEATURE_DIR, f'{uid}_{cam}_{"rgb" if cam == "aria01" else "0"}.pt')
    torch.save(torch.as_tensor(array), path)
    return path


def make_root(root, takes, split='train', width=4, seed=0):
    """``takes``: dicts with uid, name, duration, scenario, segments [(start, end,
    step_unique_id)], optional exo cameras and ``steps`` (feature rows per camera;
    default the expected count). Writes every file and returns {(uid, cam): path}."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, fmt.FEATURE_DIR))
    os.makedirs(osp.join(root, fmt.BENCHMARK_DIR))
    from byov.datasets.egoexo4d.timing import expected_num_steps
    entries, annotations, paths = [], {}, {}
    for t in takes:
        exo = t.get('exo', ('cam01',))
        entries.append(take_entry(t['uid'], t['name'], t['duration'], exo))
        annotations[t['uid']] = dict(
            take_uid=t['uid'], take_name=t['name'], scenario=t['scenario'],
            segments=[dict(start_time=s, end_time=e, step_unique_id=u, step_name=f'step {u}')
                      for s, e, u in t['segments']])
        for cam in ('aria01',) + tuple(exo):
            n = t.get('steps', {}).get(cam, expected_num_steps(t['duration']))
            paths[t['uid'], cam] = write_features(
                root, t['uid'], cam, rng.normal(size=(n, width)).astype(np.float32))
    with open(osp.join(root, fmt.TAKES_FILE), 'w') as f:
        json.dump(entries, f)
    with open(osp.join(root, fmt.SPLITS_FILE), 'w') as f:
        json.dump(dict(take_uid_to_split={t['uid']: split for t in takes}), f)
    with open(osp.join(root, fmt.KEYSTEP_FILE.format(split=split)), 'w') as f:
        json.dump(dict(annotations=annotations), f)
    with open(osp.join(root, fmt.LABEL_MAPPING_FILE), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['label_id', 'step_unique_id', 'step_name', 'scenario_name'])
        for uid, lab in sorted(MAPPING.items(), key=lambda kv: kv[1]):
            writer.writerow([lab, uid, f'step {uid}', 'cooking'])
    return paths
