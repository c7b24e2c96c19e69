"""tools/test.py on the time-only baseline (with --dump and --show-dir), then
tools/evaluate_embeddings.py on the embeddings it saved (same numbers, same data
fingerprints; given the work dir or the embeddings folder), a count mismatch and a folder
without embeddings (clear errors), and the --temporal-crop protocol option."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import data_options

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/baselines/time_only_synthetic.py'
pytestmark = pytest.mark.slow


def _run(cmd, check=True):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, BYOV_NO_PROGRESS='1'))
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out[-3000:]
    return proc.returncode, out


@pytest.fixture(scope='module')
def time_only_run(tiny_synthetic, tmp_path_factory):
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path_factory.mktemp('time_only'))
    _run([sys.executable, 'tools/test.py', CONFIG, 'none', '--work-dir', work_dir,
          '--dump', osp.join(work_dir, 'dump', 'test.npz'),
          '--show-dir', osp.join(work_dir, 'show'),
          '--cfg-options', *data_options(data_root, cache_dir, train=False)])
    return work_dir


def test_dump_and_show_dir(time_only_run):
    from byov.evaluation import EmbeddingSet, load_dump
    results = json.load(open(osp.join(time_only_run, 'results.json')))
    dumped = load_dump(osp.join(time_only_run, 'dump', 'test.npz'))
    assert dumped['results'] == results
    for role, split in (('eval', 'test'), ('fit', 'train')):
        saved = EmbeddingSet.load(osp.join(time_only_run, 'embeddings'), split)
        np.testing.assert_array_equal(dumped[role].embeds, saved.embeds)
        np.testing.assert_array_equal(dumped[role].labels, saved.labels)
        assert dumped[role].video_names == saved.video_names
    assert sorted(os.listdir(osp.join(time_only_run, 'show', 'test'))) == [
        'alignment.png', 'progression.png', 'projection.png', 'retrieval.png']
    code, out = _run([sys.executable, 'tools/test.py', CONFIG, 'none', '--dump', 'x.pkl'],
                     check=False)
    assert code == 2 and '--dump x.pkl: the file name must end in .npz' in out


def test_evaluate_saved_embeddings_reproduces_test(time_only_run, tiny_synthetic, tmp_path):
    data_root, _ = tiny_synthetic
    expected = json.load(open(osp.join(time_only_run, 'results.json')))['metrics']
    out_file = str(tmp_path / 'again.json')
    _run([sys.executable, 'tools/evaluate_embeddings.py', CONFIG,
          osp.join(time_only_run, 'embeddings'), '--out', out_file,
          '--cfg-options', f'test_dataloader.dataset.data_root={data_root}'])
    again = json.load(open(out_file))['metrics']
    assert again.keys() == expected.keys()
    for key in expected:
        assert again[key] == pytest.approx(expected[key], abs=1e-12), key
    # the work dir itself will do, and the data fingerprints match the test run's
    _run([sys.executable, 'tools/evaluate_embeddings.py', CONFIG, time_only_run,
          '--out', out_file, '--cfg-options', f'test_dataloader.dataset.data_root={data_root}'])
    record = json.load(open(out_file))
    tested = json.load(open(osp.join(time_only_run, 'results.json')))
    assert record['metrics'] == again
    for role in ('fit', 'eval'):
        for key in ('split_sha256', 'labels_sha256', 'num_frames'):
            assert record['data'][role][key] == tested['data'][role][key]
    assert record['weights'] == 'embeddings' and record['protocol'] == tested['protocol']


def test_evaluate_embeddings_says_where_it_looked(tmp_path):
    code, out = _run([sys.executable, 'tools/evaluate_embeddings.py', CONFIG, str(tmp_path)],
                     check=False)
    assert code != 0
    assert f'No test_embeds.npy in {tmp_path}/embeddings or {tmp_path}' in out
    assert '<work_dir>/embeddings/' in out


def test_evaluate_embeddings_count_mismatch_is_a_clear_error(time_only_run, tiny_synthetic,
                                                             tmp_path):
    data_root, _ = tiny_synthetic
    src = osp.join(time_only_run, 'embeddings')
    for split in ('train', 'test'):  # AE2-style files: no meta json, one frame missing
        embeds = np.load(osp.join(src, f'{split}_embeds.npy'))
        labels = np.load(osp.join(src, f'{split}_label.npy'))
        cut = 1 if split == 'test' else 0
        np.save(tmp_path / f'{split}_embeds.npy', embeds[:len(embeds) - cut])
        np.save(tmp_path / f'{split}_label.npy', labels[:len(labels) - cut])
    code, out = _run([sys.executable, 'tools/evaluate_embeddings.py', CONFIG, str(tmp_path),
                      '--cfg-options', f'test_dataloader.dataset.data_root={data_root}'],
                     check=False)
    assert code != 0
    assert 'test_embeds.npy' in out and 'frames' in out and 'sorted order' in out


def test_temporal_crop_option(time_only_run, tiny_synthetic, tmp_path):
    data_root, cache_dir = tiny_synthetic
    work_dir = str(tmp_path / 'crop')
    _run([sys.executable, 'tools/test.py', CONFIG, 'none', '--work-dir', work_dir,
          '--temporal-crop', '0.5', '--cfg-options',
          *data_options(data_root, cache_dir, train=False)])
    results = json.load(open(osp.join(work_dir, 'results.json')))
    assert results['eval_temporal_crop'] == dict(fraction=0.5, seed=0)
    full = np.load(osp.join(time_only_run, 'embeddings', 'test_embeds.npy'))
    crop = np.load(osp.join(work_dir, 'embeddings', 'test_embeds.npy'))
    fit_full = np.load(osp.join(time_only_run, 'embeddings', 'train_embeds.npy'))
    fit_crop = np.load(osp.join(work_dir, 'embeddings', 'train_embeds.npy'))
    assert len(crop) < 0.75 * len(full)  # eval videos cropped to about half
    np.testing.assert_array_equal(fit_full, fit_crop)  # the fit split stays whole
