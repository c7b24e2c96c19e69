"""CARL's sequence contrastive loss, LAV and GTA: parity with the public code (CARL, LAV)
or with a loop implementation of the formula (GTA), their options' refusals, and the
whole soft-DTW table they share."""
import math
import os

import numpy as np
import pytest
import torch

from byov.models.alignment import (AlignmentOptionError, GTALoss, LAVLoss,
                                   SequenceContrastiveLoss, soft_dtw, soft_dtw_reference,
                                   soft_dtw_table)
from byov.models.alignment.soft_dtw import dtw_cost
from byov.registry import MODELS
from byov.utils.errors import UserInputError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'parity')


def _grad_of(loss_fn, embeds, *args, **kwargs):
    x = torch.tensor(embeds, dtype=torch.float64, requires_grad=True)
    loss = loss_fn(x[:, 0], x[:, 1], *args, **kwargs)
    loss.backward()
    return loss.detach().numpy(), x.grad.numpy()


def test_scl_matches_carl_code():
    """Parity with CARL's ``SCL.compute_sequence_loss`` (minghchen/CARL_code, commit
    c574312969c35963fc0050a5b5dbd3e4aa590318, ``algos/scl.py``, defaults of
    ``utils/config.py``: temperature 0.1, variance 10, ``single_noself``), run unchanged
    in float64 on L2-normalised inputs (CARL's model normalises its output) with all
    frames valid. The fixture was written outside the repository by a scratch script
    (``python run.py tests/fixtures/parity/carl_scl.npz``: seeded ``[2, 2, 12, 8]``
    embeddings, sorted distinct steps of videos of 40/40 and 36/50 frames, then
    ``compute_sequence_loss(normalize(x), seq_lens, steps, ones)`` and its gradient with
    respect to ``x``). Largest differences seen: 0 (value), 6e-17 (gradient)."""
    ref = np.load(os.path.join(FIXTURES, 'carl_scl.npz'))
    steps, lengths = torch.tensor(ref['steps']), torch.tensor(ref['lengths'])
    loss, grad = _grad_of(SequenceContrastiveLoss(projection=False), ref['embeds'],
                          steps_a=steps[:, 0], steps_b=steps[:, 1], lengths=lengths)
    np.testing.assert_allclose(loss, ref['loss'], rtol=1e-10)
    np.testing.assert_allclose(grad, ref['grad'], rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize('variant', ['plain', 'tcc'])
def test_lav_matches_lav_code(variant):
    """Parity with LAV's loss (trquhuytin/LAV-CVPR21, commit
    3c4154c76350bbe43ba94745125ad0258665d8ce, ``losses.py`` ``LAV`` and ``TCC``,
    ``soft_dtw.py``, defaults of ``config.py``: alpha 0.5, sigma 10, margin 2, soft-DTW
    gamma 0.1 not normalised; TCC temperature 0.1, variance lambda 0.001, channels = E),
    called per pair and divided by the batch as its ``train.py``, on L2-normalised float64
    inputs (its embedder normalises). Scratch script outside the repository
    (``python run.py tests/fixtures/parity/lav.npz``: seeded ``[2, 2, 10, 8]``
    embeddings, sorted distinct steps of videos of 30/45 and 60/24 frames; numba's
    ``jit`` replaced by a no-op, as numba is not installed; 'tcc' adds TCC with weight 1).
    The reference's soft-DTW returns its float64 table through ``torch.Tensor`` (float32),
    hence the tolerance: largest differences seen 6.3e-8 (value 11.43) and 2.6e-7
    (gradient, largest entry 0.16); with that cast removed, 1e-10 and 2e-10."""
    ref = np.load(os.path.join(FIXTURES, 'lav.npz'))
    steps, lengths = torch.tensor(ref['steps']), torch.tensor(ref['lengths'])
    loss_fn = LAVLoss(tcc_weight=1.0 if variant == 'tcc' else 0.0)
    loss, grad = _grad_of(loss_fn, ref['embeds'], steps_a=steps[:, 0], steps_b=steps[:, 1],
                          lengths=lengths)
    np.testing.assert_allclose(loss, ref[f'loss_{variant}'], rtol=1e-7)
    np.testing.assert_allclose(grad, ref[f'grad_{variant}'], rtol=1e-5, atol=1e-6)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def gta_loop(a, b, temperature=0.1, gamma=0.1, dtw_weight=0.1, smoothing=0.1):
    """GTA's loss for ONE pair, written from ``d2tw/smoothDTW.py`` of hadjisma/
    VideoAlignment (``compute_dtw_alignment_consistency_loss``, ``smoothDTW`` with
    ``dtw_prob``, ``D2TW_NORM``, ``REVCONS``) with plain loops over scalars, the border
    held at ``float32.max`` as there: a: ``[N, E]``, b: ``[M, E]``, L2-normalised."""

    def table(x, y):
        n, m = len(x), len(y)
        sim = [[sum(x[i][k] * y[j][k] for k in range(len(x[i]))) / temperature
                for j in range(m)] for i in range(n)]
        cost = [[None] * m for _ in range(n)]
        for j in range(m):  # -log softmax over the frames of x, column by column
            norm = torch.log(sum(torch.exp(sim[i][j]) for i in range(n)))
            for i in range(n):
                cost[i][j] = norm - sim[i][j]
        big = torch.tensor(FLOAT32_MAX, dtype=x.dtype)
        r = [[big] * (m + 1) for _ in range(n + 1)]
        r[0][0] = torch.tensor(0.0, dtype=x.dtype)
        for i in range(1, n + 1):
            for j in range(1, m + 1):
                nb = [r[i][j - 1], r[i - 1][j - 1], r[i - 1][j]]
                top = max(-v / gamma for v in nb)
                w = [torch.exp(-v / gamma - top) for v in nb]
                r[i][j] = cost[i - 1][j - 1] + sum(wk * v for wk, v in zip(w, nb)) / sum(w)
        return r

    r_ab, r_ba = table(a, b), table(b, a)
    n, m = len(a), len(b)

    def column_softmax(r, rows, cols):  # softmax(-R[1:, 1:]) over the rows
        out = [[None] * cols for _ in range(rows)]
        for j in range(cols):
            total = sum(torch.exp(-r[i + 1][j + 1]) for i in range(rows))
            for i in range(rows):
                out[i][j] = torch.exp(-r[i + 1][j + 1]) / total
        return out

    p_ab, p_ba = column_softmax(r_ab, n, m), column_softmax(r_ba, m, n)
    ce = 0
    for i in range(n):  # row i of (P_ab P_ba)^T: entries k -> sum_j P_ab[k, j] P_ba[j, i]
        logits = [sum(p_ab[k][j] * p_ba[j][i] for j in range(m)) for k in range(n)]
        log_norm = torch.log(sum(torch.exp(v) for v in logits))
        for k in range(n):
            target = (1 - smoothing) * (k == i) + smoothing / n
            ce = ce - target * (logits[k] - log_norm)
    return ce / n, dtw_weight * (r_ab[n][m] + r_ba[m][n])


@pytest.mark.parametrize('frames', [(5, 5), (4, 6)])
def test_gta_matches_a_loop_implementation_of_its_code(frames):
    """The public GTA code is TensorFlow 2, which is not installed here: the oracle is
    :func:`gta_loop`, a straightforward loop implementation of the same formula written
    for this test. Values and gradients must agree to float64 precision."""
    torch.manual_seed(0)
    n, m = frames
    raw_a = torch.randn(2, n, 6, dtype=torch.float64, requires_grad=True)
    raw_b = torch.randn(2, m, 6, dtype=torch.float64, requires_grad=True)
    loss = GTALoss()(raw_a, raw_b)
    grads = torch.autograd.grad(loss, (raw_a, raw_b))

    a = torch.nn.functional.normalize(raw_a, dim=-1)
    b = torch.nn.functional.normalize(raw_b, dim=-1)
    terms = [gta_loop(a[k], b[k]) for k in range(2)]
    expected = sum(ce for ce, _ in terms) / 2 + sum(d for _, d in terms) / 2
    expected_grads = torch.autograd.grad(expected, (raw_a, raw_b))
    torch.testing.assert_close(loss, expected, rtol=1e-10, atol=1e-12)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize('softmin', ['prob', 'logsumexp'])
def test_whole_table_matches_the_double_loop(softmin):
    torch.manual_seed(2)
    cost = dtw_cost(torch.randn(2, 5, 4, dtype=torch.float64),
                    torch.randn(2, 7, 4, dtype=torch.float64)).requires_grad_()
    table = soft_dtw_table(cost, 0.1, softmin)
    assert table.shape == (2, 5, 7)
    for i in range(5):  # every cell is the final cell of the table of the prefixes
        for j in range(7):
            torch.testing.assert_close(
                table[:, i, j], soft_dtw_reference(cost[:, :i + 1, :j + 1], 0.1, softmin))
    torch.testing.assert_close(table[:, -1, -1], soft_dtw(cost, 0.1, softmin))
    weights = torch.randn(2, 5, 7, dtype=torch.float64)
    grad = torch.autograd.grad((table * weights).sum(), cost)[0]
    expected = torch.autograd.grad(sum(
        (weights[:, i, j] * soft_dtw_reference(cost[:, :i + 1, :j + 1], 0.1, softmin)).sum()
        for i in range(5) for j in range(7)), cost)[0]
    torch.testing.assert_close(grad, expected)


def test_scl_prior_follows_the_time_steps_not_the_frame_order():
    """The target of a frame of view a is a Gaussian over view b's time steps: with the
    same embeddings, steps that put view b's frames where their embeddings match give a
    lower loss than steps that reverse them."""
    torch.manual_seed(0)
    clip = torch.randn(1, 8, 16)
    steps = torch.arange(8)[None] * 4
    loss_fn = SequenceContrastiveLoss(projection=False, variance=4.0)
    matched = loss_fn(clip, clip, steps_a=steps, steps_b=steps)
    reversed_ = loss_fn(clip, clip, steps_a=steps, steps_b=steps.flip(1))
    assert matched < reversed_
    # lengths rescale the steps of one view onto the other's video: equal lengths change
    # nothing; b sampled from a video twice as long, at twice the steps, is realigned
    torch.testing.assert_close(
        loss_fn(clip, clip, steps_a=steps, steps_b=steps, lengths=torch.tensor([[40, 40]])),
        matched)
    stretched = dict(steps_a=steps, steps_b=2 * steps)
    assert (loss_fn(clip, clip, lengths=torch.tensor([[40, 80]]), **stretched)
            < loss_fn(clip, clip, **stretched))


def test_scl_projection_head_is_trained_and_sized_by_the_model():
    loss_fn = MODELS.build(dict(type='SequenceContrastiveLoss', in_channels=8))
    loss = loss_fn(torch.randn(2, 6, 8), torch.randn(2, 6, 8))
    loss.backward()
    assert all(p.grad is not None for p in loss_fn.head.parameters())


def test_lav_idm_pulls_near_frames_and_pushes_far_ones():
    """Only the positions decide which frames are near (within sigma frames)."""
    loss_fn = LAVLoss(alpha=1.0, normalize=False)
    x = torch.zeros(1, 3, 2)  # all frames at one point: near pairs cost 0, far ones margin
    far = loss_fn(x, x, steps_a=torch.tensor([[0, 50, 100]]),
                  steps_b=torch.tensor([[0, 1, 2]]), lengths=torch.tensor([[200, 200]]))
    near = loss_fn(x, x, steps_a=torch.tensor([[0, 1, 2]]), steps_b=torch.tensor([[0, 1, 2]]),
                   lengths=torch.tensor([[200, 200]]))
    # far pairs of a: 6 ordered pairs, weights 1 + ((s_i - s_j) / 200)^2, times margin 2
    gaps = torch.tensor([50, 100, 50.]) / 200
    expected_push = 2 * 2 * (1 + gaps.pow(2)).sum() / 3  # / N = 3
    torch.testing.assert_close(far - near, expected_push)


@pytest.mark.parametrize('cfg,match', [
    (dict(type='SequenceContrastiveLoss'), r'in_channels must be a positive int with '
                                           r'projection=True.*set projection=False'),
    (dict(type='SequenceContrastiveLoss', projection=False, eps=-1), r'eps must be >= 0'),
    (dict(type='LAVLoss', alpha=-0.5), r'alpha must be a number >= 0'),
    (dict(type='LAVLoss', tcc_weight=-1), r'tcc_weight must be a number >= 0'),
    (dict(type='GTALoss', label_smoothing=1.0), r'label_smoothing must be in \[0, 1\)'),
    (dict(type='GTALoss', softmin='min'), r'softmin must be one of'),
    (dict(type='GTALoss', dtw_weight=0, cycle_weight=0), r'both 0, nothing to train'),
])
def test_bad_options_are_refused(cfg, match):
    with pytest.raises(AlignmentOptionError, match=match):
        MODELS.build(cfg)
    assert issubclass(AlignmentOptionError, UserInputError)


@pytest.mark.parametrize('loss_fn', [SequenceContrastiveLoss(projection=False), LAVLoss()],
                         ids=['scl', 'lav'])
def test_steps_and_lengths_of_the_wrong_shape_are_refused(loss_fn):
    x = torch.randn(2, 5, 4)
    with pytest.raises(AlignmentOptionError, match=r'steps_b must be \[B, T\] = \(2, 5\)'):
        loss_fn(x, x, steps_b=torch.zeros(2, 4))
    with pytest.raises(AlignmentOptionError, match=r'lengths must be \[B, 2\] positive'):
        loss_fn(x, x, lengths=torch.tensor([[5, 0], [5, 5]]))


def test_gta_cycle_prefers_aligned_clips():
    torch.manual_seed(0)
    t = torch.linspace(0, math.pi, 8)
    clip = torch.stack([torch.cos(t * k) for k in range(1, 5)], -1)[None]
    loss_fn = GTALoss()
    assert loss_fn(clip, clip) < loss_fn(clip, clip.flip(1))
