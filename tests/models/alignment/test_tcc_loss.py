"""TCC cycle-back regression."""
import pytest
import torch

from byov.models.alignment import TCCLoss
from byov.registry import MODELS


def smooth_clip(batch=2, frames=16):
    """A smooth trajectory: neighbouring frames are neighbours in embedding space."""
    t = torch.linspace(0, 3, frames)
    return torch.stack([torch.sin(t * k) for k in range(1, 9)], -1)[None].repeat(batch, 1, 1)


def test_identical_sequences_beat_shuffled_and_unrelated_ones():
    torch.manual_seed(0)
    loss_fn = MODELS.build(dict(type='TCCLoss'))
    a = smooth_clip()
    shuffled = a[:, torch.randperm(a.shape[1])]
    identical = loss_fn(a, a)
    # shuffling the first clip: its time stamps no longer follow its embeddings
    assert identical < loss_fn(shuffled, a)
    assert identical < loss_fn(a, torch.randn_like(a))


def test_order_of_the_second_clip_is_invisible():
    torch.manual_seed(0)
    a, b = smooth_clip(), torch.randn(2, 16, 8)
    loss_fn = TCCLoss()
    torch.testing.assert_close(loss_fn(a, b), loss_fn(a, b[:, torch.randperm(16)]))


def test_one_hot_cycles_stay_finite():
    a = 10 * smooth_clip()  # so sharp that every cycle lands on its own frame
    assert torch.isfinite(TCCLoss()(a, a))


def test_matches_a_direct_per_pair_computation():
    torch.manual_seed(1)
    a, b = torch.randn(3, 6, 5, dtype=torch.float64), torch.randn(3, 7, 5, dtype=torch.float64)
    steps = torch.sort(torch.randint(0, 100, (3, 6)), dim=1).values
    seq_lens = torch.tensor([100, 120, 90])
    loss = TCCLoss()(a, b, steps=steps, seq_lens=seq_lens)
    terms = []
    for k in range(3):
        x, y = a[k], b[k]
        sim = -torch.cdist(x, y).pow(2) / 5 / 0.1
        nn_embeds = torch.softmax(sim, 1) @ y
        beta = torch.softmax(-torch.cdist(nn_embeds, x).pow(2) / 5 / 0.1, 1)
        s = steps[k].double() / seq_lens[k]
        mu = beta @ s
        var = (beta * (s[None] - mu[:, None]) ** 2).sum(1)
        terms.append(((s - mu) ** 2 / var + 0.001 * torch.log(var)).mean())
    assert loss.item() == pytest.approx(torch.stack(terms).mean().item(), rel=1e-8)


def test_finite_and_differentiable():
    a = torch.randn(2, 8, 16, requires_grad=True)
    b = torch.randn(2, 10, 16, requires_grad=True)
    loss = TCCLoss()(a, b)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(a.grad).all() and b.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs', [dict(temperature=0.0), dict(variance_lambda=-1),
                                    dict(loss_weight=0)])
def test_invalid_hyperparameters_raise(kwargs):
    with pytest.raises(ValueError, match='TCCLoss'):
        TCCLoss(**kwargs)


def test_bad_steps_raise():
    with pytest.raises(ValueError, match='steps'):
        TCCLoss()(torch.randn(2, 4, 3), torch.randn(2, 4, 3), steps=torch.zeros(2, 5))
