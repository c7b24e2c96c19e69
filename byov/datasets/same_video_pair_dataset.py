"""Training items for CARL's sequence contrastive loss: two clips of ONE video."""
import numpy as np

from byov.registry import DATASETS
from byov.utils.errors import UserInputError
from .pair_dataset import EgoExoPairDataset


class SameVideoPairingError(UserInputError, ValueError):
    """A same-video pair dataset was given a pairing rule for two different videos."""


@DATASETS.register_module()
class SameVideoPairDataset(EgoExoPairDataset):
    """One item = two independently sampled clips of one video (CARL's two views).

    Everything else is :class:`~byov.datasets.EgoExoPairDataset`: the video is drawn
    uniformly from the split's pooled ego and exo videos with the item's own generator
    (``np.random.default_rng([seed, idx])``), the train pipeline then samples each clip's
    frames on its own (``SampleClipFrames``: T distinct frames of the video, sorted), so
    the two clips of an item show the same action at different time steps; the packed
    item is ``inputs [2, T, ...]`` with ``video_names`` (the same name twice),
    ``is_ego``, ``frame_inds`` and ``video_lengths`` as for any pair.

    CARL's temporal augmentation (``time_augment``) samples each view's frames at random
    from a block of ``r x L`` frames, ``r ~ U(1, 1.5)``, and masks the frames past the
    video's end; its view offset (``CONSISTENT_OFFSET``) is then always 0. byov's clips
    carry no frame mask, so here each view is T frames drawn from the video itself: what
    CARL's unmasked frames are, at a fixed count instead of a random one.

    Args:
        pairing: only ``'pooled'`` (the video comes from the pooled ego and exo list);
            ``'cross_view'`` pairs two different videos and is refused.
        others: see :class:`~byov.datasets.EgoExoPairDataset`.
    """

    def __init__(self, *args, pairing: str = 'pooled', **kwargs):
        if pairing != 'pooled':
            raise SameVideoPairingError(
                f'SameVideoPairDataset: pairing={pairing!r} pairs two different videos, '
                'but this dataset pairs two clips of one video; set '
                "train_dataloader.dataset.pairing='pooled' or use EgoExoPairDataset.")
        super().__init__(*args, pairing=pairing, **kwargs)

    def draw_pair(self, rng: np.random.Generator):
        """Indices (a, a): one video, drawn from the pooled list, twice."""
        self.full_init()
        a = int(rng.integers(self.num_videos))
        return a, a
