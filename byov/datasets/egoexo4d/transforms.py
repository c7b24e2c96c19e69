"""Load Ego-Exo4D feature rows for a pair of clips or a whole stream, lazily.

Each call opens the item's feature file(s) memory-mapped and copies only the rows the
item needs (:func:`~byov.datasets.egoexo4d.features.read_feature_rows`); nothing is kept
between calls, so a loader worker holds at most one batch of features.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from byov.registry import TRANSFORMS
from .features import read_feature_rows


def file_rows(info: dict, steps) -> np.ndarray:
    """Rows of the feature file of ``info`` (a stream's data info) for its steps
    ``steps`` (indices into its L steps): ``step_inds[steps]``, or ``steps`` when the
    stream is all the file's rows (``step_inds`` None)."""
    steps = np.asarray(steps, dtype=np.int64)
    inds = info.get('step_inds')
    return steps if inds is None else np.asarray(inds, dtype=np.int64)[steps]


@TRANSFORMS.register_module()
class LoadEgoExo4DClipFeatures(BaseTransform):
    """The features of the sampled steps of each clip of a training pair.

    Put it after ``SampleClipFrames``. Reads ``results['clips']`` (stream infos of
    :class:`~byov.datasets.egoexo4d.EgoExo4DPairDataset` with ``frame_inds``, indices
    into the stream's L steps); adds ``feats`` float32 ``[2, T, D]`` (the pair's
    metainfo comes from the clips: ``PackEgoExoInputs``).
    """

    def transform(self, results: dict) -> dict:
        clips = results['clips']
        results['feats'] = np.stack([
            read_feature_rows(c['feature_path'], file_rows(c, c['frame_inds']))
            for c in clips])
        return results


@TRANSFORMS.register_module()
class LoadEgoExo4DVideoFeatures(BaseTransform):
    """The features of every step of one stream, in order.

    Reads ``feature_path``, ``step_inds`` and ``num_frames`` (L) of the stream's data
    info; adds ``feats`` float32 ``[L, D]``.
    """

    def transform(self, results: dict) -> dict:
        results['feats'] = read_feature_rows(
            results['feature_path'], file_rows(results, np.arange(results['num_frames'])))
        return results
