"""ActorObserverNet's objective: a triplet ranking loss between first- and third-person
frames, weighted by learned soft mining.

Reference: Sigurdsson et al., "Actor and Observer: Joint Modeling of First and
Third-Person Videos" (CVPR 2018), code gsig/actor-observer: the model
``models/ActorObserverBase.py`` / ``ActorObserverBaseNoShare.py`` (the heads) and the
criterion ``models/layers/ActorObserverLoss.py`` / ``ActorObserverLossAll.py`` with
``DistRatio``, ``VideoSoftmax`` and ``EqualizeGradNorm``; the paper's run
(``exp/third_to_first_person.py``) uses ``ActorObserverBaseNoShare``,
``ActorObserverLossAll``, ``DistRatio`` and ``--decay 0.95`` (``--finaldecay`` 0.9).
"""
import math
import random
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from byov.registry import MODELS
from ._checks import check_positive
from .base import BaseAlignmentLoss
from .tcn import TCNClipLengthError


class _EqualGradNorms(torch.autograd.Function):
    """Identity forward; backward scales each input's gradient to the norm of the first
    one's (``(|g_0| + 1e-5) / (|g_i| + 1e-5)``), so the five terms of the loss pull
    with equal strength."""

    @staticmethod
    def forward(ctx, *inputs):
        return tuple(x.clone() for x in inputs)

    @staticmethod
    def backward(ctx, *grads):
        ref = grads[0].norm() + 1e-5
        return tuple(g * (ref / (g.norm() + 1e-5)) for g in grads)


def _log_add_exp(a: float, b: float) -> float:
    return math.log1p(math.exp(-abs(a - b))) + max(a, b)


class _WeightHead(nn.Module):
    """``tanh(Linear(E, 1)(x)) * exp(log_scale)``: one soft-mining weight per frame."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.fc = nn.Linear(in_channels, 1)
        self.log_scale = nn.Parameter(torch.tensor([math.log(0.5)]))

    def forward(self, x):
        return torch.tanh(self.fc(x)).view(-1) * torch.exp(self.log_scale)


@MODELS.register_module()
class ActorObserverLoss(BaseAlignmentLoss):
    """ActorObserverNet's soft-mined triplet loss on synchronised ego-exo pairs.

    Triplets: for frame t of a pair (view a = ego, view b = exo, the same moments), the
    third-person frame ``y = b_t`` is the anchor, the first-person frame at the same time
    ``x = a_t`` the positive, and a first-person frame ``z = a_j`` of the same take far
    from t the negative (``j`` drawn at random among the frames whose time differs from
    ``t``'s by more than ``negative_gap`` of the clip's time span; frames with no such
    ``j`` give no triplet). With ``d_a = ||x - y||``, ``d_b = ||y - z||``:

    ``l = -log(exp(-d_a) / (exp(-d_a) + exp(-d_b)))`` (``DistRatio``),
    raw weights ``r_x = tanh(f_x(x)) * s_x``, ``r_y = tanh(f_y(y)) * s_y``,
    ``r_z = tanh(f_z(z)) * s_z`` (linear heads f, learned scales s, initially 0.5),
    soft mining ``w = exp(r_x - c_x) * exp(r_y - c_y) * exp(r_z - c_z)`` where ``c`` is
    a running log-sum-exp of the raw weights of the same take (decay ``softmax_decay``:
    ``c <- log(decay e^c + (1 - decay) e^r)`` per triplet), so that ``w`` is a softmax
    over the frames of a take; and

    ``loss = sum_k (l_k - K) w_k / n``, ``n = (sum_k w_k + 1e-5) / num_triplets``,

    with ``K`` a running w-weighted mean of ``l`` over all triplets (decay
    ``baseline_decay``), a constant baseline. The gradients of ``d_a``, ``d_b`` and the
    three normalised weights are rescaled to the norm of ``d_a``'s
    (``EqualizeGradNorm``). The running values carry no gradient.

    Args:
        in_channels (int | None): embedding width E of the weight heads; the model sets
            it.
        negative_gap (float): a negative is further from its anchor than this fraction of
            the clip's time span, 1/3 (the reference: more than 10 s, in Charades-Ego
            videos of about 30 s).
        softmax_decay (float): decay of the per-take log-sum-exp, 0.95 (the paper's run;
            the code's default is 0.9).
        baseline_decay (float): decay of the loss baseline ``K``, 0.9 (``finaldecay``).
        share_negative_head (bool): one head for the positive and the negative ego frame
            (``ActorObserverBase``) instead of two (``ActorObserverBaseNoShare``, the
            paper's run), False.
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs: ``embeds_a [B, T, E]`` (ego), ``embeds_b [B, T, E]`` (exo, the same moments);
    ``steps [B, T]``: the frame indices of view a (positions 0..T-1 when absent);
    ``video_names``: per pair the (ego, exo) names, the take that keys the running
    softmax (one shared key when absent). Output: a scalar.

    What differs here: the reference embeds single frames with a ResNet-152 and mines
    triplets over whole Charades-Ego videos (every 4th third-person frame, the negative
    more than 10 s away); here the embeddings are BYOV's temporal encoder's and the
    triplets come from the T frames of a training clip, with the gap relative to the
    clip. The reference's margin argument is unused by ``DistRatio`` and absent here.
    The running statistics are plain attributes, not saved in checkpoints (as in the
    reference), so a resumed run starts them afresh.
    """

    uses_frame_inds = True
    uses_video_names = True
    needs_synchronised_pairs = True

    def __init__(self, in_channels: Optional[int] = None, negative_gap: float = 1 / 3,
                 softmax_decay: float = 0.95, baseline_decay: float = 0.9,
                 share_negative_head: bool = False, loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        if in_channels is None or isinstance(in_channels, bool) or \
                not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'{name}: in_channels must be the embedding width (an int >= '
                             f'1), got {in_channels!r}; leave it out of the config inside '
                             'an AlignmentModel, which sets it.')
        if not 0 <= negative_gap < 1:
            raise ValueError(f'{name}: negative_gap must be in [0, 1) (a fraction of the '
                             f'clip\'s time span), got {negative_gap!r}.')
        for key, value in dict(softmax_decay=softmax_decay,
                               baseline_decay=baseline_decay).items():
            check_positive(key, value, name)
            if not value < 1:
                raise ValueError(f'{name}: {key} must be in (0, 1), got {value!r}.')
        self.in_channels = in_channels
        self.negative_gap = negative_gap
        self.softmax_decay = softmax_decay
        self.baseline_decay = baseline_decay
        self.share_negative_head = share_negative_head
        self.positive_head = _WeightHead(in_channels)
        self.third_head = _WeightHead(in_channels)
        self.negative_head = _WeightHead(in_channels)
        if share_negative_head:  # the reference shares the fc layer, not the scale
            self.negative_head.fc = self.positive_head.fc
        self.reset_running_stats()

    def reset_running_stats(self):
        """Forget the per-take log-sum-exps and the loss baseline."""
        self._log_norms: List[Dict[str, float]] = [{}, {}, {}]  # x, y, z
        self._baseline: Optional[List[float]] = None            # [value, weight]

    def _soft_weights(self, raw: torch.Tensor, ids: Sequence[str],
                      log_norms: Dict[str, float]) -> torch.Tensor:
        """``exp(raw - c[take])`` after folding ``raw`` into the running ``c`` (in
        order, one triplet after the other, as the reference)."""
        decay = self.softmax_decay
        for value, key in zip(raw.detach().tolist(), ids):
            if key not in log_norms:
                log_norms[key] = value
            else:
                log_norms[key] = _log_add_exp(math.log(decay) + log_norms[key],
                                              math.log(1 - decay) + value)
        consts = raw.new_tensor([log_norms[k] for k in ids])
        return torch.exp(raw - consts)

    def _update_baseline(self, losses: torch.Tensor, weights: torch.Tensor) -> float:
        decay = self.baseline_decay
        for value, weight in zip(losses.detach().tolist(), weights.detach().tolist()):
            if self._baseline is None:
                self._baseline = [value, weight]
                continue
            old_value, old_weight = self._baseline
            new_weight = (1 - decay) * weight + decay * old_weight
            self._baseline = [((1 - decay) * weight * value
                               + decay * old_weight * old_value) / new_weight, new_weight]
        return self._baseline[0]

    def triplet_loss(self, first_pos: torch.Tensor, third: torch.Tensor,
                     first_neg: torch.Tensor, ids: Sequence[str]) -> torch.Tensor:
        """The loss of K triplets: ``first_pos``, ``third``, ``first_neg`` ``[K, E]``,
        ``ids`` the take of each (K strings). Updates the running statistics."""
        dist_a = F.pairwise_distance(first_pos, third, 2).view(-1)
        dist_b = F.pairwise_distance(third, first_neg, 2).view(-1)
        raws = (self.positive_head(first_pos), self.third_head(third),
                self.negative_head(first_neg))
        w_x, w_y, w_z = (self._soft_weights(r, ids, norms)
                         for r, norms in zip(raws, self._log_norms))
        dist_a, dist_b, w_x, w_y, w_z = _EqualGradNorms.apply(dist_a, dist_b, w_x, w_y, w_z)
        weights = w_x * w_y * w_z
        # -log softmax of -d_a against -d_b, as the reference's DistRatio
        losses = dist_a + torch.log(torch.exp(-dist_a) + torch.exp(-dist_b))
        baseline = self._update_baseline(losses, weights)
        norm = (weights.sum() + 1e-5) / weights.shape[0]
        return ((losses - baseline) * (weights / norm)).sum()

    def triplets(self, steps: torch.Tensor):
        """Indices ``(pair, t, j)`` of the triplets of a batch: for every frame t of
        every pair, one negative frame j drawn at random (Python's ``random``, which
        mmengine's runner seeds) among the frames further than ``negative_gap`` of the
        clip's time span from t; frames without one are left out."""
        pairs, anchors, negatives = [], [], []
        for b, row in enumerate(steps.tolist()):
            span = max(row) - min(row)
            for t, step in enumerate(row):
                far = [j for j, other in enumerate(row)
                       if abs(other - step) > self.negative_gap * span]
                if far:
                    pairs.append(b)
                    anchors.append(t)
                    negatives.append(random.choice(far))
        return pairs, anchors, negatives

    def forward(self, embeds_a, embeds_b, steps=None, video_names=None):
        self.check_pair(embeds_a, embeds_b)
        batch, num_frames = embeds_a.shape[:2]
        name = type(self).__name__
        if embeds_b.shape[1] != num_frames:
            raise TCNClipLengthError(
                f'{name} pairs frame t of the ego clip with frame t of the exo clip, so '
                f'both need the same length; got {num_frames} and {embeds_b.shape[1]}.')
        if steps is None:
            steps = torch.arange(num_frames).expand(batch, num_frames)
        if video_names is None:
            takes = ['all'] * batch
        else:
            takes = ['|'.join(map(str, names)) for names in video_names]
        pairs, anchors, negatives = self.triplets(steps)
        if not pairs:
            raise ValueError(
                f'{name}: no frame of the batch has a negative further than negative_gap='
                f'{self.negative_gap} of its clip\'s time span; lower negative_gap or use '
                'longer clips.')
        pairs = torch.tensor(pairs, device=embeds_a.device)
        anchors = torch.tensor(anchors, device=embeds_a.device)
        negatives = torch.tensor(negatives, device=embeds_a.device)
        loss = self.triplet_loss(embeds_a[pairs, anchors], embeds_b[pairs, anchors],
                                 embeds_a[pairs, negatives],
                                 [takes[b] for b in pairs.tolist()])
        return self.loss_weight * loss
