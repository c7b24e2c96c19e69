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
