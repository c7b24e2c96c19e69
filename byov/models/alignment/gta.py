"""GTA: smooth-min DTW with global cycle consistency.

Reference: Hadji, Derpanis and Jepson, "Representation Learning via Global Temporal
Alignment and Cycle-Consistency" (CVPR 2021), ``compute_dtw_alignment_consistency_loss``
and ``smoothDTW`` in ``d2tw/smoothDTW.py`` of hadjisma/VideoAlignment (TensorFlow 2),
with the defaults of its ``config.py`` (``D2TW_consistency``, ``REVCONS = True``,
``D2TW_NORM = True``, ``dtw_prob``, ``gamma_s = gamma_f = 0.1``, label smoothing 0.1,
L2-normalised 128-d embeddings).

Per pair (a: N frames, b: M frames):

- cost ``C^{ab} = -log_softmax(a @ b^T / gamma_f)`` over the frames of a (each column a
  distribution: :func:`~byov.models.alignment.soft_dtw.dtw_cost`);
- smooth-min DTW table ``R^{ab}`` (``R[0, 0] = 0``, borders excluded,
  ``R[i, j] = C[i-1, j-1] + sum_k w_k r_k`` over the three neighbours with
  ``w = softmax(-r / gamma_s)``): the same table as AE2's :class:`SoftDTWLoss`, kept
  whole here (:func:`soft_dtw_table`) because the cycle reads every cell;
- ``A^{ab} = softmax(-R^{ab}[1:, 1:])`` over the rows (frames of a), ``[N, M]``; the same
  from b to a gives ``A^{ba} [M, N]``;
- global cycle consistency: ``Q = (A^{ab} A^{ba})^T`` ``[N, N]``; each row i of Q is
  taken as logits of a classifier over the N frames, with target frame i:
  ``cycle = mean_i CE(softmax(Q_i), (1 - s) onehot(i) + s / N)`` (label smoothing s);
- ``loss = cycle + dtw_weight (R^{ab}[N, M] + R^{ba}[M, N])``, ``dtw_weight = 0.1``,
  all terms averaged over the batch.

The reference aligns the first video of a batch with each of the others (B - 1 pairs);
here every training pair (a, b) is one such pair. Its table is float32 with
``float32.max`` on the border; here the border is left out of the soft-min exactly
(weight 0), which is what the large value achieves.
"""
import torch
import torch.nn.functional as F

from byov.registry import MODELS
from ._checks import AlignmentOptionError, check_positive
from .base import BaseAlignmentLoss
from .soft_dtw import SOFTMIN_TYPES, _antidiagonal_layout, _softmin, dtw_cost


def soft_dtw_table(cost, gamma=0.1, softmin='prob'):
    """The whole soft-DTW table ``R[1:, 1:]`` ``[B, N, M]``, differentiable.

    The same recursion as :func:`~byov.models.alignment.soft_dtw.soft_dtw` (one
    anti-diagonal of the whole batch at a time), with every diagonal kept and autograd
    taping the steps, so that any function of the table (GTA's cycle) can be trained.
    ``soft_dtw_table(c)[:, -1, -1]`` equals ``soft_dtw(c)``.

    Args:
        cost: ``[B, N, M]`` pairwise cost.
        gamma: soft-min temperature.
        softmin: ``'prob'`` (softmax-weighted neighbours, GTA's ``dtw_prob``) or
            ``'logsumexp'`` (``dtw_minGamma``).
    """
    check_positive('gamma', gamma, 'soft_dtw_table')
    if softmin not in SOFTMIN_TYPES:
        raise AlignmentOptionError(
            f'soft_dtw_table: softmin must be one of {SOFTMIN_TYPES}, got {softmin!r}.')
    if cost.dim() != 3:
        raise ValueError(f'soft_dtw_table takes a cost [B, N, M], got {tuple(cost.shape)}.')
    batch, n, m = cost.shape
    interior, gather, scatter, penalty = _antidiagonal_layout(n, m, cost.dtype, cost.device)
    skewed = cost.reshape(batch, n * m)[:, gather].reshape(batch, n + m + 1, n + 1)
    prev2 = cost.new_zeros(batch, n + 2)  # diagonal 0: R[0, 0] = 0
    prev1 = cost.new_zeros(batch, n + 2)  # diagonal 1: borders only
    diagonals = [prev2[:, 1:], prev1[:, 1:]]
    for d in range(2, n + m + 1):
        neighbours = torch.stack([prev1[:, 1:], prev2[:, :-1], prev1[:, :-1]], dim=-1)
        soft = _softmin(neighbours, penalty[d], gamma, softmin)
        value = torch.where(interior[d], skewed[:, d] + soft, 0.0)
        diagonals.append(value)
        prev2, prev1 = prev1, F.pad(value, (1, 0))
    table = torch.stack(diagonals, dim=1)  # [B, N+M+1, N+1], (d, i) holds R[i, d - i]
    return table.reshape(batch, -1)[:, scatter].reshape(batch, n, m)


@MODELS.register_module()
class GTALoss(BaseAlignmentLoss):
    """GTA's loss: smooth-min DTW both ways plus global cycle consistency.

    Args:
        temperature (float): similarity temperature of the cost (``DTW_GAMMA_F``), 0.1.
        gamma (float): soft-min temperature (``DTW_GAMMA_S``), 0.1.
        softmin (str): ``'prob'`` (``dtw_prob``, default) or ``'logsumexp'``
            (``dtw_minGamma``).
        dtw_weight (float): factor on each direction's final cell, 0.1.
        cycle_weight (float): factor on the cycle-consistency term, 1.0 (0: GTA's
            ``REVCONS = False``).
        label_smoothing (float): of the cycle's targets, in [0, 1), 0.1.
        normalize (bool): L2-normalise the embeddings first, True (GTA's embedder does;
            its "cosine" similarity is the dot product of normalised vectors).
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs: ``embeds_a [B, N, E]``, ``embeds_b [B, M, E]``. Output: a scalar.

    Difference from the reference: GTA's ``TRAIN.SKIP_FRAMES`` (1, off: every frame of
    the anchor) is left out.
    """

    def __init__(self, temperature=0.1, gamma=0.1, softmin='prob', dtw_weight=0.1,
                 cycle_weight=1.0, label_smoothing=0.1, normalize=True, loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        check_positive('temperature', temperature, name)
        check_positive('gamma', gamma, name)
        if softmin not in SOFTMIN_TYPES:
            raise AlignmentOptionError(f'{name}: softmin must be one of {SOFTMIN_TYPES}, '
                                       f'got {softmin!r}.')
        for option, value in (('dtw_weight', dtw_weight), ('cycle_weight', cycle_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise AlignmentOptionError(f'{name}: {option} must be a number >= 0, got '
                                           f'{value!r}.')
        if not dtw_weight and not cycle_weight:
            raise AlignmentOptionError(f'{name}: dtw_weight and cycle_weight are both 0, '
                                       'nothing to train; the reference uses 0.1 and 1.0.')
        if isinstance(label_smoothing, bool) or not 0 <= label_smoothing < 1:
            raise AlignmentOptionError(f'{name}: label_smoothing must be in [0, 1), got '
                                       f'{label_smoothing!r}; the reference uses 0.1.')
        self.temperature = temperature
        self.gamma = gamma
        self.softmin = softmin
        self.dtw_weight = dtw_weight
        self.cycle_weight = cycle_weight
        self.label_smoothing = label_smoothing
        self.normalize = bool(normalize)

    def forward(self, embeds_a, embeds_b):
        self.check_pair(embeds_a, embeds_b)
        if self.normalize:
            embeds_a = F.normalize(embeds_a, dim=-1)
            embeds_b = F.normalize(embeds_b, dim=-1)
        batch, n, _ = embeds_a.shape
        m = embeds_b.shape[1]
        if n == m:  # one table computation for both directions
            tables = soft_dtw_table(
                dtw_cost(torch.cat([embeds_a, embeds_b]), torch.cat([embeds_b, embeds_a]),
                         self.temperature), self.gamma, self.softmin)
            table_ab, table_ba = tables[:batch], tables[batch:]
        else:
            table_ab = soft_dtw_table(dtw_cost(embeds_a, embeds_b, self.temperature),
                                      self.gamma, self.softmin)
            table_ba = soft_dtw_table(dtw_cost(embeds_b, embeds_a, self.temperature),
                                      self.gamma, self.softmin)
        loss = self.dtw_weight * (table_ab[:, -1, -1].mean() + table_ba[:, -1, -1].mean())
        if self.cycle_weight:
            soft_ab = torch.softmax(-table_ab, dim=1)                     # [B, N, M]
            soft_ba = torch.softmax(-table_ba, dim=1)                     # [B, M, N]
            cycle = torch.matmul(soft_ab, soft_ba).transpose(1, 2)        # [B, N, N]
            target = torch.arange(n, device=cycle.device).expand(batch, n)
            ce = F.cross_entropy(cycle.reshape(batch * n, n), target.reshape(-1),
                                 label_smoothing=self.label_smoothing)
            loss = loss + self.cycle_weight * ce
        return self.loss_weight * loss
