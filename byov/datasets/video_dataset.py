"""Evaluation items: one whole video, every frame in order."""
from byov.registry import DATASETS
from .base import EgoExoBaseDataset


@DATASETS.register_module()
class EgoExoVideoDataset(EgoExoBaseDataset):
    """One item = one video of the split, in ``video_index`` order (ego videos sorted
    by name, then exo videos sorted by name), packed as ``inputs`` uint8
    ``[L, 3, H, W]`` and a data sample with metainfo ``video_name``, ``video_index``,
    ``is_ego``, ``num_frames``, ``split`` and data field ``gt_labels`` (int64 [L]).

    :attr:`video_infos` gives the same metadata for every video without decoding.

    Args:
        data_root, split, cache_dir, frame_size, layout, label_length_mismatch:
            see :class:`~byov.datasets.base.EgoExoBaseDataset`.
        pipeline: default: ``LoadVideoFromCache`` (``LoadVideoFeatures`` with a
            ``feature_cache``), ``PackEgoExoInputs``.
        test_mode: default True (a failing item raises instead of being replaced).
    """

    def __init__(self, data_root: str, split: str, cache_dir: str, pipeline=None,
                 test_mode: bool = True, **kwargs):
        if pipeline is None:
            load = 'LoadVideoFeatures' if kwargs.get('feature_cache') else 'LoadVideoFromCache'
            pipeline = [dict(type=load), dict(type='PackEgoExoInputs')]
        super().__init__(data_root=data_root, split=split, cache_dir=cache_dir,
                         pipeline=pipeline, test_mode=test_mode, **kwargs)

    def prepare_data(self, idx: int) -> dict:
        results = self.get_data_info(idx)
        results['frame_cache'] = self.frame_cache
        results['feature_cache'] = self.feature_cache
        results['data_root'] = self.data_root
        return self.pipeline(results)
