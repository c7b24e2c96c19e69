"""TCN (single- and multi-view) and ActorObserverNet's loss: parity with the public code
on saved inputs and outputs, the refusals, and training through ``AlignmentModel``.

The fixtures in ``tests/fixtures/parity/`` were written by scratch scripts (not part of
the repository) that run the public code unchanged but for the shims noted:

- ``tcn.npz``: ``algos/tcn.py`` of minghchen/CARL_code at commit
  c574312969c35963fc0050a5b5dbd3e4aa590318 (``TCN.single_sequence_loss`` and
  ``TCN.npairs_loss``, ``REG_LAMBDA`` 0.002), float64, ``torch.manual_seed(0)``,
  B=3, T=8, E=6: ``python /tmp/parity_tcn/run_parity.py tests/fixtures/parity/tcn.npz``.
  Single view: the mean of ``single_sequence_loss`` over the 2B clips (as
  ``compute_loss`` over a batch); multi view: the mean over the B pairs of
  ``npairs_loss(arange(T), a_i, b_i)`` (anchors view a, positives view b at the same
  steps, as the TCN code's multi-view n-pairs estimator).
- ``actor_observer.npz``: ``models/layers/ActorObserverLossAll.py`` (with
  ``ActorObserverLoss``, ``VideoSoftmax``, ``DistRatio``, ``EqualizeGradNorm``) and the
  heads of ``models/ActorObserverBase.py`` + ``ActorObserverBaseNoShare`` of
  gsig/actor-observer at commit 5858b34c5f2afccb8ecb710aba2036d16df99545, identity base
  network, float64, ``torch.manual_seed(0)``, E=8, two consecutive batches of 10
  triplets from two takes, ``decay`` 0.95, ``finaldecay`` 0.9:
  ``python /tmp/parity_aon/run_parity.py tests/fixtures/parity/actor_observer.npz``.
  Shims for PyTorch 2: ``x.data[0]`` -> ``x.item()``, ``saved_variables`` ->
  ``saved_tensors``, ``add_(-1, t)`` -> ``add_(t, alpha=-1)``, the running constants as
  float64 CPU tensors instead of ``torch.Tensor(...).cuda()``, printing off.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import byov.models.alignment  # noqa: F401  (registers the losses and the model)
import byov.models.data_preprocessor  # noqa: F401
import byov.models.frame_encoders  # noqa: F401
import byov.models.temporal_encoder  # noqa: F401
import byov.models.token_selectors  # noqa: F401
from byov.models.alignment import (ActorObserverLoss, BaseAlignmentLoss, TCNClipLengthError,
                                   TCNLoss, UnsynchronisedPairsError, npairs_loss)
from byov.registry import MODELS
from byov.utils.errors import UserInputError

FIXTURES = osp.join(osp.dirname(osp.dirname(osp.dirname(__file__))), 'fixtures', 'parity')


def _fixture(name):
    return np.load(osp.join(FIXTURES, name))


@pytest.mark.parametrize('mode', ['single_view', 'multi_view'])
def test_tcn_matches_carls_code(mode):
    ref = _fixture('tcn.npz')
    prefix = mode.split('_')[0]
    a = torch.tensor(ref['embeds_a'], requires_grad=True)
    b = torch.tensor(ref['embeds_b'], requires_grad=True)
    loss = TCNLoss(mode=mode, reg_lambda=float(ref['reg_lambda']))(a, b)
    loss.backward()
    np.testing.assert_allclose(loss.item(), ref[f'{prefix}_loss'], rtol=1e-10)
    np.testing.assert_allclose(a.grad.numpy(), ref[f'{prefix}_grad_a'], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(b.grad.numpy(), ref[f'{prefix}_grad_b'], rtol=1e-8, atol=1e-14)


def test_npairs_loss_against_a_loop():
    """The batched n-pairs loss against the formula written out, one anchor at a time."""
    g = torch.Generator().manual_seed(1)
    anchors, positives = torch.randn(2, 2, 5, 3, generator=g, dtype=torch.float64)
    expected = []
    for s in range(2):
        xent = 0.0
        for k in range(5):
            logits = [float(anchors[s, k] @ positives[s, j]) for j in range(5)]
            xent += -logits[k] + np.log(np.sum(np.exp(logits)))
        reg = float(anchors[s].pow(2).sum(1).mean() + positives[s].pow(2).sum(1).mean())
        expected.append(xent / 5 + 0.25 * 0.01 * reg)
    np.testing.assert_allclose(npairs_loss(anchors, positives, 0.01).numpy(), expected,
                               rtol=1e-12)


def test_single_view_tcn_pairs_neighbouring_frames():
    """A clip whose odd frames copy the preceding even frame (scaled up) scores far lower
    than the same frames with the positives shuffled."""
    g = torch.Generator().manual_seed(0)
    anchors = 3 * torch.nn.functional.normalize(torch.randn(1, 6, 4, generator=g), dim=-1)
    aligned = torch.stack([anchors, anchors], 2).flatten(1, 2)           # a0 a0 a1 a1 ...
    shuffled = torch.stack([anchors, anchors[:, torch.randperm(6, generator=g)]],
                           2).flatten(1, 2)
    loss = TCNLoss(reg_lambda=0.0)
    assert loss(aligned, aligned) < 0.5 * loss(shuffled, shuffled)


def test_tcn_refusals():
    a = torch.randn(2, 7, 4)
    with pytest.raises(TCNClipLengthError, match='needs an even clip length, got 7 frames; '
                                                 'set clip_len'):
        TCNLoss()(a, a)
    with pytest.raises(TCNClipLengthError, match='both clips need the same length'):
        TCNLoss(mode='multi_view')(torch.randn(2, 6, 4), torch.randn(2, 8, 4))
    assert issubclass(TCNClipLengthError, UserInputError)
    with pytest.raises(ValueError, match="mode must be one of \\('single_view', "
                                         "'multi_view'\\), got 'multiview'"):
        TCNLoss(mode='multiview')
    with pytest.raises(ValueError, match='reg_lambda must be a number >= 0'):
        TCNLoss(reg_lambda=-1)
    assert not TCNLoss().needs_synchronised_pairs
    assert TCNLoss(mode='multi_view').needs_synchronised_pairs


def _aon_from_fixture(ref):
    loss = ActorObserverLoss(in_channels=ref['x0'].shape[1]).double()
    heads = dict(pos=loss.positive_head, third=loss.third_head, neg=loss.negative_head)
    with torch.no_grad():
        for key, head in heads.items():
            head.fc.weight.copy_(torch.tensor(ref[f'{key}_weight']))
            head.fc.bias.copy_(torch.tensor(ref[f'{key}_bias']))
            head.log_scale.copy_(torch.tensor(ref[f'{key}_log_scale']))
    return loss


def test_actor_observer_matches_the_reference_code():
    ref = _fixture('actor_observer.npz')
    loss_fn = _aon_from_fixture(ref)
    for step in range(2):  # the second batch sees the running statistics of the first
        x, y, z = (torch.tensor(ref[f'{k}{step}'], requires_grad=True) for k in 'xyz')
        loss = loss_fn.triplet_loss(x, y, z, [str(i) for i in ref[f'ids{step}']])
        loss.backward()
        np.testing.assert_allclose(loss.item(), ref[f'loss{step}'], rtol=1e-10)
        for key, t in zip('xyz', (x, y, z)):
            np.testing.assert_allclose(t.grad.numpy(), ref[f'grad_{key}{step}'],
                                       rtol=1e-8, atol=1e-12)


def test_actor_observer_negatives_are_far_from_their_anchor():
    loss = ActorObserverLoss(in_channels=4, negative_gap=0.6)
    steps = torch.tensor([[0, 3, 10, 20, 30, 40, 41, 50], [5, 6, 7, 8, 9, 10, 11, 12]])
    pairs, anchors, negatives = loss.triplets(steps)
    assert len(pairs) > 0
    for b, t, j in zip(pairs, anchors, negatives):
        span = int(steps[b].max() - steps[b].min())
        assert abs(int(steps[b, t] - steps[b, j])) > 0.6 * span
    # frames in the middle of a clip have no frame 60 % of the span away on either side
    covered = {(b, t) for b, t in zip(pairs, anchors)}
    assert (1, 3) not in covered and (1, 0) in covered


def test_actor_observer_refusals():
    with pytest.raises(ValueError, match='in_channels must be the embedding width'):
        ActorObserverLoss()
    with pytest.raises(ValueError, match='negative_gap must be in \\[0, 1\\)'):
        ActorObserverLoss(in_channels=4, negative_gap=1.5)
    with pytest.raises(ValueError, match='softmax_decay must be in \\(0, 1\\)'):
        ActorObserverLoss(in_channels=4, softmax_decay=1.0)
    with pytest.raises(TCNClipLengthError, match='both need the same length'):
        ActorObserverLoss(in_channels=4)(torch.randn(1, 6, 4), torch.randn(1, 8, 4))
    shared = ActorObserverLoss(in_channels=4, share_negative_head=True)
    assert shared.negative_head.fc is shared.positive_head.fc
    assert shared.negative_head.log_scale is not shared.positive_head.log_scale


FRAMES, SIZE, WIDTH, EMBED = 6, 16, 16, 8


def _model(loss):
    return MODELS.build(dict(
        type='AlignmentModel', num_frames=FRAMES,
        stem=dict(type='FrameStem', frame_encoder=dict(
            type='TinyPatchEncoder', embed_dims=WIDTH, patch_size=8, input_size=SIZE),
            token_selector=dict(type='SelectiveTokenMerging', ratio=0.5)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=WIDTH,
                      embed_dims=EMBED, num_layers=1, num_heads=2),
        loss=loss, data_preprocessor=dict(type='EgoExoDataPreprocessor')))


def _samples(pairing):
    return [BaseDataElement(metainfo=dict(
        pairing=pairing, video_names=(f'e{k}', f'x{k}'),
        frame_inds=(np.arange(FRAMES) * 4, np.arange(FRAMES) * 4))) for k in range(2)]


@pytest.mark.parametrize('loss', [dict(type='TCNLoss'), dict(type='TCNLoss', mode='multi_view'),
                                  dict(type='ActorObserverLoss')], ids=str)
def test_training_through_the_model_reaches_every_parameter(loss):
    torch.manual_seed(0)
    model = _model(loss)
    BaseAlignmentLoss.check(model.loss_module, 'loss', 'test')
    model.train()
    out = model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), _samples('synchronised'),
                mode='loss')['loss_align']
    assert out.dim() == 0 and torch.isfinite(out)
    out.backward()
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert param.grad is not None and torch.isfinite(param.grad).all(), name
    if loss['type'] == 'ActorObserverLoss':  # the model set the heads' width, keyed takes
        assert model.loss_module.in_channels == EMBED
        assert set(model.loss_module._log_norms[0]) == {'e0|x0', 'e1|x1'}


@pytest.mark.parametrize('loss', [dict(type='TCNLoss', mode='multi_view'),
                                  dict(type='ActorObserverLoss')], ids=str)
@pytest.mark.parametrize('pairing', ['pooled', 'cross_view', None])
def test_the_model_refuses_unsynchronised_pairs(loss, pairing):
    model = _model(loss)
    samples = _samples(pairing) if pairing else None
    with pytest.raises(UnsynchronisedPairsError,
                       match="are not synchronised .*SynchronisedEgoExoPairDataset"):
        model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), samples, mode='loss')
    assert issubclass(UnsynchronisedPairsError, UserInputError)
