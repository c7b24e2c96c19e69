"""LAV: learning by aligning videos (soft-DTW + contrastive inverse difference moment).

Reference: Haresh et al., "Learning by Aligning Videos in Time" (CVPR 2021), ``losses.py``
(``LAV``, ``Contrastive_IDM``, ``TCC``), ``soft_dtw.py`` and ``config.py`` of
trquhuytin/LAV-CVPR21.

Per pair (a, b) of L2-normalised embeddings, N frames each in the reference:

- alignment: ``sdtw(a, b)``, Cuturi and Blondel's soft-DTW on the squared Euclidean
  distances ``D_ij = ||a_i - b_j||^2`` with the log-sum-exp soft-min of temperature
  ``gamma`` (0.1), not normalised (``SDTW_NORMALIZE = False``): byov's
  :func:`~byov.models.alignment.soft_dtw.soft_dtw` with ``softmin='logsumexp'`` on that
  cost (AE2's soft-DTW, :class:`SoftDTWLoss`, differs in the cost: a column-wise
  ``-log_softmax`` of dot products, and in the soft-min: softmax-weighted neighbours);
- regulariser, for each clip x with positions ``t_i = s_i / L`` (sampled frame index
  over video length) and self-distances ``D^x_ij = ||x_i - x_j||^2``:
  ``IDM(x) = sum_ij [ W_ij * max(0, margin - D^x_ij) + P_ij * D^x_ij ]`` with
  ``P_ij = 1`` if ``|t_i - t_j| <= sigma / L`` (frames within ``sigma`` frames: pulled
  together) else 0, and ``W_ij = (1 + (t_i - t_j)^2) (1 - P_ij)`` (frames further apart:
  pushed beyond the margin, more so the further apart they are);
- ``loss = [sdtw(a, b) + alpha (IDM(a) + IDM(b))] / N``, averaged over the batch;
  optionally ``+ tcc_weight * TCC(a, b)``, LAV's symmetric cycle-back regression
  (a -> b -> a and b -> a -> b over normalised positions, summed and divided by N + M).

The reference divides by ``TRAIN.NUM_FRAMES``; here that is the first clip's length N.
"""
import torch

from byov.registry import MODELS
from ._checks import AlignmentOptionError, check_pair_steps, check_positive
from .base import BaseAlignmentLoss
from .soft_dtw import soft_dtw
from .tcc import scaled_l2_similarity


def squared_distances(x, y):
    """``||x_i - y_j||^2``: ``x [B, N, E]``, ``y [B, M, E]`` -> ``[B, N, M]`` (as the
    reference: the difference of every pair, squared and summed, so the diagonal of a
    self-distance is exactly 0)."""
    return (x[:, :, None] - y[:, None]).pow(2).sum(-1)


def contrastive_idm(dist, positions, window, margin):
    """LAV's contrastive inverse difference moment of each clip, ``[B]``.

    Args:
        dist: ``[B, T, T]`` squared distances of a clip's own embeddings.
        positions: ``[B, T]`` normalised positions ``s / L`` of its frames.
        window: ``[B]`` the window ``sigma / L`` in normalised positions.
        margin: the hinge margin on the distance of far-apart frames.
    """
    gap = positions[:, :, None] - positions[:, None, :]
    near = (gap.abs() - window[:, None, None]) <= 0
    push = torch.where(near, torch.zeros_like(gap), 1 + gap.pow(2))
    pull = near.to(dist.dtype)
    idm = push * (margin - dist).clamp(min=0) + pull * dist
    return idm.sum((1, 2))


def symmetric_tcc(x, y, pos_x, pos_y, temperature, variance_lambda):
    """LAV's TCC term (``losses.TCC``): cycle-back regression both ways, ``[B]``."""

    def one_way(u, v, pos_u):
        alpha = torch.softmax(scaled_l2_similarity(u, v, temperature), -1)
        beta = torch.softmax(scaled_l2_similarity(torch.matmul(alpha, v), u, temperature), -1)
        pred = (beta * pos_u[:, None, :]).sum(-1)
        var = (beta * (pos_u[:, None, :] - pred[..., None]).pow(2)).sum(-1)
        log_var = torch.log(var)
        return (torch.exp(-log_var) * (pos_u - pred).pow(2) + variance_lambda * log_var).sum(-1)

    return (one_way(x, y, pos_x) + one_way(y, x, pos_y)) / (x.shape[1] + y.shape[1])


@MODELS.register_module()
class LAVLoss(BaseAlignmentLoss):
    """LAV's alignment loss: soft-DTW + alpha x contrastive IDM (+ optional TCC).

    Args:
        alpha (float): weight of the IDM regulariser (``LOSSES.ALPHA``), 0.5.
        sigma (float): the window of the IDM in frames (``LOSSES.SIGMA``), 10.
        margin (float): the hinge margin of the IDM (``LOSSES.IDM_IDX_MARGIN``), 2.0.
        gamma (float): soft-min temperature of soft-DTW (``DTWALIGNMENT.SDTW_GAMMA``), 0.1.
        normalize (bool): L2-normalise the embeddings first (``LOSSES.L2_NORMALIZE``), True.
        tcc_weight (float): weight of LAV's symmetric TCC term, 0 (off; the reference
            trains without it).
        tcc_temperature (float): TCC's similarity temperature, 0.1.
        tcc_variance_lambda (float): TCC's log-variance weight, 0.001.
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs:
        embeds_a ``[B, N, E]``, embeds_b ``[B, M, E]``;
        steps_a ``[B, N]``, steps_b ``[B, M]``: sampled frame indices (default
            ``0..N-1`` / ``0..M-1``);
        lengths ``[B, 2]``: frame counts of the two videos (default: N and M, so the
            positions are ``steps / T``).
    Output: a scalar.

    Differences from the reference: its soft-DTW runs in float64 numpy and returns
    float32 (here the embeddings' dtype throughout); a loss over a batch is computed at
    once instead of a loop over pairs (the same mean).
    """

    uses_pair_frame_inds = True  # AlignmentModel passes steps_a, steps_b and lengths

    def __init__(self, alpha=0.5, sigma=10.0, margin=2.0, gamma=0.1, normalize=True,
                 tcc_weight=0.0, tcc_temperature=0.1, tcc_variance_lambda=0.001,
                 loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        check_positive('sigma', sigma, name)
        check_positive('gamma', gamma, name)
        check_positive('tcc_temperature', tcc_temperature, name)
        for option, value in (('alpha', alpha), ('margin', margin), ('tcc_weight', tcc_weight),
                              ('tcc_variance_lambda', tcc_variance_lambda)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise AlignmentOptionError(f'{name}: {option} must be a number >= 0, got '
                                           f'{value!r}; the reference uses alpha=0.5, '
                                           'margin=2.0, tcc_weight=0 (off).')
        self.alpha = alpha
        self.sigma = sigma
        self.margin = margin
        self.gamma = gamma
        self.normalize = bool(normalize)
        self.tcc_weight = tcc_weight
        self.tcc_temperature = tcc_temperature
        self.tcc_variance_lambda = tcc_variance_lambda

    def forward(self, embeds_a, embeds_b, steps_a=None, steps_b=None, lengths=None):
        self.check_pair(embeds_a, embeds_b)
        name = type(self).__name__
        batch, n, _ = embeds_a.shape
        m = embeds_b.shape[1]
        dtype, device = embeds_a.dtype, embeds_a.device
        steps_a, steps_b, lengths = check_pair_steps(embeds_a, embeds_b, steps_a, steps_b,
                                                     lengths, name)
        if lengths is None:
            lengths = torch.tensor([n, m], device=device, dtype=dtype).expand(batch, 2)
        pos_a, pos_b = steps_a / lengths[:, :1], steps_b / lengths[:, 1:]
        if self.normalize:
            embeds_a = torch.nn.functional.normalize(embeds_a, dim=-1)
            embeds_b = torch.nn.functional.normalize(embeds_b, dim=-1)

        align = soft_dtw(squared_distances(embeds_a, embeds_b), self.gamma, 'logsumexp')
        idm = (contrastive_idm(squared_distances(embeds_a, embeds_a), pos_a,
                               self.sigma / lengths[:, 0], self.margin)
               + contrastive_idm(squared_distances(embeds_b, embeds_b), pos_b,
                                 self.sigma / lengths[:, 1], self.margin))
        loss = (align + self.alpha * idm) / n
        if self.tcc_weight:
            loss = loss + self.tcc_weight * symmetric_tcc(
                embeds_a, embeds_b, pos_a, pos_b, self.tcc_temperature,
                self.tcc_variance_lambda)
        return self.loss_weight * loss.mean()
