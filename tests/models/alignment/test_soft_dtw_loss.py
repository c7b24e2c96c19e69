"""Soft-DTW: the anti-diagonal version against the double loop and against a scalar
transcription of AE2's recurrence (values and gradients)."""
import math

import pytest
import torch

from byov.models.alignment import SoftDTWLoss, dtw_cost, soft_dtw, soft_dtw_reference
from byov.registry import MODELS

SHAPES = [(1, 1, 1), (2, 1, 5), (2, 5, 1), (3, 6, 6), (2, 4, 9), (2, 9, 4)]


def ae2_final_cell(cost, gamma):
    """AE2's ``smoothDTW`` with ``dtw_prob`` on python floats: +inf borders, softmax over
    the three neighbours, the new cell is the cost plus their weighted sum."""
    n, m = len(cost), len(cost[0])
    table = [[math.inf] * (m + 1) for _ in range(n + 1)]
    table[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            nbrs = [table[i][j - 1], table[i - 1][j - 1], table[i - 1][j]]
            lowest = min(nbrs)
            weights = [math.exp(-(r - lowest) / gamma) for r in nbrs]
            total = sum(weights)
            table[i][j] = cost[i - 1][j - 1] + sum(
                w / total * r for w, r in zip(weights, nbrs) if w > 0)
    return table[n][m]


def pair(batch, n, m, dims=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(batch, n, dims, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(batch, m, dims, generator=g, dtype=torch.float64, requires_grad=True)
    return a, b


@pytest.mark.parametrize('softmin', ['prob', 'logsumexp'])
@pytest.mark.parametrize('shape', SHAPES)
def test_antidiagonal_matches_double_loop(shape, softmin):
    a, b = pair(*shape)
    fast = soft_dtw(dtw_cost(a, b, 0.1), 0.1, softmin)
    slow = soft_dtw_reference(dtw_cost(a, b, 0.1), 0.1, softmin)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=0)
    grads_fast = torch.autograd.grad(fast.sum(), (a, b))
    grads_slow = torch.autograd.grad(slow.sum(), (a, b))
    for g_fast, g_slow in zip(grads_fast, grads_slow):
        assert torch.isfinite(g_fast).all()
        torch.testing.assert_close(g_fast, g_slow, atol=1e-5, rtol=0)


@pytest.mark.parametrize('softmin', ['prob', 'logsumexp'])
def test_hand_written_backward_passes_gradcheck(softmin):
    cost = torch.rand(2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c: soft_dtw(c, 0.5, softmin), (cost,))


@pytest.mark.parametrize('shape', [(2, 5, 7), (1, 6, 3)])
def test_matches_ae2_recurrence(shape):
    a, b = pair(*shape, seed=1)
    cost = dtw_cost(a, b, 0.1).detach()
    fast = soft_dtw(cost, 0.1)
    for k in range(shape[0]):
        assert fast[k].item() == pytest.approx(ae2_final_cell(cost[k].tolist(), 0.1), abs=1e-9)


def test_logsumexp_is_the_classical_softmin():
    cost = torch.rand(1, 3, 3, dtype=torch.float64)
    value = soft_dtw(cost, 1e-3, 'logsumexp')
    # with a tiny gamma the soft-min is the hard min: plain DTW
    dtw = [[math.inf] * 4 for _ in range(4)]
    dtw[0][0] = 0.0
    for i in range(1, 4):
        for j in range(1, 4):
            dtw[i][j] = cost[0, i - 1, j - 1].item() + min(
                dtw[i - 1][j], dtw[i][j - 1], dtw[i - 1][j - 1])
    assert value.item() == pytest.approx(dtw[3][3], abs=1e-2)


def test_cost_is_normalised_over_frames_of_the_first_clip():
    a, b = pair(2, 5, 3)
    cost = dtw_cost(a, b, 0.1)
    torch.testing.assert_close(torch.exp(-cost).sum(1), torch.ones(2, 3, dtype=torch.float64))


def test_loss_module_scale_finite_and_differentiable():
    loss_fn = MODELS.build(dict(type='SoftDTWLoss'))
    a, b = pair(3, 8, 6)
    loss = loss_fn(a.float(), b.float())
    assert loss.dim() == 0 and torch.isfinite(loss)
    expected = 0.01 * soft_dtw(dtw_cost(a, b, 0.1), 0.1).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)
    loss.backward()
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0


def test_aligned_clips_cost_less_than_reversed():
    torch.manual_seed(0)
    a = torch.randn(2, 10, 16)
    loss_fn = SoftDTWLoss()
    assert loss_fn(a, a + 0.01 * torch.randn_like(a)) < loss_fn(a, a.flip(1))


@pytest.mark.parametrize('kwargs', [dict(temperature=0), dict(gamma=-1.0), dict(scale=0),
                                    dict(softmin='hard'), dict(gamma='0.1')])
def test_invalid_hyperparameters_raise(kwargs):
    with pytest.raises(ValueError, match='SoftDTWLoss'):
        SoftDTWLoss(**kwargs)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r'\[B, T, E\]'):
        SoftDTWLoss()(torch.randn(4, 8), torch.randn(4, 8))
    with pytest.raises(ValueError, match='batch size and width'):
        SoftDTWLoss()(torch.randn(2, 4, 8), torch.randn(3, 4, 8))
