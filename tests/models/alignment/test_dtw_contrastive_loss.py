"""AE2's contrastive soft-DTW."""
import pytest
import torch

from byov.models.alignment import DTWContrastiveLoss
from byov.registry import MODELS


def smooth_clip(batch, frames, dims=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.linspace(0, 1, frames)
    freqs = torch.rand(dims, generator=g) * 6 + 1
    phases = torch.rand(batch, 1, dims, generator=g) * 6
    return 2 * torch.sin(t[None, :, None] * freqs + phases)


def test_reversed_negative_costs_more_on_aligned_data():
    torch.manual_seed(0)
    loss_fn = DTWContrastiveLoss(num_subset=8)
    a = smooth_clip(4, 16)
    b = a + 0.05 * torch.randn_like(a)
    index = loss_fn.sample_subset(4, 16, a.device)
    take = lambda x: torch.gather(x, 1, index[..., None].expand(-1, -1, x.shape[2]))  # noqa
    pos, neg = loss_fn.subset_costs(take(a), take(b))
    assert (neg > pos).all()
    # hence the hinge (margin 0) is zero and the loss is the mean positive cost
    loss = loss_fn(a, b)
    assert torch.isfinite(loss)


def test_loss_is_positives_plus_ratio_times_hinge():
    torch.manual_seed(0)
    a, b = torch.randn(3, 10, 8), torch.randn(3, 10, 8)
    loss_fn = DTWContrastiveLoss(num_subset=4, ratio=2.0, margin=0.5,
                                 subset_sampling='segments')
    index = loss_fn.sample_subset(3, 10, a.device)
    assert index[0].tolist() == [1, 3, 5, 7]  # int((k + 0.5) * (10 // 4))
    whole = loss_fn.pair_cost(a, b)
    pos, neg = loss_fn.subset_costs(a[:, index[0]], b[:, index[0]])
    expected = torch.cat([whole, pos]).mean() + 2.0 * (pos - neg + 0.5).clamp(min=0).mean()
    assert loss_fn(a, b).item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize('cyclic', [False, True])
def test_finite_and_differentiable(cyclic):
    torch.manual_seed(0)
    loss_fn = MODELS.build(dict(type='DTWContrastiveLoss', num_subset=5, cyclic=cyclic,
                                margin=0.1))
    a = torch.randn(4, 12, 8, requires_grad=True)
    b = torch.randn(4, 9, 8, requires_grad=True)
    loss = loss_fn(a, b)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
    assert torch.isfinite(b.grad).all() and b.grad.abs().sum() > 0


def test_random_subsets_are_sorted_and_distinct():
    torch.manual_seed(0)
    index = DTWContrastiveLoss(num_subset=6).sample_subset(5, 20, torch.device('cpu'))
    assert index.shape == (5, 6)
    assert (index[:, 1:] > index[:, :-1]).all() and index.max() < 20


@pytest.mark.parametrize('kwargs', [dict(num_subset=0), dict(num_subset=1, cyclic=True),
                                    dict(num_subset=2.5), dict(ratio=-1), dict(margin=-0.1),
                                    dict(subset_sampling='bbox'), dict(gamma=0),
                                    dict(softmin='min')])
def test_invalid_hyperparameters_raise(kwargs):
    with pytest.raises(ValueError, match='DTWContrastiveLoss'):
        DTWContrastiveLoss(**kwargs)


def test_clip_shorter_than_subset_raises():
    with pytest.raises(ValueError, match='num_subset'):
        DTWContrastiveLoss(num_subset=8)(torch.randn(1, 6, 4), torch.randn(1, 10, 4))
