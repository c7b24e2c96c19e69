"""AE2's contrastive soft-DTW loss (``--loss dtw_contrastive``).

Reference: AE2 (Xue and Grauman, NeurIPS 2023), ``compute_dtw_alignment_contrastive_loss``
in ``models/dtw_loss.py`` of zihuixue/AlignEgoExo, with the subsets drawn by the training
dataset (``video_align_dataset_bbox.py``) and the per-dataset settings of
``scripts/run.sh``.

Per pair (a, b), with ``c(x, y) = scale * R[N, M]`` the soft-DTW cost of
:class:`~byov.models.alignment.soft_dtw.SoftDTWLoss`:

- positives: ``c(a, b)`` on the whole clips and ``c(a[S_a], b[S_b])`` on a subset of
  ``num_subset`` frames of each clip (sorted, so in temporal order);
- negative: ``c(a[S_a], reversed(b[S_b]))``, the same subset with ``b`` time-reversed;
- hinge: ``max(c_pos_subset - c_neg + margin, 0)``.

``loss = mean(all positives: B whole-clip and B subset costs) + ratio * mean(hinges)``.

Subsets: AE2's best configurations draw ``num_subset`` distinct frames per clip at random,
independently for the two clips, weighted by the detector's object confidence
(``sample_by_bbox``); without boxes its dataset takes the centres of ``num_subset`` equal
segments. ``subset_sampling='random'`` draws uniformly (byov has no boxes),
``'segments'`` takes the segment centres. For cyclic actions (AE2 treats every dataset but
Break Eggs and Tennis Forehand as cyclic) only the first or the second half of the subset
is aligned, each with probability 0.5.

Settings of the reference scripts (``dtw_shuffle_num``, ``dtw_ratio``, cyclic):
Break Eggs 30, 1, no; Pour Liquid 16, 2, yes; Tennis Forehand 10, 4, no (20 frames);
Pour Milk uses the plain soft-DTW loss. Defaults are the reference command-line defaults
(4, 1.0, margin ``dtw_beta`` 0.0).
"""
import torch

from byov.registry import MODELS
from .soft_dtw import SoftDTWLoss

SUBSET_SAMPLINGS = ('random', 'segments')


@MODELS.register_module()
class DTWContrastiveLoss(SoftDTWLoss):
    """AE2's soft-DTW loss with a time-reversed negative.

    Args:
        num_subset (int): frames per clip in the subset (``dtw_shuffle_num``), 4.
        ratio (float): weight of the hinge term (``dtw_ratio``), 1.0.
        margin (float): hinge margin (``dtw_beta``), 0.0.
        cyclic (bool): align only one half of the subset (cyclic actions), False.
        subset_sampling (str): ``'random'`` (default) or ``'segments'``.
        temperature, gamma, scale, softmin, loss_weight: the soft-DTW cost ``c`` of the
            parent :class:`~byov.models.alignment.soft_dtw.SoftDTWLoss`
            (0.1, 0.1, 0.01, 'prob', 1.0).

    Inputs: ``embeds_a [B, N, E]``, ``embeds_b [B, M, E]`` with N, M >= ``num_subset``.
    Output: a scalar. Randomness comes from torch's global generator.
    """

    def __init__(self, num_subset=4, ratio=1.0, margin=0.0, cyclic=False,
                 subset_sampling='random', temperature=0.1, gamma=0.1, scale=0.01,
                 softmin='prob', loss_weight=1.0):
        super().__init__(temperature=temperature, gamma=gamma, scale=scale, softmin=softmin,
                         loss_weight=loss_weight)
        name = type(self).__name__
        min_subset = 2 if cyclic else 1
        if isinstance(num_subset, bool) or not isinstance(num_subset, int) \
                or num_subset < min_subset:
            raise ValueError(f'{name}: num_subset must be an int >= {min_subset} '
                             f'(cyclic={cyclic}), got {num_subset!r}.')
        if not ratio >= 0:
            raise ValueError(f'{name}: ratio must be >= 0, got {ratio!r}.')
        if not margin >= 0:
            raise ValueError(f'{name}: margin must be >= 0, got {margin!r}.')
        if subset_sampling not in SUBSET_SAMPLINGS:
            raise ValueError(f'{name}: subset_sampling must be one of {SUBSET_SAMPLINGS}, '
                             f'got {subset_sampling!r}.')
        self.num_subset = num_subset
        self.ratio = ratio
        self.margin = margin
        self.cyclic = cyclic
        self.subset_sampling = subset_sampling

    def sample_subset(self, batch, length, device):
        """``[B, num_subset]`` sorted frame indices of one clip of ``length`` frames."""
        if self.subset_sampling == 'segments':
            segment = length // self.num_subset
            centres = (torch.arange(self.num_subset, device=device) + 0.5) * segment
            return centres.long().expand(batch, -1)
        noise = torch.rand(batch, length, device=device)
        return noise.argsort(dim=1)[:, :self.num_subset].sort(dim=1).values

    def subset_costs(self, sub_a, sub_b):
        """Positive and time-reversed negative costs of aligned subsets, ``[B]`` each."""
        batch = sub_a.shape[0]
        costs = self.pair_cost(torch.cat([sub_a, sub_a]),
                               torch.cat([sub_b, sub_b.flip(1)]))
        return costs[:batch], costs[batch:]

    def forward(self, embeds_a, embeds_b):
        self.check_pair(embeds_a, embeds_b)
        batch, n, _ = embeds_a.shape
        m = embeds_b.shape[1]
        if min(n, m) < self.num_subset:
            raise ValueError(f'{type(self).__name__}: clips of {n} and {m} frames are '
                             f'shorter than num_subset={self.num_subset}.')
        whole = self.pair_cost(embeds_a, embeds_b)

        index_a = self.sample_subset(batch, n, embeds_a.device)
        index_b = self.sample_subset(batch, m, embeds_b.device)
        sub_a = torch.gather(embeds_a, 1, index_a[..., None].expand(-1, -1, embeds_a.shape[2]))
        sub_b = torch.gather(embeds_b, 1, index_b[..., None].expand(-1, -1, embeds_b.shape[2]))
        if self.cyclic:
            # each pair aligns the first or the second half of its subset
            half = self.num_subset // 2
            second = torch.rand(batch, device=embeds_a.device) < 0.5
            pos = whole.new_empty(batch)
            neg = whole.new_empty(batch)
            for chosen, part in ((~second, slice(None, half)), (second, slice(half, None))):
                if chosen.any():
                    pos[chosen], neg[chosen] = self.subset_costs(sub_a[chosen][:, part],
                                                                 sub_b[chosen][:, part])
        else:
            pos, neg = self.subset_costs(sub_a, sub_b)

        hinge = (pos - neg + self.margin).clamp(min=0)
        loss = torch.cat([whole, pos]).mean() + self.ratio * hinge.mean()
        return self.loss_weight * loss
