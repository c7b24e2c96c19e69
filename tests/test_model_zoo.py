"""The model zoo in OpenMMLab's format (model-index.yml and configs/*/metafile.yml): every
shipped config is listed and loads, every number agrees with its source (the paper's
numbers with the tables of configs/byov/README.md, measured ones with the results file
they cite), and tools/analysis/model_zoo.py would write the metafiles unchanged.

The README and the results files are read here on their own, not through the script."""
import glob
import io
import json
import math
import os.path as osp
import re
import shutil
import statistics
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import pytest
import yaml
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import model_zoo  # noqa: E402

ZOO_README = 'configs/byov/README.md'
SYNTHETIC = 'byov synthetic ego-exo benchmark'
# metafile metric name -> (key in byov's results files, printed x 100 in the zoo)
METRIC_KEYS = {
    'F1 regular': ('f1_regular', True), 'F1 ego2exo': ('f1_ego2exo', True),
    'F1 exo2ego': ('f1_exo2ego', True), 'mAP@10 regular': ('map@10_regular', True),
    'mAP@10 ego2exo': ('map@10_ego2exo', True), 'mAP@10 exo2ego': ('map@10_exo2ego', True),
    'Progression': ('progression', False), "Kendall's tau": ('tau', False)}
# README rows with the paper's numbers that no config of ours stands for
README_PAPER_ROWS_NOT_IN_METAFILES = {
    'mean of the four datasets': "AE2's own method as the BYOV paper reports it, averaged "
                                 'over the datasets: not one config',
}


# ---------------------------------------------------------------- loading
def _yaml(rel):
    with open(osp.join(ROOT, rel)) as f:
        return yaml.safe_load(f)


def _metafile_paths():
    return _yaml('model-index.yml')['Import']


def _models():
    """(metafile, model dict) for every model of every imported metafile."""
    return [(path, model) for path in _metafile_paths() for model in _yaml(path)['Models']]


@lru_cache(maxsize=None)
def _config(rel):
    return Config.fromfile(osp.join(ROOT, rel))


def _by_config():
    return {model['Config']: model for _, model in _models()}


def _results(source):
    """(config, result) for every result of that source."""
    return [(model['Config'], r) for _, model in _models() for r in model.get('Results') or []
            if r['Source'] == source]


def _dataset_name(cfg):
    """The zoo's name of a config's dataset, from its data_root folder."""
    folder = osp.basename(osp.normpath(cfg.test_dataloader.dataset.data_root))
    if folder.startswith('egoexo4d'):  # the release, or a generated root in its format
        return ('Ego-Exo4D keystep (released Omnivore features)' if folder == 'egoexo4d'
                else 'generated Ego-Exo4D-format root (tools/data/generate_egoexo4d.py)')
    return SYNTHETIC if folder == 'synthetic_egoexo' else \
        'AE2 ' + folder.replace('_', ' ').title()


def _round_once(value, digits):
    return float(Decimal(value).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN))


# ---------------------------------------------------------------- structure
def test_index_lists_every_metafile_and_each_exists():
    listed = _metafile_paths()
    assert listed, 'model-index.yml imports no metafile'
    for path in listed:
        assert osp.isfile(osp.join(ROOT, path)), f'model-index.yml lists {path}: no such file'
    on_disk = {osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', '**',
                                                                 'metafile.yml'),
                                                        recursive=True)}
    assert on_disk == set(listed), f'metafiles not in model-index.yml: {on_disk - set(listed)}'


def test_metafiles_follow_the_openmmlab_schema():
    names = []
    for path in _metafile_paths():
        data = _yaml(path)
        collections = {}
        for c in data['Collections']:
            assert osp.isfile(osp.join(ROOT, c['README'])), f'{path}: {c["README"]} missing'
            if 'Paper' in c:
                assert set(c['Paper']) == {'Title', 'URL'}, f'{path}: {c["Name"]} Paper'
                assert c['Paper']['URL'].startswith('https://arxiv.org/abs/'), c['Paper']
            collections[c['Name']] = c
        for model in data['Models']:
            where = f'{path}: {model.get("Name")}'
            assert {'Name', 'Config', 'In Collection', 'Metadata'} <= set(model), where
            assert model['In Collection'] in collections, where
            assert model['Name'] == osp.basename(model['Config'])[:-3], where
            assert model['Metadata']['Architecture'], where
            # no weights are published yet: a Weights entry would be an invented URL
            assert 'Weights' not in model, f'{where}: Weights given, but none are published'
            for result in model.get('Results') or []:
                assert {'Task', 'Dataset', 'Source', 'Metrics'} <= set(result), where
                assert result['Source'] in ('paper', 'measured'), where
                assert result['Metrics'], f'{where}: a result without metrics'
                for metric, value in result['Metrics'].items():
                    assert metric in METRIC_KEYS, f'{where}: unknown metric {metric!r}'
                    assert isinstance(value, (int, float)) and math.isfinite(value), where
            names.append(model['Name'])
    assert len(names) == len(set(names)), 'a model name appears twice'


def test_every_shipped_config_is_in_a_metafile_and_loads():
    shipped = {osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                                        recursive=True)
               if '_base_' not in p.split(osp.sep)}
    listed = [model['Config'] for _, model in _models()]
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    assert shipped - set(listed) == set(), 'configs in no metafile (add them to one)'
    assert set(listed) - shipped == set(), 'metafiles name configs that do not exist'
    for rel in listed:
        assert _config(rel).model.type, rel  # Config.fromfile parses it


def test_metadata_agrees_with_each_config():
    for _, model in _models():
        cfg, meta, where = _config(model['Config']), model['Metadata'], model['Name']
        size = cfg.test_dataloader.dataset.get('frame_size')  # the evaluated frames
        if size is None:  # released features (Ego-Exo4D): no frames, no resolution
            assert 'Resolution' not in meta, where
        else:
            assert meta['Resolution'] == f'{size}x{size}', where
        if 'optim_wrapper' in cfg:
            assert meta['Epochs'] == cfg.train_cfg.max_epochs, where
            assert meta['Batch Size'] == cfg.train_dataloader.batch_size, where
            assert meta['Frame'] == cfg.model.num_frames, where  # the model's clip length
            assert meta['Training Data'] == _dataset_name(cfg), where
        else:  # evaluated without training: no training settings to report
            assert not {'Epochs', 'Batch Size', 'Training Data'} & set(meta), where


def test_every_result_is_on_its_configs_dataset():
    for config, result in _results('paper') + _results('measured'):
        assert result['Dataset'] == _dataset_name(_config(config)), (config, result['Dataset'])


# ---------------------------------------------------------------- numbers
def test_measured_results_match_the_results_files_they_cite():
    measured = _results('measured')
    assert measured, 'no measured result in the metafiles'
    for config, result in measured:
        with open(osp.join(ROOT, result['Results File'])) as f:
            recorded = json.load(f)
        row = result['Results Row']
        if 'Results Table' in result:  # over seeds: mean, sample std and count per metric
            cells = recorded['tables'][result['Results Table']][row]
            mean = {key: cells[key]['mean'] for key in cells}
            runs = {cells[key]['n'] for key in cells}
            assert result['Runs'] == runs.pop() and not runs, config
            std = {key: cells[key]['std'] for key in cells} if result['Runs'] > 1 else None
            seeds = recorded['seeds'] if result['Runs'] == len(recorded['seeds']) else None
        else:  # a value per metric, or a list of them (one per seed)
            (found,) = [r for r in recorded['rows'] if r['name'] == row]
            values = {k.split('/')[-1]: v for k, v in found['metrics'].items()}
            lists = [v for v in values.values() if isinstance(v, list)]
            assert result['Runs'] == (len(lists[0]) if lists else 1), config
            mean = {k: statistics.mean(v) if isinstance(v, list) else v
                    for k, v in values.items()}
            std = {k: statistics.stdev(v) for k, v in values.items()
                   if isinstance(v, list)} if result['Runs'] > 1 else None
            seeds = found['seeds']
        assert result.get('Seeds') == seeds, config
        assert ('Metrics Std' in result) == (std is not None), config
        for metric, (key, percent) in METRIC_KEYS.items():
            digits, scale = (2, 100) if percent else (4, 1)
            expected = _round_once(scale * mean[key], digits)
            assert result['Metrics'][metric] == expected, (config, row, metric)
            if std is not None:
                assert result['Metrics Std'][metric] == _round_once(scale * std[key], digits)


def _cells(line):
    return [c.strip() for c in line.strip().strip('|').split('|')]


def _tables(text):
    """Every Markdown table of ``text`` as (header cells, list of row cells)."""
    tables, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith('|') and i + 1 < len(lines) and lines[i + 1].startswith('|---') \
                and not (i and lines[i - 1].startswith('|')):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith('|'):
                    break
                rows.append(_cells(row))
            tables.append((_cells(line), rows))
    return tables


def _numbers(cell):
    """'74.30 / 75.01 / 71.28' -> [74.3, 75.01, 71.28]; '-' or words -> []."""
    parts = [p.strip() for p in cell.split('/')]
    try:
        return [float(p) for p in parts]
    except ValueError:
        return []


def _config_names(cell, dataset_cell):
    """Config paths a README cell names: a link, or code spans (``<dataset>`` expanded over
    the datasets of the row)."""
    links = re.findall(r'\]\(([^)]+\.py)\)', cell)
    if links:
        return [osp.normpath(osp.join('configs/byov', link)) for link in links]
    names = re.findall(r'`([^`]+\.py)`', cell)
    datasets = [d.strip().lower().replace(' ', '_') for d in dataset_cell.split(',')]
    out = []
    for name in names:
        for ds in datasets if '<dataset>' in name else [None]:
            name_ds = name.replace('<dataset>', ds) if ds else name
            folder = 'configs/byov/ablations' if name_ds.startswith('byov_') else \
                'configs/baselines'
            out.append(f'{folder}/{name_ds}')
    return out


def _metric_cells(cells):
    """{metric: value} of the F1, mAP@10, progression and tau cells of a README row."""
    f1, map10, prog, tau = (_numbers(c) for c in cells)
    names = ['F1 regular', 'F1 ego2exo', 'F1 exo2ego'][:len(f1)] + \
        ['mAP@10 regular', 'mAP@10 ego2exo', 'mAP@10 exo2ego'][:len(map10)] + \
        ['Progression'] * len(prog) + ["Kendall's tau"] * len(tau)
    return dict(zip(names, f1 + map10 + prog + tau))


def _readme_rows():
    """From the zoo README's AE2 tables: ({(config, metric): value} of the paper rows, the
    same of the byov rows, {configs whose byov row says 'not yet run'}, [paper rows that
    name no config])."""
    with open(osp.join(ROOT, ZOO_README)) as f:
        tables = _tables(f.read())
    paper, byov, not_run, unlisted = {}, {}, set(), []
    for header, rows in tables:
        if header[:3] == ['dataset', 'config', 'source']:  # AE2 tables: paper and byov rows
            configs = []
            for cells in rows:
                configs = _config_names(cells[1], cells[0]) if cells[1] else configs
                if cells[2] == 'paper' and not configs:
                    unlisted.append(cells[0])
                elif cells[2] == 'byov' and all(c == 'not yet run' for c in cells[3:]):
                    not_run.update(configs)
                else:
                    values = _metric_cells(cells[3:7])
                    for config in configs:
                        target = paper if cells[2] == 'paper' else byov
                        target.update(((config, k), v) for k, v in values.items())
        elif header == ['config', 'change', 'paper', 'byov']:  # the ablation table
            for cells in rows:
                found = re.fullmatch(r'(F1|progression) (?:[\d.]+ )?-> ([\d.]+)', cells[2])
                for config in _config_names(cells[0], ''):
                    if found:
                        name = 'F1 regular' if found[1] == 'F1' else 'Progression'
                        paper[config, name] = float(found[2])
                    if cells[3] == 'not yet run':
                        not_run.add(config)
    return paper, byov, not_run, unlisted


def _by_key(results):
    return {(config, name): value for config, result in results
            for name, value in result['Metrics'].items()}


def _differences(ours, readme):
    return (f'metafiles only: {sorted(set(ours.items()) - set(readme.items()))}; '
            f'{ZOO_README} only: {sorted(set(readme.items()) - set(ours.items()))}')


def test_paper_results_match_the_zoo_readme():
    readme, _, _, unlisted = _readme_rows()
    assert readme, f'no paper numbers found in {ZOO_README}'
    ours = _by_key(_results('paper'))
    assert ours == readme, 'paper numbers differ: ' + _differences(ours, readme)
    assert sorted(unlisted) == sorted(README_PAPER_ROWS_NOT_IN_METAFILES)


def test_measured_ae2_results_match_the_zoo_readme():
    _, readme, not_run, _ = _readme_rows()
    assert not_run and not_run <= set(_by_config()), not_run - set(_by_config())
    measured = [(c, r) for c, r in _results('measured') if r['Dataset'] != SYNTHETIC]
    assert {c for c, _ in measured} & not_run == set(), 'the README says "not yet run"'
    ours = _by_key(measured)
    assert ours == readme, 'measured AE2 numbers differ: ' + _differences(ours, readme)


def test_readme_demo_table_matches_the_metafiles():
    with open(osp.join(ROOT, ZOO_README)) as f:
        text = f.read()
    region = text.split('<!-- table: demo_main_job', 1)[1].split('<!-- /table -->')[0]
    ((header, rows),) = _tables(region.split('-->', 1)[1])
    assert header[0] == 'Method' and rows
    measured = {r['Results Row']: r for _, r in _results('measured')
                if r['Results File'] == 'docs/results/demo_main_job.json'}
    for cells in rows:
        result = measured[cells[0]]  # every row of the table is some model's result
        assert _metric_cells(cells[1:5]) == result['Metrics'], cells[0]


# ---------------------------------------------------------------- the generator
def test_metafiles_are_as_the_script_writes_them():
    out = io.StringIO()
    stale = model_zoo.check(ROOT, write=False, stream=out)
    assert stale == [], ('metafiles differ from their configs / results files (run python '
                         f'tools/analysis/model_zoo.py):\n{out.getvalue()}')


def test_script_rewrites_a_stale_number_and_metadata(tmp_path):
    shutil.copytree(osp.join(ROOT, 'configs'), tmp_path / 'configs')
    shutil.copytree(osp.join(ROOT, 'docs', 'results'), tmp_path / 'docs' / 'results')
    (tmp_path / 'model-index.yml').write_text('Import:\n- configs/zoo/metafile.yml\n')
    (tmp_path / 'configs' / 'zoo').mkdir()
    model = dict(Name='byov_tiny_synthetic_demo',
                 Config='configs/byov/byov_tiny_synthetic_demo.py', **{'In Collection': 'X'},
                 Metadata=dict(Architecture=['Hand-typed'], Epochs=999),
                 Results=[dict(Task='t', Dataset=SYNTHETIC, Source='measured',
                               **{'Results File': 'docs/results/demo_main_job.json',
                                  'Results Row': 'BYOV trained'},
                               Metrics={'F1 regular': 1.0})])
    path = tmp_path / 'configs' / 'zoo' / 'metafile.yml'
    path.write_text(yaml.safe_dump(dict(Collections=[dict(Name='X', README='x')],
                                        Models=[model]), sort_keys=False))
    assert model_zoo.check(str(tmp_path), write=False, stream=io.StringIO()) == \
        ['configs/zoo/metafile.yml']
    assert model_zoo.check(str(tmp_path)) == ['configs/zoo/metafile.yml']  # rewrites it
    assert model_zoo.check(str(tmp_path), write=False) == []
    written = yaml.safe_load(path.read_text())['Models'][0]
    assert written['Metadata']['Epochs'] == _config(model['Config']).train_cfg.max_epochs
    assert written['Metadata']['Architecture'][0] == 'TinyPatchEncoder'
    with open(osp.join(ROOT, 'docs', 'results', 'demo_main_job.json')) as f:
        (row,) = [r for r in json.load(f)['rows'] if r['name'] == 'BYOV trained']
    assert written['Results'][0]['Metrics']['F1 regular'] == \
        _round_once(100 * row['metrics']['ae2/f1_regular'], 2)


def test_script_names_the_file_and_the_fix_for_a_bad_result(tmp_path):
    (tmp_path / 'model-index.yml').write_text('Import:\n- m.yml\n')
    shutil.copytree(osp.join(ROOT, 'configs'), tmp_path / 'configs')
    (tmp_path / 'm.yml').write_text(yaml.safe_dump(dict(Models=[dict(
        Name='time_only_synthetic', Config='configs/baselines/time_only_synthetic.py',
        Results=[dict(Task='t', Dataset='d', Metrics={'F1 regular': 1.0})])])))
    with pytest.raises(model_zoo.ZooError, match=r'm\.yml.*"Source: paper"'):
        model_zoo.check(str(tmp_path), write=False)


def test_openmmlab_model_index_reads_the_zoo():
    modelindex = pytest.importorskip(
        'modelindex.load_model_index',
        reason="OpenMMLab's model-index package (installed with openmim) is not installed")
    index = modelindex.load(osp.join(ROOT, 'model-index.yml'))
    ours = {model['Name']: model for _, model in _models()}
    assert {m.name for m in index.models} == set(ours)
    for m in index.models:
        assert m.config == ours[m.name]['Config']
        assert [r.metrics for r in m.results or []] == \
            [r['Metrics'] for r in ours[m.name].get('Results') or []]
