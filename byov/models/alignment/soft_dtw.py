"""Soft-DTW in the GTA / AE2 form, computed over anti-diagonals.

Reference: AE2 (Xue and Grauman, NeurIPS 2023), ``models/dtw_loss.py`` of
zihuixue/AlignEgoExo, which follows GTA (Hadji et al., CVPR 2021):

- cost ``C = -log_softmax(a @ b^T / temperature, dim=frames of a)``: every column j is a
  distribution over the frames of ``a`` (the "column-normalised" cost); the similarity is
  the plain dot product (the reference calls it 'cosine' but does not normalise);
- table ``R[0, 0] = 0``, ``R[i, 0] = R[0, j] = +inf`` and, for i, j >= 1,
  ``R[i, j] = C[i-1, j-1] + softmin(R[i, j-1], R[i-1, j-1], R[i-1, j])``;
- the reference's soft-min (``softning='dtw_prob'``) is the softmax-weighted mean of the
  three neighbours, ``sum_k w_k r_k`` with ``w = softmax(-r / gamma)``; the classical
  soft-min ``-gamma * logsumexp(-r / gamma)`` (``'dtw_minGamma'``) is the other option;
- the loss is ``scale * R[N, M]``, averaged over the batch (scale 0.01).

The reference fills the table cell by cell in a Python double loop and copies the whole
table for every cell. Here cell (i, j) only needs cells on the anti-diagonals
``i + j - 1`` and ``i + j - 2``, so each anti-diagonal of the whole batch is computed at
once, in the forward and in the backward pass (:func:`soft_dtw`).
:func:`soft_dtw_reference` keeps the plain double loop (without the copies) for the tests
and the benchmark.
"""
import torch
import torch.nn.functional as F

from byov.registry import MODELS
from ._checks import check_positive
from .base import BaseAlignmentLoss

SOFTMIN_TYPES = ('prob', 'logsumexp')


def dtw_cost(embeds_a, embeds_b, temperature=0.1):
    """Column-normalised alignment cost of AE2/GTA.

    Args:
        embeds_a: ``[B, N, E]``.
        embeds_b: ``[B, M, E]``.
        temperature: the similarity is divided by it before the softmax.

    Returns:
        ``[B, N, M]``: ``-log_softmax(a @ b^T / temperature)`` over the N frames of ``a``.
    """
    sim = torch.matmul(embeds_a, embeds_b.transpose(1, 2))
    return -F.log_softmax(sim / temperature, dim=1)


def _softmin(neighbours, penalty, gamma, softmin, with_jacobian=False):
    """Soft-min over the last dimension (the three neighbours of a cell).

    ``penalty`` is 0 for a usable neighbour and the dtype's lowest value for one on the
    +inf border: its weight is exactly 0 and it never enters the result (as with +inf in
    the reference), while every tensor stays finite. A cell with no usable neighbour gets
    a finite value that the caller discards.

    Returns:
        the soft-min, or with ``with_jacobian`` ``(value, jacobian)``: also its derivative
        with respect to each neighbour (same shape as ``neighbours``). For ``'prob'``,
        ``V = sum_k w_k r_k`` with ``w = softmax(-r / gamma)``, so
        ``dV/dr_k = w_k (1 - (r_k - V) / gamma)``; for ``'logsumexp'``, ``dV/dr_k = w_k``.
    """
    logits = neighbours * (-1.0 / gamma) + penalty
    weights = torch.softmax(logits, dim=-1)
    if softmin == 'prob':
        value = (weights * neighbours).sum(-1)
        jacobian = weights * (1 - (neighbours - value[..., None]) / gamma)
    else:
        value = -gamma * torch.logsumexp(logits, dim=-1)
        jacobian = weights
    return (value, jacobian) if with_jacobian else value


def _check_softmin(gamma, softmin):
    check_positive('gamma', gamma, 'soft_dtw')
    if softmin not in SOFTMIN_TYPES:
        raise ValueError(f'soft_dtw: softmin must be one of {SOFTMIN_TYPES}, got {softmin!r}.')


def _antidiagonal_layout(n, m, dtype, device):
    """Index tensors that lay an ``N x M`` table out by anti-diagonals.

    Anti-diagonal d holds the cells (i, j = d - i), stored as a vector over the row i
    with one leading pad: position i + 1 holds ``R[i, d - i]`` for i = 0..N. Positions
    outside the table or on its +inf border hold 0 and are flagged as unusable. Cell
    (i, j) then reads its neighbours as plain slices of the two previous diagonals:
    ``left = R[i, j-1]`` (diagonal d - 1, position i + 1), ``up = R[i-1, j]`` (diagonal
    d - 1, position i) and ``diag = R[i-1, j-1]`` (diagonal d - 2, position i).

    Returns:
        interior ``[N+M+1, N+1]`` bool: (d, i) is a real cell (1 <= i <= N, 1 <= j <= M);
        gather ``[(N+M+1) (N+1)]``: flat cost index of each (d, i) (clamped where not real);
        scatter ``[N M]``: flat (d, i) index of each cost cell;
        penalty ``[N+M+1, N+1, 3]``: soft-min penalty of the neighbours (left, diag, up).
    """
    rows = torch.arange(n + 1, device=device)
    cols = torch.arange(n + m + 1, device=device)[:, None] - rows
    interior = (rows >= 1) & (cols >= 1) & (cols <= m)
    gather = ((rows - 1).clamp(min=0) * m + (cols - 1).clamp(0, m - 1)).reshape(-1)
    i, j = torch.meshgrid(torch.arange(1, n + 1, device=device),
                          torch.arange(1, m + 1, device=device), indexing='ij')
    scatter = ((i + j) * (n + 1) + i).reshape(-1)

    # a neighbour is usable if it is a real cell or the origin R[0, 0] = 0
    usable = F.pad(interior, (1, 0))  # [N+M+1, N+2] in the padded layout
    usable[0, 1] = True
    neighbour_usable = torch.zeros(n + m + 1, n + 1, 3, dtype=torch.bool, device=device)
    neighbour_usable[1:, :, 0] = usable[:-1, 1:]   # left
    neighbour_usable[2:, :, 1] = usable[:-2, :-1]  # diag
    neighbour_usable[1:, :, 2] = usable[:-1, :-1]  # up
    penalty = torch.zeros(neighbour_usable.shape, dtype=dtype, device=device)
    penalty = penalty.masked_fill(~neighbour_usable, torch.finfo(dtype).min)
    return interior, gather, scatter, penalty


class _AntiDiagonalSoftDTW(torch.autograd.Function):
    """Forward: the table one anti-diagonal at a time, keeping each cell's soft-min
    derivatives. Backward: the adjoint ``dR[N, M] / dR[i, j]`` flows back one
    anti-diagonal at a time through those derivatives; ``dR[N, M] / dC[i-1, j-1]`` is the
    adjoint of cell (i, j). Checked against autograd through :func:`soft_dtw_reference`."""

    @staticmethod
    def forward(ctx, cost, gamma, softmin):
        batch, n, m = cost.shape
        interior, gather, scatter, penalty = _antidiagonal_layout(n, m, cost.dtype, cost.device)
        skewed = cost.reshape(batch, n * m)[:, gather].reshape(batch, n + m + 1, n + 1)
        jacobian = cost.new_zeros(batch, n + m + 1, n + 1, 3)
        prev2 = cost.new_zeros(batch, n + 2)  # diagonal 0: R[0, 0] = 0
        prev1 = cost.new_zeros(batch, n + 2)  # diagonal 1: borders only
        for d in range(2, n + m + 1):
            neighbours = torch.stack([prev1[:, 1:], prev2[:, :-1], prev1[:, :-1]], dim=-1)
            soft, jacobian[:, d] = _softmin(neighbours, penalty[d], gamma, softmin,
                                            with_jacobian=True)
            value = torch.where(interior[d], skewed[:, d] + soft, 0.0)
            prev2, prev1 = prev1, F.pad(value, (1, 0))
        jacobian *= interior[..., None]  # cells outside the table pass nothing back
        ctx.save_for_backward(jacobian, scatter)
        ctx.table_shape = (batch, n, m)
        return prev1[:, n + 1]

    @staticmethod
    def backward(ctx, grad_output):
        jacobian, scatter = ctx.saved_tensors
        batch, n, m = ctx.table_shape
        adjoint = grad_output.new_zeros(batch, n + m + 1, n + 2)  # padded layout
        adjoint[:, n + m, n + 1] = grad_output
        for d in range(n + m, 1, -1):
            own = adjoint[:, d, 1:]
            adjoint[:, d - 1, 1:] += own * jacobian[:, d, :, 0]   # left
            adjoint[:, d - 2, :-1] += own * jacobian[:, d, :, 1]  # diag
            adjoint[:, d - 1, :-1] += own * jacobian[:, d, :, 2]  # up
        grad_cost = adjoint[:, :, 1:].reshape(batch, -1)[:, scatter].reshape(batch, n, m)
        return grad_cost, None, None


def soft_dtw(cost, gamma=0.1, softmin='prob'):
    """Final cell ``R[N, M]`` of the soft-DTW table, one anti-diagonal at a time.

    Each anti-diagonal of the whole batch is computed by a few tensor operations from the
    two previous ones (see :func:`_antidiagonal_layout`), forward and backward, with the
    gradient written out (:class:`_AntiDiagonalSoftDTW`) rather than taped by autograd,
    which halves the time. First-order gradients only.

    Args:
        cost: ``[B, N, M]`` pairwise cost (see :func:`dtw_cost`).
        gamma: soft-min temperature.
        softmin: ``'prob'`` (AE2's default, softmax-weighted neighbours) or
            ``'logsumexp'`` (classical soft-min).

    Returns:
        ``[B]``: ``R[N, M]`` for every pair.
    """
    _check_softmin(gamma, softmin)
    if cost.dim() != 3:
        raise ValueError(f'soft_dtw takes a cost [B, N, M], got {tuple(cost.shape)}.')
    return _AntiDiagonalSoftDTW.apply(cost, gamma, softmin)


def soft_dtw_reference(cost, gamma=0.1, softmin='prob'):
    """The same table as :func:`soft_dtw`, filled by a plain double loop (slow).

    Each cell holds a ``[B]`` tensor; a cell's soft-min runs over those of its three
    neighbours that exist (the +inf borders are simply left out), and autograd tapes every
    operation. Kept for tests (the oracle of :func:`soft_dtw`'s values and gradients) and
    the speed benchmark.

    Args / returns: as :func:`soft_dtw`.
    """
    _check_softmin(gamma, softmin)
    batch, n, m = cost.shape
    table = [[None] * (m + 1) for _ in range(n + 1)]  # None: +inf border
    table[0][0] = cost.new_zeros(batch)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            neighbours = [table[i][j - 1], table[i - 1][j - 1], table[i - 1][j]]
            neighbours = torch.stack([r for r in neighbours if r is not None], dim=-1)
            table[i][j] = cost[:, i - 1, j - 1] + _softmin(neighbours, 0.0, gamma, softmin)
    return table[n][m]


@MODELS.register_module()
class SoftDTWLoss(BaseAlignmentLoss):
    """Soft-DTW alignment loss of AE2 / GTA (AE2's ``--loss dtw``).

    ``loss = scale * mean_b R_b[N, M]`` with the column-normalised cost of
    :func:`dtw_cost` and the soft-min of :func:`soft_dtw`.

    Args:
        temperature (float): similarity temperature of the cost (``gamma_f``), 0.1.
        gamma (float): soft-min temperature (``gamma_s``), 0.1.
        scale (float): factor on the final cell (``dtw_scale_factor``), 0.01.
        softmin (str): ``'prob'`` (AE2's ``dtw_prob``, default) or ``'logsumexp'``
            (AE2's ``dtw_minGamma``).
        loss_weight (float): extra factor on the returned loss, 1.0.

    Inputs: ``embeds_a [B, N, E]`` and ``embeds_b [B, M, E]`` (N and M may differ).
    Output: a scalar.
    """

    def __init__(self, temperature=0.1, gamma=0.1, scale=0.01, softmin='prob',
                 loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        check_positive('temperature', temperature, name)
        check_positive('gamma', gamma, name)
        check_positive('scale', scale, name)
        if softmin not in SOFTMIN_TYPES:
            raise ValueError(f'{name}: softmin must be one of {SOFTMIN_TYPES}, got {softmin!r}.')
        self.temperature = temperature
        self.gamma = gamma
        self.scale = scale
        self.softmin = softmin

    def pair_cost(self, embeds_a, embeds_b):
        """``[B]``: ``scale * R[N, M]`` for every pair."""
        cost = dtw_cost(embeds_a, embeds_b, self.temperature)
        return self.scale * soft_dtw(cost, self.gamma, self.softmin)

    def forward(self, embeds_a, embeds_b):
        self.check_pair(embeds_a, embeds_b)
        return self.loss_weight * self.pair_cost(embeds_a, embeds_b).mean()
