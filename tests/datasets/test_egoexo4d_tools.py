"""tools/data/check_dataset.py and tools/analysis/dataset_stats.py on Ego-Exo4D roots."""
import os.path as osp
import re

import numpy as np

from byov.datasets.egoexo4d import build_split_index
from byov.datasets.egoexo4d.generate import DAMAGE_KINDS, write_egoexo4d_root
from tests.scripts import load_script


def _tool(relpath):
    return load_script(osp.join('tools', relpath))


def test_check_dataset_lists_every_damaged_take_and_the_statistics(tmp_path, capsys):
    root = str(tmp_path / 'e4d')
    summary = write_egoexo4d_root(root, num_takes=16, damage=DAMAGE_KINDS)
    code = _tool('data/check_dataset.py').main([root])
    out = capsys.readouterr().out
    assert code == 1
    problems = [line for line in out.splitlines() if re.match(r'\S+: [a-z-]+: take ', line)]
    assert len(problems) == len(DAMAGE_KINDS)
    for damage in summary['damage']:
        assert sum(damage['take_uid'] in line for line in problems) == 1
    assert out.splitlines()[-1].endswith('2 keystep split(s) checked: 6 problem(s), 0 note(s).')
    # the statistics row of val (undamaged) against the index
    index = build_split_index(root, 'val')
    labels = np.concatenate([s.labels for s in index.streams])
    row = next(line for line in out.splitlines() if line.startswith('|  val'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[1] == str(summary['takes']['val']) and cells[2] == '0'
    assert cells[4] == str(summary['takes']['val'])  # one Aria stream a take
    assert cells[6] == str(labels.size)
    assert cells[8] == f'{100 * np.mean(labels == index.num_classes):.1f}%'


def test_check_dataset_passes_an_intact_root(tmp_path, capsys):
    root = str(tmp_path / 'e4d')
    write_egoexo4d_root(root, num_takes=6)
    assert _tool('data/check_dataset.py').main([root]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(': 0 problem(s), 0 note(s).')


def test_dataset_stats_groups_streams_by_view(tmp_path):
    from byov.registry import DATASETS
    root = str(tmp_path / 'e4d')
    write_egoexo4d_root(root, num_takes=6, exo_cameras=2)
    ds = DATASETS.build(dict(type='EgoExo4DKeystepDataset', data_root=root, split='train',
                             cache_dir=str(tmp_path / 'cache')))
    table = _tool('analysis/dataset_stats.py').stats_table('e4d', {'train': ds.video_infos})
    rows = {r[1]: r for r in table.rows}
    assert rows['ego'][2] * 2 == rows['exo'][2] and rows['all'][2] == len(ds)


def test_check_data_available_knows_an_egoexo4d_root(tmp_path):
    import os

    import pytest
    from mmengine.config import Config

    from byov.datasets.config_utils import MissingDataError, check_data_available
    root = str(tmp_path / 'e4d')
    write_egoexo4d_root(root, num_takes=6)
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(type='EgoExo4DPairDataset', data_root=root)),
        val_dataloader=dict(dataset=dict(type='EgoExo4DKeystepDataset', data_root=root,
                                         split='val'))))
    check_data_available(cfg)  # no AE2 split lists asked for
    os.remove(osp.join(root, 'annotations', 'keystep_val.json'))
    with pytest.raises(MissingDataError, match=r'val_dataloader .*keystep_val.json'):
        check_data_available(cfg)
