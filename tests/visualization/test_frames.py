"""VideoFrames: frames by video name through the frame cache, temporal crops included."""
import numpy as np
import pytest
from vis_testutils import embedding_set, write_ae2_csv

from byov.registry import TRANSFORMS
from byov.utils import register_all_modules
from byov.visualization import VideoFrames


@pytest.fixture(scope='module')
def data_root(splits, tmp_path_factory):
    return write_ae2_csv(str(tmp_path_factory.mktemp('frames') / 'ds'),
                         {'test': splits['test']})


def dataset_cfg(root, cache, pipeline=()):
    return dict(type='EgoExoVideoDataset', data_root=root, split='test', cache_dir=cache,
                frame_size=32, layout='csv', pipeline=list(pipeline))


def green(image):
    return float(image[..., 1].mean())


def test_frames_by_name(data_root, splits, tmp_path):
    register_all_modules()
    frames = VideoFrames.from_dataset_cfg(dataset_cfg(data_root, str(tmp_path / 'c')))
    image = frames('ego_test_001', 5)
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    assert abs(green(image) - 8 * 5) < 4  # the fixture's frame t has green 8 t
    frames.check(embedding_set(splits['test'], 'test', seed=0))
    with pytest.raises(KeyError, match='nope'):
        frames('nope', 0)


def test_frames_follow_the_temporal_crop(data_root, splits, tmp_path):
    register_all_modules()
    crop = dict(type='RandomTemporalCrop', fraction=0.5, seed=3)
    frames = VideoFrames.from_dataset_cfg(dataset_cfg(
        data_root, str(tmp_path / 'c'), [dict(type='LoadVideoFromCache'), crop,
                                          dict(type='PackEgoExoInputs')]))
    assert frames.crop is not None
    labels = splits['test']['exo_test_000']
    start, length = TRANSFORMS.build(crop).window(labels.size, 2)  # video index 2
    assert abs(green(frames('exo_test_000', 0)) - 8 * start) < 4
    # whole-video embeddings do not match cropped frames: refused, not mis-drawn
    with pytest.raises(ValueError, match='temporal crop'):
        frames.check(embedding_set(splits['test'], 'test', seed=0))
    assert frames.frame_number('exo_test_000', 2) == start + 2  # shown in the figure
