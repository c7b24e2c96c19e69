"""Training items from synchronised ego-exo recordings: the ego and the exo clip of one
take at the same moments (docs/data.md, "Synchronised pairs").

Only objectives that compare what two cameras saw at the same time need them (multi-view
TCN, ActorObserverNet); AE2 and BYOV train on unpaired videos. Of AE2's four datasets,
two come from recordings made with several cameras at once: Break Eggs (CMU-MMAC) and
Pour Milk (H2O). Pour Liquid (ego from EPIC-Kitchens, exo from HMDB51) and Tennis
Forehand (ego recorded for AE2, exo from Penn Action) join videos of different people at
different times: nothing there is synchronised. AE2's release does not say which ego and
exo videos are one take, so a dataset lists its takes in a pair list the user writes
from the source datasets' take ids. The synthetic benchmark draws every video, ego or exo,
from its own scene and timeline: it has no synchronised takes either.
"""
import csv
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from byov.registry import DATASETS
from byov.utils.errors import UserInputError
from .pair_dataset import EgoExoPairDataset

PAIR_LIST = 'synchronised_pairs.csv'
SYNTHETIC_META = 'synthetic_egoexo.json'  # written by byov's synthetic generator
SYNCHRONISED_AE2 = ('break_eggs (CMU-MMAC)', 'pour_milk (H2O)')
UNSYNCHRONISED_AE2 = ('pour_liquid (EPIC-Kitchens ego + HMDB51 exo)',
                      'tennis_forehand (AE2 ego + Penn Action exo)')


class NotSynchronisedError(UserInputError, ValueError):
    """A dataset offers no synchronised ego-exo takes (or its pair list is wrong)."""


def read_pair_list(path: str) -> List[Tuple[str, str, int]]:
    """``(ego name, exo name, line number)`` per line ``ego_name,exo_name`` of ``path``
    (video base names without extension; blank lines and lines starting with ``#``
    are skipped)."""
    pairs = []
    with open(path, newline='') as f:
        for line_no, row in enumerate(csv.reader(f), 1):
            if not row or not ''.join(row).strip() or row[0].lstrip().startswith('#'):
                continue
            if len(row) != 2 or not all(c.strip() for c in row):
                raise NotSynchronisedError(
                    f'{path} line {line_no}: expected "ego_name,exo_name" (two video base '
                    f'names), got {",".join(row)!r}.')
            pairs.append((osp.splitext(row[0].strip())[0], osp.splitext(row[1].strip())[0],
                          line_no))
    return pairs


@DATASETS.register_module()
class SynchronisedEgoExoPairDataset(EgoExoPairDataset):
    """One item = the ego clip (first) and the exo clip (second) of one take, at the same
    moments; metainfo ``pairing='synchronised'``, otherwise as
    :class:`~byov.datasets.EgoExoPairDataset` (``inputs [2, T, 3, H, W]``,
    ``video_names``, ``is_ego``, ``frame_inds``).

    The takes are the lines ``ego_name,exo_name`` of ``<data_root>/<pair_list>`` (base
    names, one take a line; an ego video may pair with several exo cameras). Pairs whose
    videos are both in this split are used; a pair naming a video of another split is
    skipped. ``SampleClipFrames`` draws the ego clip's frames at random (AE2's rule) and
    gives the exo clip the frames of the same moments, assuming both videos span the
    same stretch of time: exo frame ``round(i * (L_exo - 1) / (L_ego - 1))`` for ego
    frame i (equal lengths: the same indices).

    Refused (:class:`NotSynchronisedError`, when the dataset is initialised): the
    synthetic benchmark (no synchronised takes), a data root without the pair list, a
    pair list naming an exo video as ego or the reverse, a split with no pair.

    Args:
        pair_list: file name of the pair list inside ``data_root``
            (``'synchronised_pairs.csv'``).
        epoch_length: items per epoch; default the number of takes of the split.
        Others: see :class:`~byov.datasets.EgoExoPairDataset` (``pairing`` is fixed).
    """

    def __init__(self, data_root: str, cache_dir: str, pair_list: str = PAIR_LIST,
                 epoch_length: Optional[int] = None, **kwargs):
        if 'pairing' in kwargs and kwargs.pop('pairing') != 'synchronised':
            raise ValueError('SynchronisedEgoExoPairDataset: pairing is always '
                             "'synchronised'; use EgoExoPairDataset for 'pooled' or "
                             "'cross_view'.")
        self.pair_list = pair_list
        self._takes: Optional[np.ndarray] = None
        super().__init__(data_root=data_root, cache_dir=cache_dir, pairing='cross_view',
                         epoch_length=epoch_length, **kwargs)
        self.pairing = 'synchronised'

    def _refuse(self, why: str):
        raise NotSynchronisedError(
            f'SynchronisedEgoExoPairDataset (train_dataloader.dataset, data_root='
            f'{self.data_root}): {why} Synchronised pairs exist only where one take was '
            f'filmed by ego and exo cameras at once: of the AE2 datasets '
            f'{" and ".join(SYNCHRONISED_AE2)}, given a pair list; not '
            f'{" or ".join(UNSYNCHRONISED_AE2)}, nor the synthetic benchmark. Train an '
            'objective for unpaired videos there (EgoExoPairDataset with TCC, soft-DTW, '
            'single-view TCNLoss, ...).')

    def full_init(self):
        if self._fully_initialized:
            return
        if osp.isfile(osp.join(self.data_root, SYNTHETIC_META)):
            self._refuse('this is byov\'s synthetic benchmark, whose ego and exo videos '
                         'are separate takes (each draws its own scene and timeline).')
        path = osp.join(self.data_root, self.pair_list)
        if not osp.isfile(path):
            self._refuse(f'the pair list {path} (option pair_list) does not exist. Write '
                         'one line "ego_name,exo_name" per take (video base names), from '
                         'the source dataset\'s take ids.')
        super().full_init()
        infos = [self.get_data_info(i) for i in range(self.num_videos)]
        index = {(info['view'], info['video_name']): i for i, info in enumerate(infos)}
        takes = []
        for ego, exo, line_no in read_pair_list(path):
            for name, view, other in ((ego, 'ego', 'exo'), (exo, 'exo', 'ego')):
                if (other, name) in index and (view, name) not in index:
                    self._refuse(f'{path} line {line_no} names {name} as an {view} video, '
                                 f'but it is an {other} video of split "{self.split}"; '
                                 'write "ego_name,exo_name".')
            if ('ego', ego) in index and ('exo', exo) in index:
                takes.append((index['ego', ego], index['exo', exo]))
        if not takes:
            self._refuse(f'{path} names no take whose ego and exo videos are both in split '
                         f'"{self.split}".')
        self._takes = np.asarray(takes, dtype=np.int64)

    @property
    def takes(self) -> np.ndarray:
        """``[P, 2]`` video indices (ego, exo) of the split's takes."""
        self.full_init()
        return self._takes

    def __len__(self) -> int:
        return self.epoch_length or len(self.takes)

    def draw_pair(self, rng: np.random.Generator):
        """The (ego, exo) video indices of a take drawn at random."""
        ego, exo = self.takes[int(rng.integers(len(self.takes)))]
        return int(ego), int(exo)
