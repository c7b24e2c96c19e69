"""byov.evaluation.evaluate_embedding_sets beyond the task metrics (a plain mmengine
metric, clashing keys), the --dump file, the split fingerprint and the code version."""
import hashlib
import json
import os.path as osp
import subprocess

import numpy as np
import pytest
from mmengine.evaluator import BaseMetric

from byov.engine.provenance import code_version, file_sha256
from byov.evaluation import (EgoExoEvaluation, EmbeddingSet, dump_evaluation,
                             evaluate_embedding_sets, load_dump)
from byov.registry import METRICS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class FrameCount(BaseMetric):
    """A user's plain mmengine metric: frames per view, from per-video records."""
    default_prefix = 'user'

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            self.results.append((sample['is_ego'], len(sample['gt_labels']),
                                 sample['embeds'].shape[0], sample['split']))

    def compute_metrics(self, results):
        assert all(split == 'test' for *_, split in results)
        return dict(ego_frames=sum(n for ego, n, m, _ in results if ego and n == m),
                    exo_frames=sum(n for ego, n, m, _ in results if not ego and n == m))


def as_set(split, name):
    return EmbeddingSet(split['embeds'], split['labels'], split['video_ids'],
                        split['is_ego'], split=name)


def test_plain_metrics_get_one_record_per_video(eval_split, fit_split):
    eval_set = as_set(eval_split, 'test')
    tau = METRICS.build(dict(type='KendallsTauMetric', stride=2))
    evaluation = evaluate_embedding_sets([tau, FrameCount()], eval_set, as_set(fit_split,
                                                                                 'train'))
    assert evaluation.metrics['user/ego_frames'] == int(eval_split['is_ego'].sum())
    assert evaluation.metrics['user/exo_frames'] == int((~eval_split['is_ego']).sum())
    assert list(evaluation.metrics) == ['ae2/tau', 'ae2/tau_dropped_pairs',
                                        'user/ego_frames', 'user/exo_frames']
    assert evaluation.protocol['FrameCount'] == {}
    with pytest.raises(ValueError, match="two metrics give the key 'ae2/tau'"):
        evaluate_embedding_sets([tau, METRICS.build(dict(type='KendallsTauMetric'))],
                                eval_set)
    bad = dict(eval_split, embeds=eval_split['embeds'].copy())
    bad['embeds'][5, 0] = np.inf
    with pytest.raises(ValueError, match='test split: video .* NaN or inf'):
        evaluate_embedding_sets([tau], as_set(bad, 'test'))


def test_dump_round_trip_and_refusals(eval_split, tmp_path):
    eval_set = as_set(eval_split, 'test')
    evaluation = EgoExoEvaluation(metrics={'ae2/tau': 0.5}, protocol={}, eval_set=eval_set)
    path = str(tmp_path / 'out' / 'dump.npz')
    dump_evaluation(path, evaluation, dict(metrics=evaluation.metrics))
    back = load_dump(path)
    assert back['results'] == dict(metrics={'ae2/tau': 0.5}) and back['fit'] is None
    np.testing.assert_array_equal(back['eval'].embeds, eval_split['embeds'])
    np.testing.assert_array_equal(back['eval'].video_ids, eval_split['video_ids'])
    assert back['eval'].fingerprint() == eval_set.fingerprint()
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no pickle needed
        assert str(data['eval_split']) == 'test'
    with pytest.raises(ValueError, match=r'must end in \.npz'):
        dump_evaluation(str(tmp_path / 'dump.pkl'), evaluation, {})


def test_fingerprint_hashes_videos_and_labels(eval_split):
    eval_set = as_set(eval_split, 'test')
    fp = eval_set.fingerprint()
    lines = []
    for v in range(eval_set.num_videos):
        m = eval_split['video_ids'] == v
        lines.append(f"{'ego' if eval_split['is_ego'][m][0] else 'exo'}\tvideo_{v}\t{m.sum()}")
    assert fp['split_sha256'] == hashlib.sha256('\n'.join(lines).encode()).hexdigest()
    assert fp['labels_sha256'] == hashlib.sha256(
        eval_split['labels'].astype('<i8').tobytes()).hexdigest()
    changed = dict(eval_split, labels=eval_split['labels'].copy())
    changed['labels'][0] += 1
    assert as_set(changed, 'test').fingerprint()['labels_sha256'] != fp['labels_sha256']
    assert as_set(changed, 'test').fingerprint()['split_sha256'] == fp['split_sha256']


def test_code_version_and_file_hash(tmp_path):
    version = code_version()
    if osp.exists(osp.join(ROOT, '.git')):
        head = subprocess.run(['git', '-C', ROOT, 'rev-parse', 'HEAD'], capture_output=True,
                              text=True).stdout.strip()
        assert version['git_commit'] == head and isinstance(version['git_dirty'], bool)
    import byov
    assert version['byov'] == byov.__version__
    path = tmp_path / 'ckpt.pth'
    path.write_bytes(b'weights' * 1000)
    assert file_sha256(str(path)) == hashlib.sha256(b'weights' * 1000).hexdigest()
    assert file_sha256('https://example.org/x.pth') is None and file_sha256(None) is None
    json.dumps(version)  # goes into results.json as is
