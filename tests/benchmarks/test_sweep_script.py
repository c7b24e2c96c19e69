"""benchmarks/sweep.py on the tiny synthetic benchmark: what it records, the budget rule,
and the docs' renderers of its results (checked against numbers recomputed here)."""
import importlib.util
import json
import math
import os.path as osp
import statistics

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _module(name, path):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sweep = _module('byov_sweep_script', 'benchmarks/sweep.py')
render_docs = _module('byov_render_docs', 'tools/analysis/render_docs.py')
ROWS = ['time only (t/L)', 'frozen semantic features', 'BYOV untrained', 'BYOV',
        'supervised ceiling']


@pytest.fixture(scope='module')
def recorded(tiny_synthetic, tmp_path_factory):
    out = tmp_path_factory.mktemp('sweep') / 'sweep.json'
    sweep.main(['table', '--iters', '2', '--seeds', '0', '1', '--view-gaps', '0', '1',
                '--rows', *ROWS, '--data-root', tiny_synthetic[0], '--workers', '1',
                '--results-json', str(out)])
    with open(out) as f:
        return json.load(f)


def test_table_records_every_row_gap_table_and_seed(recorded):
    assert recorded['kind'] == 'view_gap_sweep' and recorded['view_gaps'] == [0.0, 1.0]
    for gap in ('0', '1'):
        record = recorded['gaps'][gap]
        assert record['rows'] == ROWS
        assert set(record['tables']) == {'full', 'crop', 'full_held', 'crop_held'}
        for name in ('BYOV untrained', 'BYOV', 'supervised ceiling'):
            assert {s for s, rows in record['per_seed'].items() if name in rows} == {'0', '1'}
    # the clock-free time-only row does not depend on the view gap; the features do
    g0, g1 = recorded['gaps']['0']['per_seed'], recorded['gaps']['1']['per_seed']
    assert g0['None']['time only (t/L)'] == g1['None']['time only (t/L)']
    assert g0['None']['frozen semantic features']['crop']['f1_ego2exo'] != \
        g1['None']['frozen semantic features']['crop']['f1_ego2exo']
    # the seeded initialisations differ between seeds
    assert g0['0']['BYOV untrained']['full'] != g0['1']['BYOV untrained']['full']


def test_tables_are_the_seed_statistics_of_the_recorded_runs(recorded):
    record = recorded['gaps']['1']
    for table in ('full', 'crop_held'):
        values = [record['per_seed'][s]['BYOV'][table]['f1_exo2ego'] for s in ('0', '1')]
        cell = record['tables'][table]['BYOV']['f1_exo2ego']
        assert cell['mean'] == pytest.approx(statistics.fmean(values))
        assert cell['std'] == pytest.approx(statistics.stdev(values))
        assert cell['n'] == 2


def test_findings_prose_states_the_recomputed_differences(recorded):
    text = render_docs.render_gap_findings(recorded)
    record = recorded['gaps']['0']
    for key in ('f1_regular', 'f1_ego2exo'):
        runs = {name: [record['per_seed'][s][name]['crop'][key] for s in ('0', '1')]
                for name in ('supervised ceiling', 'BYOV untrained')}
        diff = statistics.fmean(runs['supervised ceiling']) - statistics.fmean(
            runs['BYOV untrained'])
        spread = math.hypot(statistics.stdev(runs['supervised ceiling']),
                            statistics.stdev(runs['BYOV untrained']))
        assert f'{key[3:]} {diff:+.3f} ({spread:.3f})' in text
    assert '**View gap 0, cropped test videos.**' in text
    assert '**View gap 1, whole test videos.**' in text
    short = render_docs.render_gap_findings(recorded, style='short')
    assert short.split(' Against the untrained')[0] in text and '\n' not in short
    assert 'view gap 0: supervised ceiling regular' in short
    clock = render_docs.render_gap_clock(recorded, gap='1')
    assert clock.count('\n') == 1 + len(ROWS)  # header, rule, one line per row


def test_budget_rule_picks_the_first_checkpoint_near_the_best():
    def curve(values):  # the same value on every F1 of both evaluations
        return {str(p): {ev: dict.fromkeys(sweep.F1_KEYS, v) for ev in ('full', 'crop')}
                for p, v in values.items()}
    curves = {sweep.CEILING: {'0': curve({0: 0.5, 100: 0.70, 200: 0.795, 400: 0.80}),
                              '1': curve({0: 0.5, 100: 0.72, 200: 0.805, 400: 0.81})}}
    budget, means = sweep.choose_budget(curves, tolerance=0.01)
    assert means == pytest.approx({0: 0.5, 100: 0.71, 200: 0.80, 400: 0.805})
    assert budget == 200
    assert sweep.choose_budget(curves, tolerance=0.0)[0] == 400


def test_curves_record_every_checkpoint_and_draw(tiny_synthetic, tmp_path):
    out, figure = tmp_path / 'curves.json', tmp_path / 'curves.png'
    sweep.main(['curves', '--checkpoints', '0', '2', '--seeds', '0', '--rows',
                'supervised ceiling', '--data-root', tiny_synthetic[0], '--workers', '1',
                '--results-json', str(out), '--figure', str(figure)])
    with open(out) as f:
        record = json.load(f)
    assert record['view_gap'] == 0.5 and record['checkpoints'] == [0, 2]
    assert set(record['curves']['supervised ceiling']['0']) == {'0', '2'}
    assert record['budget'] in (0, 2)
    assert figure.stat().st_size > 1000
    table = render_docs.render_learning_curves(record)
    assert f'Budget: **{record["budget"]} iterations**' in table


def test_table_needs_a_budget():
    with pytest.raises(SystemExit):
        sweep.parse_args(['table'])


def test_add_to_extends_a_recorded_sweep_and_keeps_its_runs(recorded, tiny_synthetic, tmp_path):
    path = tmp_path / 'sweep.json'
    path.write_text(json.dumps(recorded))
    common = ['table', '--iters', '2', '--seeds', '0', '1', '--view-gaps', '0', '1',
              '--data-root', tiny_synthetic[0], '--workers', '1', '--results-json', str(path),
              '--add-to', str(path)]
    with pytest.raises(SystemExit, match='recorded there already'):
        sweep.main(common + ['--rows', 'BYOV'])
    with pytest.raises(SystemExit, match='same settings'):
        sweep.main(common[:2] + ['3'] + common[3:] + ['--rows', 'TCC'])
    sweep.main(common + ['--rows', 'TCC'])
    with open(path) as f:
        extended = json.load(f)
    assert len(extended['sweeps']) == 2 and extended['sweeps'][1]['rows'] == ['TCC']
    for gap in ('0', '1'):
        old, new = recorded['gaps'][gap], extended['gaps'][gap]
        assert new['rows'] == ROWS[:-1] + ['TCC', ROWS[-1]]  # the comparison's row order
        for table in ('full', 'crop_held'):
            for name in ROWS:
                assert new['tables'][table][name] == old['tables'][table][name]
            assert new['tables'][table]['TCC']['f1_regular']['n'] == 2
