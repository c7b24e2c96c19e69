"""EmbeddingSet: records -> set, the reference file names, save/load round trip."""
import json

import numpy as np
import pytest

from byov.evaluation import EmbeddingSet


def records(num_videos=4, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for v in range(num_videos):
        length = 5 + v
        out.append(dict(embeds=rng.normal(size=(length, dim)).astype(np.float32),
                        gt_labels=np.arange(length) * 3 // length, video_index=v,
                        is_ego=v < num_videos // 2, video_name=f'{"ego" if v < 2 else "exo"}_{v}'))
    return out


def test_from_records_sorts_and_drops_padding_repeats():
    recs = records()
    shuffled = [recs[2], recs[0], recs[3], recs[1], recs[0]]  # last: sampler padding
    es = EmbeddingSet.from_records(shuffled, split='val')
    assert es.num_videos == 4 and es.num_frames == 5 + 6 + 7 + 8
    assert es.embeds.dtype == np.float32 and es.labels.dtype == np.int64
    assert es.video_names == ['ego_0', 'ego_1', 'exo_2', 'exo_3']
    assert np.array_equal(es.video_lengths, [5, 6, 7, 8])
    assert np.array_equal(es.video_is_ego, [True, True, False, False])
    assert np.array_equal(es.embeds[es.video_slice(2)], recs[2]['embeds'])
    assert np.array_equal(es.frame_index[:7], [0, 1, 2, 3, 4, 0, 1])
    with pytest.raises(ValueError, match='video index 0 appears twice'):
        EmbeddingSet.from_records(shuffled, duplicates='raise')
    clash = dict(recs[1], video_name='other')
    with pytest.raises(ValueError, match='disagree'):
        EmbeddingSet.from_records(recs + [clash])
    with pytest.raises(ValueError, match=r'missing \[1\]'):
        EmbeddingSet.from_records([recs[0], recs[2], recs[3]])
    with pytest.raises(ValueError, match='lacks'):
        EmbeddingSet.from_records([{k: v for k, v in recs[0].items() if k != 'is_ego'}])


def test_save_load_round_trip_in_reference_files(tmp_path):
    es = EmbeddingSet.from_records(records(), split='train')
    paths = es.save(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'train_embeds.npy', 'train_label.npy', 'train_meta.json']  # no temporary left
    assert np.array_equal(np.load(paths['embeds']), es.embeds)  # what AE2's tools read
    assert np.load(paths['labels']).dtype == np.int64
    meta = json.loads((tmp_path / 'train_meta.json').read_text())
    assert meta['video_lengths'] == [5, 6, 7, 8]
    back = EmbeddingSet.load(str(tmp_path), 'train')
    for name in ('embeds', 'labels', 'video_ids', 'is_ego'):
        assert np.array_equal(getattr(back, name), getattr(es, name))
    assert back.video_names == es.video_names and back.split == 'train'


def test_load_ae2_files_without_meta(tmp_path):
    es = EmbeddingSet.from_records(records())
    np.save(tmp_path / 'val_embeds.npy', es.embeds)  # as AE2's extract_embedding writes
    np.save(tmp_path / 'val_label.npy', es.labels)
    with pytest.raises(ValueError, match='video_lengths'):
        EmbeddingSet.load(str(tmp_path), 'val')
    back = EmbeddingSet.load(str(tmp_path), 'val', video_lengths=[5, 6, 7, 8],
                             video_is_ego=[1, 1, 0, 0])
    assert np.array_equal(back.is_ego, es.is_ego)
    with pytest.raises(ValueError, match='hold 25 frames'):
        EmbeddingSet.load(str(tmp_path), 'val', video_lengths=[5, 6, 7, 7],
                          video_is_ego=[1, 1, 0, 0])
    with pytest.raises(FileNotFoundError, match='test_embeds.npy'):
        EmbeddingSet.load(str(tmp_path), 'test')


def test_check_finite_names_split_and_video():
    recs = records()
    recs[2]['embeds'][3, 1] = np.nan
    es = EmbeddingSet.from_records(recs, split='val')
    with pytest.raises(ValueError, match=r"val split: video 'exo_2' \(index 2\).*frame 3"):
        es.check_finite()
    with pytest.raises(ValueError, match='is_ego changes within video'):
        EmbeddingSet(es.embeds, es.labels, es.video_ids, np.arange(es.num_frames) % 2)


# ---------------------------------------------------------------------- frame times
def timed_records(num_videos=4, seed=0):
    """records() with per-frame times: window centres every 0.5 s from a per-video
    offset, so every video's times differ."""
    recs = records(num_videos, seed=seed)
    for v, rec in enumerate(recs):
        rec['frame_times'] = 0.25 * v + 0.5 * np.arange(len(rec['gt_labels']))
    return recs


def test_frame_times_travel_from_model_outputs_to_files(tmp_path):
    from byov.evaluation import video_record
    from byov.evaluation.evaluate import EgoExoEvaluation, dump_evaluation, load_dump
    from byov.models.base import attach_embeds
    from byov.structures import EgoExoDataSample
    recs = timed_records()
    # model outputs as predict() makes them: the packed samples' metainfo (frame_times
    # among the video meta keys) and gt_labels, plus embeds
    samples = []
    for rec in recs:
        meta = {k: rec[k] for k in ('video_index', 'is_ego', 'video_name', 'frame_times')}
        samples.append(EgoExoDataSample(metainfo=meta, gt_labels=rec['gt_labels']))
    outputs = attach_embeds(samples, [rec['embeds'] for rec in recs])
    got = [video_record(out) for out in outputs]
    assert got[2]['frame_times'].dtype == np.float64
    assert np.array_equal(got[2]['frame_times'], recs[2]['frame_times'])
    es = EmbeddingSet.from_records(got[::-1], split='val')  # any order
    expected = np.concatenate([r['frame_times'] for r in recs])
    assert np.array_equal(es.frame_times, expected)
    assert np.array_equal(es.to_records()[3]['frame_times'], recs[3]['frame_times'])

    paths = es.save(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'val_embeds.npy', 'val_label.npy', 'val_meta.json', 'val_times.npy']
    assert paths['times'].endswith('val_times.npy')
    back = EmbeddingSet.load(str(tmp_path), 'val')
    assert np.array_equal(back.frame_times, expected) and back.frame_times.dtype == np.float64
    # an untimed set saved over it removes the times, so they are never read with it
    untimed = EmbeddingSet.from_records(records(), split='val')
    assert untimed.frame_times is None
    assert 'times' not in untimed.save(str(tmp_path))
    assert not (tmp_path / 'val_times.npy').exists()
    assert EmbeddingSet.load(str(tmp_path), 'val').frame_times is None

    dump = str(tmp_path / 'dump.npz')
    dump_evaluation(dump, EgoExoEvaluation({}, {}, eval_set=es, fit_set=untimed), {})
    loaded = load_dump(dump)
    assert np.array_equal(loaded['eval'].frame_times, expected)
    assert loaded['fit'].frame_times is None


def test_frame_times_are_checked():
    recs = timed_records()
    mixed = [dict(r) for r in recs]
    del mixed[1]['frame_times']
    with pytest.raises(ValueError, match="1 of 4 video records have no frame_times.*'ego_1'"):
        EmbeddingSet.from_records(mixed)
    short = [dict(r) for r in recs]
    short[0]['frame_times'] = short[0]['frame_times'][:-1]
    with pytest.raises(ValueError, match="'ego_0': 4 frame_times for 5 frames"):
        EmbeddingSet.from_records(short)
    es = EmbeddingSet.from_records(recs)
    backwards = es.frame_times.copy()
    backwards[7] = backwards[6] - 1  # inside video 1 (frames 5..10)
    with pytest.raises(ValueError, match="'ego_1': frame_times must be .* temporal order"):
        EmbeddingSet(es.embeds, es.labels, es.video_ids, es.is_ego, es.video_names,
                     frame_times=backwards)
    # a video's times may start below the previous video's end
    EmbeddingSet(es.embeds, es.labels, es.video_ids, es.is_ego, es.video_names,
                 frame_times=es.frame_index.astype(np.float64))
    with pytest.raises(ValueError, match=r'frame_times must be \[frames\]'):
        EmbeddingSet(es.embeds, es.labels, es.video_ids, es.is_ego, frame_times=[0.0])
