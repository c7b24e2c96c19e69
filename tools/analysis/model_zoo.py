"""Keep the model zoo's metafiles (OpenMMLab's model-index format) in step with the configs
and the recorded results, so that neither can drift.

``model-index.yml`` at the repository root imports one metafile per config family
(``configs/byov/metafile.yml``, ``configs/baselines/metafile.yml``). A person writes the
collections, each model's name, config and collection, the paper's numbers (results with
``Source: paper``) and, for a measured result, where it was recorded (``Source: measured``,
``Results File: docs/results/NAME.json``, ``Results Row``, and ``Results Table`` for a file
holding several tables). This script fills in everything else:

- each model's ``Metadata`` from its config: ``Architecture`` (the registered types of the
  model's parts), ``Pretrained`` (the frame encoder's weights), ``Resolution`` and, for a
  config that trains (it has an ``optim_wrapper``), ``Training Data``, ``Epochs``,
  ``Batch Size`` and ``Frame`` (frames per training clip);
- the ``Metrics`` of each measured result, read from its results file, with ``Runs``
  (how many runs the numbers average), ``Seeds`` (theirs, where the file says) and, over
  several runs, the sample standard deviation in ``Metrics Std``; rounded once: F1 and
  mAP@10 x 100 with 2 decimals, progression and Kendall's tau as fractions with 4
  decimals (the model zoo's units).

It also writes every file in one layout (key order, a fixed header), so a hand edit shows
up as a diff until the script has run.

    python tools/analysis/model_zoo.py           # rewrite the metafiles
    python tools/analysis/model_zoo.py --check   # change nothing; exit 1 with a diff when stale
"""
import argparse
import difflib
import json
import math
import os.path as osp
import sys

import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INDEX = 'model-index.yml'
HEADER = """\
# byov's model zoo in OpenMMLab's metafile format (imported by model-index.yml).
# Written by tools/analysis/model_zoo.py: Metadata comes from each config and the Metrics
# of a "Source: measured" result from the results file it names; edit the rest here, then
# run it (tests/test_model_zoo.py fails until the file is as the script writes it).
# "Source: paper": printed in the paper, never measured with byov. Units: F1 and mAP@10
# x 100, Progression (R^2) and Kendall's tau as fractions. No trained weights are
# published yet, so no model has a Weights entry.
"""
# (metric name in the metafile, key in byov's results, shown x 100)
METRICS = [('F1 regular', 'f1_regular', True), ('F1 ego2exo', 'f1_ego2exo', True),
           ('F1 exo2ego', 'f1_exo2ego', True),
           ('mAP@10 regular', 'map@10_regular', True),
           ('mAP@10 ego2exo', 'map@10_ego2exo', True),
           ('mAP@10 exo2ego', 'map@10_exo2ego', True),
           ('Progression', 'progression', False), ("Kendall's tau", 'tau', False)]
SOURCES = ('paper', 'measured')
# the folder name of a config's data_root -> the dataset's name in the zoo
DATASET_NAMES = {
    'break_eggs': 'AE2 Break Eggs', 'pour_milk': 'AE2 Pour Milk',
    'pour_liquid': 'AE2 Pour Liquid', 'tennis_forehand': 'AE2 Tennis Forehand',
    'synthetic_egoexo': 'byov synthetic ego-exo benchmark',
    'egoexo4d': 'Ego-Exo4D keystep (released Omnivore features)',
    'egoexo4d_tiny': 'generated Ego-Exo4D-format root (tools/data/generate_egoexo4d.py)',
}
# key orders of the written file; keys not listed keep their order after these
COLLECTION_KEYS = ['Name', 'README', 'Paper', 'Metadata', 'Code']
MODEL_KEYS = ['Name', 'Alias', 'Config', 'In Collection', 'Metadata', 'Results', 'Weights']
METADATA_KEYS = ['Architecture', 'Pretrained', 'Training Data', 'Epochs', 'Batch Size',
                 'Frame', 'Resolution']
DERIVED_METADATA = ('Architecture', 'Pretrained', 'Training Data', 'Epochs', 'Batch Size',
                    'Frame', 'Resolution')
RESULT_KEYS = ['Task', 'Dataset', 'Source', 'Note', 'Results File', 'Results Table',
               'Results Row', 'Runs', 'Seeds', 'Metrics', 'Metrics Std']


class ZooError(ValueError):
    """A metafile or results file the script cannot use; the message names it and the fix."""


# ---------------------------------------------------------------- reading
def metafiles(root=ROOT):
    """Paths (relative to ``root``) of the metafiles ``model-index.yml`` imports."""
    index = _load_yaml(osp.join(root, INDEX))
    imports = index.get('Import') if isinstance(index, dict) else None
    if not isinstance(imports, list) or not imports:
        raise ZooError(f'{INDEX}: expected "Import:" with a list of metafile paths')
    return imports


def _load_yaml(path):
    if not osp.isfile(path):
        raise ZooError(f'{path} does not exist (listed in {INDEX}?)')
    with open(path) as f:
        return yaml.safe_load(f)


def config_metadata(config_path):
    """The Metadata fields read from a config (see the module docstring)."""
    from mmengine.config import Config
    cfg = Config.fromfile(config_path)
    model = cfg.model
    meta = {'Architecture': _architecture(model)}
    encoder = (model.get('stem') or {}).get('frame_encoder') or {}
    if isinstance(encoder.get('pretrained'), str):
        meta['Pretrained'] = encoder['pretrained']
    # what the run reads: the loaders (the evaluated split's for configs that do not train)
    data = (cfg.get('train_dataloader') or cfg.test_dataloader).dataset
    if cfg.get('optim_wrapper') is not None:
        folder = osp.basename(osp.normpath(str(data.get('data_root'))))
        if folder not in DATASET_NAMES:
            raise ZooError(f'{config_path}: data_root {data.get("data_root")!r} is not a '
                           f'dataset of the zoo; add its folder name to DATASET_NAMES in '
                           f'tools/analysis/model_zoo.py')
        meta['Training Data'] = DATASET_NAMES[folder]
        meta['Epochs'] = cfg.train_cfg.max_epochs
        meta['Batch Size'] = cfg.train_dataloader.batch_size
        clips = [s['num_frames'] for s in data.pipeline if s['type'] == 'SampleClipFrames']
        meta['Frame'] = clips[0]
    size = data.get('frame_size')
    if size is not None:  # released features have no frame size
        meta['Resolution'] = f'{size}x{size}'
    return meta


def _architecture(model):
    """Registered types of the model's parts, in data order, each once."""
    stem = model.get('stem') or {}
    parts = [stem.get('frame_encoder'), stem.get('token_selector'), model.get('backbone'),
             model.get('decoder'), model.get('self_view_masking'),
             model.get('cross_view_masking'), model.get('loss')]
    types = [p['type'] for p in parts if isinstance(p, dict) and 'type' in p]
    return list(dict.fromkeys(types)) or [model['type']]


def measured(entry, root=ROOT, where=''):
    """``(metrics, std or None, runs, seeds or None)`` of a ``Source: measured`` result,
    from its file."""
    rel = entry.get('Results File')
    row_name = entry.get('Results Row')
    if not rel or not row_name:
        raise ZooError(f'{where}: a "Source: measured" result needs "Results File: '
                       'docs/results/NAME.json" and "Results Row: <row name in that file>"')
    path = osp.join(root, rel)
    if not osp.isfile(path):
        raise ZooError(f'{where}: Results File {rel} does not exist')
    with open(path) as f:
        results = json.load(f)
    kind = results.get('kind')
    if kind == 'metrics_rows':
        rows = {row['name']: row for row in results['rows']}
        if row_name not in rows:
            raise ZooError(f'{where}: {rel} has no row {row_name!r}; rows: {list(rows)}')
        row = rows[row_name]
        plain = {k.rsplit('/', 1)[-1]: v for k, v in row['metrics'].items()}
        values = {}
        for _, key, _ in METRICS:
            value = plain.get(key)
            values[key] = (value, None) if not isinstance(value, list) else _mean_std(value)
        lists = [v for v in plain.values() if isinstance(v, list)]
        runs = len(lists[0]) if lists else 1
        seeds = row.get('seeds')
    elif kind == 'seed_comparison':
        table = entry.get('Results Table')
        if table not in results.get('tables', {}):
            raise ZooError(f'{where}: {rel} holds several tables; name one with '
                           f'"Results Table: <{"|".join(results.get("tables", {}))}>"')
        rows = results['tables'][table]
        if row_name not in rows:
            raise ZooError(f'{where}: table {table!r} of {rel} has no row {row_name!r}; '
                           f'rows: {list(rows)}')
        cells = rows[row_name]
        values = {key: (cells[key]['mean'], cells[key]['std']) if key in cells
                  else (None, None) for _, key, _ in METRICS}
        runs = min(cells[key]['n'] for _, key, _ in METRICS if key in cells)
        # a row that does not depend on the seed (time only, frozen features) runs once
        seeds = results.get('seeds') if runs == len(results.get('seeds') or []) else None
    else:
        raise ZooError(f'{where}: {rel} is of kind {kind!r}; a measured result reads '
                       '"metrics_rows" or "seed_comparison" files')
    metrics, std = {}, {}
    for name, key, percent in METRICS:
        value, spread = values[key]
        if value is None:
            continue
        metrics[name] = _round(value, percent)
        if spread is not None:
            std[name] = _round(spread, percent)
    if not metrics:
        raise ZooError(f'{where}: row {row_name!r} of {rel} has none of the AE2 metrics')
    return metrics, (std if runs > 1 and std else None), runs, seeds


def _mean_std(values):
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0


def _round(value, percent):
    return round(100 * value, 2) if percent else round(value, 4)


# ---------------------------------------------------------------- writing
def regenerate(path, root=ROOT):
    """The text ``path`` (relative to ``root``) should hold."""
    data = _load_yaml(osp.join(root, path))
    if not isinstance(data, dict) or not isinstance(data.get('Models'), list):
        raise ZooError(f'{path}: expected a mapping with "Collections:" and "Models:"')
    out = {}
    if 'Collections' in data:
        out['Collections'] = [_ordered(c, COLLECTION_KEYS) for c in data['Collections']]
    models = []
    for i, model in enumerate(data['Models']):
        where = f'{path}, model {model.get("Name", i)!r}'
        config = model.get('Config')
        if not config or not osp.isfile(osp.join(root, config)):
            raise ZooError(f'{where}: Config {config!r} does not exist; give the config '
                           'path from the repository root')
        model = dict(model)
        metadata = {k: v for k, v in (model.get('Metadata') or {}).items()
                    if k not in DERIVED_METADATA}
        metadata.update(config_metadata(osp.join(root, config)))
        model['Metadata'] = _ordered(metadata, METADATA_KEYS)
        if model.get('Results'):
            model['Results'] = [_result(r, root, where) for r in model['Results']]
        models.append(_ordered(model, MODEL_KEYS))
    out['Models'] = models
    for key, value in data.items():
        if key not in out:
            out[key] = value
    return HEADER + yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=92)


def _result(entry, root, where):
    entry = dict(entry)
    source = entry.get('Source')
    if source not in SOURCES:
        raise ZooError(f'{where}: every result needs "Source: paper" (printed in the paper) '
                       f'or "Source: measured" (a byov run); got {source!r}')
    if source == 'measured':
        metrics, std, runs, seeds = measured(entry, root, where)
        for key in ('Metrics Std', 'Runs', 'Seeds'):
            entry.pop(key, None)
        entry['Metrics'] = metrics
        entry['Runs'] = runs
        if std is not None:
            entry['Metrics Std'] = std
        if seeds is not None:
            entry['Seeds'] = list(seeds)
    return _ordered(entry, RESULT_KEYS)


def _ordered(mapping, keys):
    out = {k: mapping[k] for k in keys if k in mapping}
    out.update((k, v) for k, v in mapping.items() if k not in out)
    return out


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line (``Seeds: [0, 1, 2]``), the rest in block style."""

    def represent_list(self, data):
        flow = all(isinstance(x, (int, float, str)) for x in data)
        return self.represent_sequence('tag:yaml.org,2002:seq', data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def check(root=ROOT, write=True, stream=sys.stdout):
    """Regenerate every metafile; return the stale ones (written unless ``write=False``,
    with a diff on ``stream``)."""
    stale = []
    for path in metafiles(root):
        full = osp.join(root, path)
        new = regenerate(path, root)
        with open(full) as f:
            old = f.read()
        if old == new:
            continue
        stale.append(path)
        if write:
            with open(full, 'w') as f:
                f.write(new)
        else:
            stream.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), path, path + ' (regenerated)'))
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='change nothing; exit 1 with a diff when a metafile is stale')
    parser.add_argument('--root', default=ROOT, help='repository root (default: this checkout)')
    args = parser.parse_args(argv)
    sys.path.insert(0, args.root)  # configs with custom_imports=['byov'] from a checkout
    try:
        stale = check(args.root, write=not args.check)
    except ZooError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if args.check and stale:
        print(f'\n{len(stale)} metafile(s) differ from what the configs and results files '
              f'give: {", ".join(stale)}.\nRun python tools/analysis/model_zoo.py to '
              'rewrite them.', file=sys.stderr)
        return 1
    print('metafiles up to date' if not stale else f'rewrote {", ".join(stale)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
