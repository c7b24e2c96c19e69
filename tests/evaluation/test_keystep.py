"""Ego-Exo4D keystep recognition: segment pooling by frame time, the linear probe, and
the metric on benchmark files (handwritten, and from the Ego-Exo4D generator)."""
import csv
import json
import logging
import os

import numpy as np
import pytest
from mmengine.logging import MMLogger

from byov.datasets.egoexo4d import format as fmt
from byov.datasets.egoexo4d import timing
from byov.evaluation import EmbeddingSet, evaluate_embedding_sets
from byov.evaluation.functional.keystep import (keystep_recognition, pool_segments,
                                                segment_frames)
from byov.evaluation.metrics.keystep import KeystepProtocolError
from byov.registry import METRICS


@pytest.fixture
def warnings_seen():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    handler = Keep()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


# ---------------------------------------------------------------------- pooling
def test_pool_segments_means_the_frames_inside_by_hand():
    embeds = np.arange(14, dtype=np.float32).reshape(7, 2)  # frame f: (2f, 2f + 1)
    times = np.array([0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5])
    video_ids = np.array([0, 0, 0, 0, 1, 1, 1])
    pooled = pool_segments(embeds, times, video_ids, segment_videos=[0, 0, 1, 1],
                           starts=[1.0, 0.0, 1.1, 0.0], ends=[2.0, 0.6, 1.2, 9.0],
                           window_sec=1.0)
    expected = [embeds[[1, 2]].mean(0),    # 1.0 and 1.5 in [1.0, 2.0); 2.0 is not
                embeds[0],                 # only 0.5 in [0, 0.6)
                embeds[5],                 # none inside: nearest to 1.15 is 1.0 (frame 5)
                embeds[[4, 5, 6]].mean(0)]  # the whole video
    assert np.allclose(pooled, expected)
    assert pooled.dtype == np.float64


def test_segment_frames_picks_the_feature_steps_timing_picks():
    rng = np.random.default_rng(0)
    for duration in (0.7, 5.0, 23.3):
        centres = timing.step_centres(timing.expected_num_steps(duration), duration)
        for _ in range(200):
            start = rng.uniform(-1, duration + 1)
            end = start + rng.choice([rng.uniform(0, 0.3), rng.uniform(0, duration)])
            assert np.array_equal(segment_frames(centres, start, end),
                                  timing.steps_in(centres, start, end))


def test_pool_segments_refuses_a_segment_outside_its_stream():
    embeds = np.ones((4, 2))
    times = np.array([0.5, 1.0, 1.5, 2.0])  # with 1 s windows: covers [0, 2.5)
    with pytest.raises(ValueError, match=r"segment 'late': \[3.000, 4.000\) s lies outside "
                                         r'its stream.*\[0.000, 2.500\)'):
        pool_segments(embeds, times, np.zeros(4, int), [0, 0], [0.0, 3.0], [1.0, 4.0],
                      window_sec=1.0, segment_names=['ok', 'late'])
    # inside the last window's span is fine; without window_sec it is not checked
    pool_segments(embeds, times, np.zeros(4, int), [0], [2.4], [3.0], window_sec=1.0)
    pool_segments(embeds, times, np.zeros(4, int), [0], [3.0], [4.0])
    with pytest.raises(ValueError, match='not a time interval'):
        pool_segments(embeds, times, np.zeros(4, int), [0], [2.0], [1.0])


# ---------------------------------------------------------------------- probe
def test_probe_separates_separable_segments_and_is_at_chance_on_shuffled_labels():
    rng = np.random.default_rng(0)
    num_classes, dim = 6, 8
    centres = rng.normal(size=(num_classes, dim)) * 5
    fit_y = np.repeat(np.arange(num_classes), 30)
    eval_y = np.repeat(np.arange(num_classes), 40)
    fit_x = centres[fit_y] + 0.3 * rng.normal(size=(fit_y.size, dim))
    eval_x = centres[eval_y] + 0.3 * rng.normal(size=(eval_y.size, dim))
    out, predicted = keystep_recognition(fit_x, fit_y, eval_x, eval_y,
                                         return_predictions=True)
    assert out['top1'] == 100.0 and out['top1_per_class_mean'] == 100.0
    assert out['converged'] and out['num_classes_fit'] == num_classes
    assert np.array_equal(predicted, eval_y)
    # deterministic: a second fit gives the same predictions
    assert np.array_equal(keystep_recognition(fit_x, fit_y, eval_x, eval_y,
                                              return_predictions=True)[1], predicted)
    # fit labels shuffled: nothing to learn, so about 1/6 (binomial sd ~3.4 points)
    chance = keystep_recognition(fit_x, rng.permutation(fit_y), eval_x, eval_y)
    assert chance['top1'] < 35.0
    # per-class mean against a by-hand computation on imbalanced eval labels
    eval_y2 = eval_y.copy()
    eval_y2[:30] = 1  # 30 of class 0's samples now say 1 (and are predicted 0)
    out2, pred2 = keystep_recognition(fit_x, fit_y, eval_x, eval_y2,
                                      return_predictions=True)
    per_class = [np.mean(pred2[eval_y2 == c] == c) for c in np.unique(eval_y2)]
    assert per_class[1] == pytest.approx(40 / 70)
    assert out2['top1'] == pytest.approx(100 * np.mean(pred2 == eval_y2))
    assert out2['top1_per_class_mean'] == pytest.approx(100 * np.mean(per_class))
    with pytest.raises(ValueError, match='at least two'):
        keystep_recognition(fit_x, np.zeros_like(fit_y), eval_x, eval_y)


# ---------------------------------------------------------------------- metric
def write_benchmark(root, segments_by_split, num_classes):
    """label_mapping.csv and keystep_segment_<split>.json as the release has them."""
    bench = os.path.join(root, fmt.BENCHMARK_DIR)
    os.makedirs(bench, exist_ok=True)
    with open(os.path.join(root, fmt.LABEL_MAPPING_FILE), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['label_id', 'step_unique_id', 'step_name', 'scenario_name'])
        writer.writerows([c, 100 + c, f'step {c}', 'cooking'] for c in range(num_classes))
    for split, segs in segments_by_split.items():
        entries = [dict(take_uid=f'uid-{take}', take_name=take, start_time=s, end_time=e,
                        label_id=lab, ego_segment_name=f'{split}/{take}/start{s}_end{e}.mp4')
                   for take, s, e, lab in segs]
        relpath = (fmt.TEST_SEGMENT_FILE if split == 'test'
                   else fmt.SEGMENT_FILE.format(split=split))
        with open(os.path.join(root, relpath), 'w') as f:
            json.dump(dict(segments=entries), f)


def keystep_set(split, takes, num_classes, dim=5, cameras=('aria01', 'cam01', 'cam02'),
                seed=0):
    """A set of Ego-Exo4D-named streams (ego first, then exo, each by name) whose frame
    at time t embeds the keystep of the take's schedule at t (one-hot + small noise).
    takes: take_name -> (num_steps, [(start, end, label)])."""
    rng = np.random.default_rng(seed)
    videos = []
    for cam in cameras:
        for take, (num_steps, schedule) in sorted(takes.items()):
            times = 0.5 + 0.5 * np.arange(num_steps)
            lab = np.full(num_steps, num_classes)  # background
            for s, e, c in schedule:
                lab[(times >= s) & (times < e)] = c
            emb = np.eye(num_classes + 1, dim)[lab] + 0.05 * rng.normal(size=(num_steps, dim))
            videos.append((fmt.video_name(take, cam), cam == 'aria01', emb, lab, times))
    videos.sort(key=lambda v: (not v[1], v[0]))
    return EmbeddingSet(
        embeds=np.concatenate([v[2] for v in videos]).astype(np.float32),
        labels=np.concatenate([v[3] for v in videos]),
        video_ids=np.repeat(np.arange(len(videos)), [len(v[3]) for v in videos]),
        is_ego=np.repeat([v[1] for v in videos], [len(v[3]) for v in videos]),
        video_names=[v[0] for v in videos], split=split,
        frame_times=np.concatenate([v[4] for v in videos]))


SCHEDULES = {  # take -> (steps, [(start, end, label)]), 4 classes
    'train': {'takeA_1': (20, [(0.0, 3.0, 0), (3.0, 6.0, 1), (7.0, 9.5, 2)]),
              'takeA_2': (16, [(0.5, 2.0, 1), (2.0, 5.0, 3), (5.0, 8.0, 0)]),
              'takeB_1': (12, [(0.0, 2.5, 2), (2.5, 6.0, 3)])},
    'val': {'takeA_3': (18, [(0.0, 2.0, 3), (2.0, 4.0, 0), (4.0, 8.5, 1)]),
            'takeB_2': (14, [(1.0, 3.0, 2), (3.0, 6.5, 3)])},
}


@pytest.fixture
def keystep_root(tmp_path):
    root = str(tmp_path / 'egoexo4d')
    segs = {split: [(take, s, e, c) for take, (_, sch) in takes.items() for s, e, c in sch]
            for split, takes in SCHEDULES.items()}
    segs['test'] = [('takeC_1', 0.0, 1.0, None)]
    write_benchmark(root, segs, num_classes=4)
    fit = keystep_set('train', SCHEDULES['train'], 4, seed=1)
    val = keystep_set('val', SCHEDULES['val'], 4, seed=2)
    return root, fit, val


def test_metric_scores_the_benchmark_segments(keystep_root, warnings_seen):
    root, fit, val = keystep_root
    metric = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root))
    evaluation = evaluate_embedding_sets([metric], val, fit)
    out = evaluation.metrics
    # 8 train segments x 3 streams (ego + 2 exo) fit; 5 val segments on the ego stream
    assert out == {'keystep/top1': 100.0, 'keystep/top1_per_class_mean': 100.0,
                   'keystep/num_eval_segments': 5, 'keystep/num_fit_segments': 24,
                   'keystep/missing_eval_segments': 0, 'keystep/missing_fit_segments': 0}
    assert evaluation.protocol['KeystepRecognitionMetric']['fit_views'] == ['ego', 'exo']
    assert not warnings_seen
    # ego-only fit and exo evaluation (each exo stream of a take: 2 x 5)
    out = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root,
                             fit_views='ego', eval_view='exo')).compute(val, fit)
    assert out['num_fit_segments'] == 8 and out['num_eval_segments'] == 10


def test_metric_pools_what_the_functions_pool(keystep_root):
    """The metric's samples are pool_segments of the stream it names, by hand."""
    root, fit, val = keystep_root
    metric = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root))
    x, y, missing = metric._samples(val, 'val', ('ego',), 'eval')
    ego = val.video_names.index('takeB_2/aria01')
    part = val.video_slice(ego)
    times = val.frame_times[part]
    inside = (times >= 1.0) & (times < 3.0)  # takeB_2's first segment
    assert np.allclose(x[3], val.embeds[part][inside].mean(0))
    assert y.tolist() == [3, 0, 1, 2, 3] and missing == []


def test_metric_names_missing_takes_and_refuses_mismatches(keystep_root, warnings_seen):
    root, fit, val = keystep_root
    metric = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root))
    # takeB_2 skipped by the dataset (a damaged take): its 2 segments are missing
    keep = [n for n in val.video_names if not n.startswith('takeB_2/')]
    partial = keystep_set('val', {k: v for k, v in SCHEDULES['val'].items()
                                  if k != 'takeB_2'}, 4, seed=2)
    assert partial.video_names == keep
    out = metric.compute(partial, fit)
    assert out['missing_eval_segments'] == 2 and out['num_eval_segments'] == 3
    assert len(warnings_seen) == 1 and 'takeB_2 (2)' in warnings_seen[0]
    assert '2 of 5 eval segments' in warnings_seen[0]

    # the train split's embeddings scored against the val file: nothing matches
    with pytest.raises(KeystepProtocolError, match='none of the 5 segments .* do not match'):
        metric.compute(keystep_set('val', SCHEDULES['train'], 4), fit)
    with pytest.raises(KeystepProtocolError, match='unannotated|no labels'):
        metric.compute(keystep_set('test', SCHEDULES['val'], 4), fit)
    untimed = EmbeddingSet(val.embeds, val.labels, val.video_ids, val.is_ego,
                           val.video_names, split='val')
    with pytest.raises(KeystepProtocolError, match='no frame_times'):
        metric.compute(untimed, fit)
    with pytest.raises(ValueError, match='needs the fit split'):
        metric.compute(val, None)
    unset = METRICS.build(dict(type='KeystepRecognitionMetric'))
    with pytest.raises(KeystepProtocolError, match='no data_root.*EgoExoValLoop'):
        unset.compute(val, fit)
    unset.data_root = root  # as the evaluation loops fill it
    assert unset.compute(val, fit)['num_eval_segments'] == 5
    # a segment later than its stream's frames (takeB_2 has 14 steps: up to 7.5 s)
    write_benchmark(root, {'val': [('takeB_2', 20.0, 22.0, 1), ('takeA_3', 0.0, 2.0, 3)]},
                    num_classes=4)
    fresh = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root))
    with pytest.raises(ValueError, match=r'start20.0_end22.0.mp4 on takeB_2/aria01.*lies '
                                         'outside its stream'):
        fresh.compute(val, fit)
    # a label_id the mapping lacks
    write_benchmark(root, {'val': [('takeA_3', 0.0, 2.0, 7)]}, num_classes=4)
    with pytest.raises(KeystepProtocolError, match=r'label_id outside 0..3'):
        METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root)).compute(val, fit)
    with pytest.raises(KeystepProtocolError, match='fit_views'):
        METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root,
                           fit_views=('ego', 'top')))


def test_metric_on_a_generated_release(tmp_path):
    """The generator's files (official format) and its features as embeddings: the
    features carry the keystep, so the probe must beat the majority class by far."""
    import torch

    from byov.datasets.egoexo4d.generate import write_egoexo4d_root
    root = str(tmp_path / 'e4d')
    write_egoexo4d_root(root, num_takes=12, scenarios=2, exo_cameras=2, feature_dim=16,
                        seed=0)
    takes = {t.take_uid: t for t in fmt.read_takes(root)}
    splits = fmt.read_splits(root)

    def embedding_set(split):
        videos = []
        for uid, take in takes.items():
            if splits[uid] != split:
                continue
            for cam in take.cameras:
                feats = torch.load(fmt.feature_path(root, uid, cam)).numpy()
                times = timing.step_centres(feats.shape[0], take.duration_sec)
                videos.append((fmt.video_name(take.take_name, cam.cam_id), cam.is_ego,
                               feats, times))
        videos.sort(key=lambda v: (not v[1], v[0]))
        lengths = [v[2].shape[0] for v in videos]
        return EmbeddingSet(np.concatenate([v[2] for v in videos]),
                            np.zeros(sum(lengths), dtype=np.int64),
                            np.repeat(np.arange(len(videos)), lengths),
                            np.repeat([v[1] for v in videos], lengths),
                            [v[0] for v in videos], split=split,
                            frame_times=np.concatenate([v[3] for v in videos]))

    fit, val = embedding_set('train'), embedding_set('val')
    out = METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root)).compute(
        val, fit)
    segments = fmt.read_benchmark_segments(root, 'val')
    assert out['num_eval_segments'] == len(segments) and out['missing_eval_segments'] == 0
    assert out['num_fit_segments'] == 3 * len(fmt.read_benchmark_segments(root, 'train'))
    majority = 100 * np.bincount([s.label_id for s in segments]).max() / len(segments)
    assert out['top1'] > majority + 30, (out, majority)


def test_the_four_tasks_run_on_per_step_keystep_labels(keystep_root):
    """The AE2 tasks read the per-step keystep labels unchanged; Kendall's tau compares
    streams of one take only; the reference progression refuses an eval split that
    lacks one of the fit split's classes (here: a val split of takeA_3 only, without
    keystep 2), the corrected one scores it."""
    root, fit, val = keystep_root
    metrics = [METRICS.build(dict(type='PhaseClassificationMetric', n_jobs=1)),
               METRICS.build(dict(type='FrameRetrievalMetric', k=3)),
               METRICS.build(dict(type='PhaseProgressionMetric', variant='corrected')),
               METRICS.build(dict(type='KendallsTauMetric', stride=1, pairs='same_take')),
               METRICS.build(dict(type='KeystepRecognitionMetric', data_root=root))]
    out = evaluate_embedding_sets(metrics, val, fit).metrics
    # one-hot keystep embeddings: every frame is classified and retrieved by its keystep
    assert out['ae2/f1_regular'] == 1.0 and out['ae2/map@3_ego2exo'] == 1.0
    assert np.isfinite(out['ae2/progression'])
    assert out['ae2/tau_pairs'] == 2 * (3 * 2)  # two takes of three streams
    assert out['keystep/top1'] == 100.0
    no_two = keystep_set('val', {'takeA_3': (18, [(0.0, 2.0, 3), (2.0, 4.0, 0),
                                                  (4.0, 8.5, 1)])}, 4)
    with pytest.raises(ValueError, match="no eval-split frame has class 2"):
        METRICS.build(dict(type='PhaseProgressionMetric')).compute(no_two, fit)
    assert np.isfinite(metrics[2].compute(no_two, fit)['progression'])
