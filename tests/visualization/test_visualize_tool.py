"""tools/analysis/visualize.py on work dirs with saved embeddings."""
import json
import os
import os.path as osp

import pytest
from vis_testutils import write_ae2_csv

from tests.scripts import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool():
    return load_script('tools/analysis/visualize.py', 'visualize_tool')


@pytest.fixture
def work_dirs(sets, splits, tmp_path):
    """A trained-like and an untrained-like work dir, as tools/test.py leaves them, with
    the config recorded in results.json (the tool finds the frames through it)."""
    data_root = write_ae2_csv(str(tmp_path / 'data'), splits)
    config_text = (f"test_dataloader = dict(dataset=dict(type='EgoExoVideoDataset', "
                   f"data_root={data_root!r}, split='test', cache_dir="
                   f"{str(tmp_path / 'cache')!r}, frame_size=32, layout='csv'))\n")
    trained, untrained = str(tmp_path / 'trained'), str(tmp_path / 'untrained')
    sets['train'].save(osp.join(trained, 'embeddings'), 'train')
    sets['test'].save(osp.join(trained, 'embeddings'), 'test')
    sets['untrained'].save(osp.join(untrained, 'embeddings'), 'test')
    with open(osp.join(trained, 'results.json'), 'w') as f:
        json.dump(dict(metrics={}, config_text=config_text,
                       protocol=dict(PhaseProgressionMetric=dict(append_time=False))), f)
    return trained, untrained


def test_two_work_dirs(work_dirs, tmp_path, capsys):
    trained, untrained = work_dirs
    out = str(tmp_path / 'figs')
    load_tool().main([trained, '--compare', untrained, '--out-dir', out, '--prefix', 'demo_',
                      '--palette', '--max-points', '80', '--num-queries', '2',
                      '--phase-names', 'reach', 'pour', 'place'])
    assert sorted(os.listdir(out)) == ['demo_alignment.png', 'demo_progression.png',
                                       'demo_projection.png', 'demo_retrieval.png']
    for name in os.listdir(out):
        assert 5_000 < osp.getsize(osp.join(out, name)) < 300_000
    assert 'demo_retrieval.png' in capsys.readouterr().out


def test_one_work_dir_without_frames(work_dirs):
    trained, _ = work_dirs
    os.remove(osp.join(trained, 'results.json'))  # no recorded config: no frames
    load_tool().main([trained, '--figures', 'projection', 'retrieval'])
    assert os.listdir(osp.join(trained, 'figures', 'test')) == ['projection.png']
