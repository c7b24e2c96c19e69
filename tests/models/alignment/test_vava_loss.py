"""VAVA: Sinkhorn transport with a virtual frame and temporal priors."""
import warnings

import pytest
import torch
from mmengine.logging import MessageHub

from byov.models.alignment import VAVALoss, sinkhorn
from byov.registry import MODELS


def clips(n=10, m=12, batch=2, scale=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(batch, n, 16, generator=g, dtype=torch.float64),
            scale * torch.randn(batch, m, 16, generator=g, dtype=torch.float64))


def test_sinkhorn_marginals():
    a, b = clips()
    loss_fn = VAVALoss()
    kernel, dist, u, v = loss_fn.transport(a, b, phi=0.999)
    assert kernel.shape == dist.shape == (2, 11, 13)
    assert (dist[:, 0, :] == 0.5).all() and (dist[:, :, 0] == 0.5).all()  # virtual frame
    plan = u[:, :, None] * kernel * v[:, None]
    # rows exactly (last update), columns to the convergence of 20 iterations
    torch.testing.assert_close(plan.sum(2), torch.full((2, 11), 1 / 11, dtype=plan.dtype))
    torch.testing.assert_close(plan.sum(1), torch.full((2, 13), 1 / 13, dtype=plan.dtype),
                               rtol=1e-2, atol=0)
    # and more iterations converge further
    u, v = sinkhorn(kernel, 500)
    plan = u[:, :, None] * kernel * v[:, None]
    torch.testing.assert_close(plan.sum(1), torch.full((2, 13), 1 / 13, dtype=plan.dtype),
                               rtol=1e-6, atol=0)


def test_priors_shape_and_virtual_cells():
    loss_fn = VAVALoss()
    nearest = torch.tensor([[0, 1, 2, 2]])
    prior_p, prior_s = loss_fn.priors(nearest, 4, 3, phi=0.5)
    assert prior_p.shape == prior_s.shape == (1, 5, 4)
    assert (prior_p > 0).all()
    # every real-virtual cell takes one fixed value
    assert torch.unique(torch.cat([prior_p[0, 0, 1:], prior_p[0, 1:, 0]])).numel() == 1
    # with phi = 1 the prior is the diagonal one: largest on the diagonal
    prior_p, _ = loss_fn.priors(nearest, 4, 4, phi=1.0)
    assert (prior_p[0, 1:, 1:].argmax(1) == torch.arange(4)).all()


def test_mixing_weight_schedule():
    assert VAVALoss.mixing_weight(0) == 0.999
    assert VAVALoss.mixing_weight(99) == pytest.approx(0.999 ** 10)
    assert VAVALoss.mixing_weight(10 ** 12) == 0.001


def test_finite_differentiable_and_reads_the_iteration():
    a, b = clips(8, 9)
    a.requires_grad_()
    loss_fn = MODELS.build(dict(type='VAVALoss'))
    loss = loss_fn(a, b, global_step=0)
    loss.backward()
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 10 ** 8)
    try:
        late = loss_fn(a, b)
    finally:
        hub.update_info('iter', 0)
    assert late.item() != pytest.approx(loss.item(), rel=1e-12)
    assert late.item() == pytest.approx(loss_fn(a, b, global_step=10 ** 8).item())


def test_intra_clip_term_pushes_far_frames_apart():
    loss_fn = VAVALoss(intra_window=2, intra_margin=2.0)
    constant = torch.zeros(1, 6, 4)
    # all frames equal: close pairs cost nothing, far pairs pay the full margin
    far_pairs = sum(abs(i - j) > 2 for i in range(6) for j in range(6))
    assert loss_fn.intra_clip(constant).item() == pytest.approx(2.0 * far_pairs / 36)


def test_clips_too_short_for_the_intra_window_warn():
    """AE2's window (15) on 16-frame clips: nothing is pushed apart, embeddings collapse."""
    with pytest.warns(UserWarning, match='no two frames are more than intra_window=15'):
        VAVALoss().intra_clip(torch.randn(1, 16, 4))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        VAVALoss(intra_window=7).intra_clip(torch.randn(1, 16, 4))


@pytest.mark.parametrize('kwargs', [dict(num_iters=0), dict(lambda2=0), dict(zeta=-1),
                                    dict(prior_sigma=0), dict(intra_window=-1),
                                    dict(virtual_distance=-5.0), dict(intra_margin=-1)])
def test_invalid_hyperparameters_raise(kwargs):
    with pytest.raises(ValueError, match='VAVALoss'):
        VAVALoss(**kwargs)
