"""Ego-Exo4D: synchronised pairs matched by time when step counts differ, one clear error
for features of another width, and AE2's unpaired setting as the pair default."""
import numpy as np
import pytest

from byov.datasets.egoexo4d import EgoExo4DWidthError
from byov.datasets.egoexo4d.timing import STRIDE_SEC, expected_num_steps
from byov.registry import DATASETS
from tests.datasets.egoexo4d_fixtures import make_root

PIPELINE = [dict(type='SampleClipFrames', num_frames=8, random_offset=0),
            dict(type='LoadEgoExo4DClipFeatures'), dict(type='PackEgoExoInputs')]


def _takes(exo_short_by):
    duration = 300.0  # 562 steps; the exo file is shorter by exo_short_by steps
    n = expected_num_steps(duration)
    return [dict(uid=f't{i}', name=f'take_{i}', duration=duration, scenario='Omelet',
                 segments=[(10.0, 150.0, 100), (160.0, 290.0, 102)],
                 steps={'cam01': n - exo_short_by}) for i in range(2)]


def test_synchronised_pairs_are_matched_by_time_when_step_counts_differ(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, _takes(exo_short_by=2))
    ds = DATASETS.build(dict(type='EgoExo4DPairDataset', data_root=root,
                             cache_dir=str(tmp_path / 'c'), pairing='synchronised', seed=0,
                             pipeline=PIPELINE))
    infos = {ds.get_data_info(i)['video_name']: ds.get_data_info(i)
             for i in range(ds.num_videos)}
    checked = 0
    for idx in range(20):
        meta = ds[idx]['data_samples'].metainfo
        ego, exo = (infos[n] for n in meta['video_names'])
        assert ego['num_frames'] == exo['num_frames'] + 2
        t_ego = ego['frame_times'][meta['frame_inds'][0]]
        t_exo = exo['frame_times'][meta['frame_inds'][1]]
        # within the exo stream's regular grid, the very same moments (matching by
        # relative position is a step, 0.53 s, off in the middle of a take this long)
        inside = t_ego <= exo['frame_times'][-2]
        np.testing.assert_allclose(t_exo[inside], t_ego[inside], atol=1e-9)
        checked += int(inside.sum())
        assert np.all(np.abs(t_exo - t_ego) <= 2 * STRIDE_SEC + 1e-9)
    assert checked > 100


def test_features_of_another_width_are_one_error_naming_feature_dim(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, _takes(exo_short_by=0), width=4)
    with pytest.raises(EgoExo4DWidthError, match=r'feature_dim=1536.*4 \(4 files\)'):
        DATASETS.build(dict(type='EgoExo4DKeystepDataset', data_root=root, split='train',
                            cache_dir=str(tmp_path / 'c'), feature_dim=1536))


def test_pairs_default_to_the_unpaired_setting(tmp_path):
    root = str(tmp_path / 'root')
    make_root(root, _takes(exo_short_by=0))
    ds = DATASETS.build(dict(type='EgoExo4DPairDataset', data_root=root,
                             cache_dir=str(tmp_path / 'c'), pipeline=PIPELINE))
    assert ds.pairing == 'unpaired'
    meta = ds[0]['data_samples'].metainfo
    takes = [name.split('/')[0] for name in meta['video_names']]
    assert takes[0] != takes[1]


def test_the_loops_refuse_fit_and_eval_splits_labelled_differently(tmp_path):
    from byov.datasets.config_utils import DataConfigError
    from byov.engine.loops import _check_same_labels, _give_metrics_the_data_root
    from byov.evaluation.metrics import KeystepRecognitionMetric
    root = str(tmp_path / 'root')
    make_root(root, _takes(exo_short_by=0))

    def dataset(background):
        return DATASETS.build(dict(type='EgoExo4DKeystepDataset', data_root=root,
                                   split='train', cache_dir=str(tmp_path / 'c'),
                                   background=background))
    as_class, dropped = dataset('class'), dataset('drop')
    assert as_class.num_classes == dropped.num_classes + 1
    _check_same_labels(as_class, dataset('class'), 'EgoExoTestLoop')
    with pytest.raises(DataConfigError, match="background='class'.*background='drop'"):
        _check_same_labels(as_class, dropped, 'EgoExoTestLoop')
    with pytest.raises(DataConfigError, match='train_dataloader.*the model is trained on'):
        _check_same_labels(as_class, dropped, 'EgoExoValLoop', other='train_dataloader')
    # a metric reading annotation files gets the eval split's root, or is refused
    metric = KeystepRecognitionMetric()
    _give_metrics_the_data_root([metric], as_class, 'EgoExoTestLoop')
    assert metric.data_root == root
    other = KeystepRecognitionMetric(data_root=str(tmp_path / 'elsewhere'))
    with pytest.raises(DataConfigError, match='another dataset'):
        _give_metrics_the_data_root([other], as_class, 'EgoExoTestLoop')
