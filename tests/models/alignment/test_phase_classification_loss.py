"""PhaseClassificationLoss (the supervised ceiling) and how the pair labels reach it:
packed from the clips, passed by AlignmentModel, the head trained but never evaluated."""
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import byov.models.alignment  # noqa: F401  (registers the losses and the model)
import byov.models.data_preprocessor  # noqa: F401
import byov.models.frame_encoders  # noqa: F401
import byov.models.temporal_encoder  # noqa: F401
import byov.models.token_selectors  # noqa: F401
from byov.datasets.transforms import PackEgoExoInputs
from byov.models.alignment import BaseAlignmentLoss, LabelRangeError
from byov.registry import MODELS
from byov.utils.errors import UserInputError

FRAMES, SIZE, WIDTH, EMBED, CLASSES = 6, 16, 16, 8, 3


def _loss(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='PhaseClassificationLoss', num_classes=CLASSES,
                             in_channels=EMBED, **kwargs))


def test_loss_is_the_cross_entropy_of_the_head_over_every_frame():
    loss = _loss(loss_weight=0.5)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 4, EMBED)), rng.normal(size=(2, 5, EMBED))
    la, lb = rng.integers(CLASSES, size=(2, 4)), rng.integers(CLASSES, size=(2, 5))
    value = loss(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32),
                 torch.tensor(la), torch.tensor(lb))
    # numpy: logits, log-softmax, mean negative log-likelihood over the 2*4 + 2*5 frames
    w = loss.head.weight.detach().double().numpy()
    bias = loss.head.bias.detach().double().numpy()
    feats = np.concatenate([a.reshape(-1, EMBED), b.reshape(-1, EMBED)])
    labels = np.concatenate([la.reshape(-1), lb.reshape(-1)])
    logits = feats @ w.T + bias
    log_prob = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -log_prob[np.arange(len(labels)), labels].mean()
    assert value.dim() == 0
    assert value.item() == pytest.approx(0.5 * expected, rel=1e-5)


@pytest.mark.parametrize('bad', [CLASSES, -1])
def test_a_label_out_of_range_is_refused(bad):
    labels = torch.zeros(1, FRAMES, dtype=torch.long)
    wrong = labels.clone()
    wrong[0, 2] = bad
    with pytest.raises(LabelRangeError, match=f'num_classes={CLASSES}') as err:
        _loss()(torch.randn(1, FRAMES, EMBED), torch.randn(1, FRAMES, EMBED), labels, wrong)
    assert isinstance(err.value, UserInputError)


def test_missing_or_misshaped_labels_and_bad_options_are_refused():
    x = torch.randn(1, FRAMES, EMBED)
    with pytest.raises(ValueError, match='no labels for view a'):
        _loss()(x, x)
    with pytest.raises(ValueError, match='labels_b must be integer'):
        _loss()(x, x, torch.zeros(1, FRAMES, dtype=torch.long), torch.zeros(1, 2))
    with pytest.raises(ValueError, match='model.loss.num_classes'):
        MODELS.build(dict(type='PhaseClassificationLoss', num_classes=None, in_channels=4))


def _model_cfg(**loss):
    return dict(
        type='AlignmentModel', num_frames=FRAMES,
        stem=dict(type='FrameStem', frame_encoder=dict(
            type='TinyPatchEncoder', embed_dims=WIDTH, patch_size=8, input_size=SIZE),
            token_selector=dict(type='SelectiveTokenMerging', ratio=0.5)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=WIDTH,
                      embed_dims=EMBED, num_layers=1, num_heads=2),
        loss=dict(type='PhaseClassificationLoss', num_classes=CLASSES, **loss))


def _pair_samples(batch, rng):
    return [BaseDataElement(gt_labels=rng.integers(CLASSES, size=(2, FRAMES)))
            for _ in range(batch)]


def test_model_passes_pair_labels_and_trains_the_head_but_does_not_evaluate_it():
    torch.manual_seed(0)
    model = MODELS.build(_model_cfg())
    assert model.loss_module.in_channels == EMBED  # followed the backbone's embed_dims
    rng = np.random.default_rng(0)
    inputs, samples = torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), _pair_samples(2, rng)
    loss = model(inputs, samples, mode='loss')['loss_align']
    # the model's loss is the head's cross-entropy on the embeddings with those labels
    embeds = model(inputs, mode='tensor')
    labels = torch.as_tensor(np.stack([s.gt_labels for s in samples]))
    logits = model.loss_module.head(embeds)                           # [B, 2, T, C]
    assert loss.item() == pytest.approx(
        torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES),
                                          labels.reshape(-1)).item(), rel=1e-5)
    loss.backward()
    for name, param in model.loss_module.head.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    # evaluation: the backbone's output, width E; the head plays no part
    model.eval()
    video = torch.randn(1, 9, 3, SIZE, SIZE)
    (out,) = model(video, mode='predict')
    assert out.embeds.shape == (9, EMBED) != (9, CLASSES)
    with torch.no_grad():
        model.loss_module.head.weight.mul_(-3.0).add_(1.0)
    (again,) = model(video, mode='predict')
    assert np.array_equal(out.embeds, again.embeds)


def test_model_refuses_pairs_without_labels_and_a_wrong_head_width():
    model = MODELS.build(_model_cfg())
    with pytest.raises(ValueError, match='carry none'):
        model(torch.randn(1, 2, FRAMES, 3, SIZE, SIZE), [BaseDataElement()], mode='loss')
    with pytest.raises(ValueError, match='loss.in_channels=5 does not match'):
        MODELS.build(_model_cfg(in_channels=5))


@MODELS.register_module(name='PhaseTestNoLabelArgsLoss', force=True)
class PhaseTestNoLabelArgsLoss(BaseAlignmentLoss):
    uses_labels = True

    def forward(self, embeds_a, embeds_b):
        return embeds_a.sum() * 0


def test_contract_refuses_uses_labels_without_label_arguments():
    cfg = dict(_model_cfg(), loss=dict(type='PhaseTestNoLabelArgsLoss'))
    with pytest.raises(TypeError, match='uses_labels = True'):
        MODELS.build(cfg)


def test_pack_gives_a_pair_the_labels_of_its_sampled_frames():
    video_labels = [np.repeat(np.arange(4), 5), np.repeat(np.arange(3), 7)]
    inds = [np.array([0, 4, 5, 19]), np.array([1, 7, 14, 20])]
    clips = [dict(gt_labels=lab, frame_inds=i) for lab, i in zip(video_labels, inds)]
    packed = PackEgoExoInputs()(dict(clips=clips, imgs=np.zeros((2, 4, 3, 2, 2), np.uint8),
                                     frame_inds=tuple(inds)))
    labels = packed['data_samples'].gt_labels
    assert labels.dtype == np.int64
    assert labels.tolist() == [[0, 0, 1, 3], [0, 1, 2, 2]]
    # a whole video keeps its own labels [L]
    video = PackEgoExoInputs()(dict(imgs=np.zeros((20, 3, 2, 2), np.uint8), num_frames=20,
                                    video_name='v', gt_labels=video_labels[0]))
    assert video['data_samples'].gt_labels.shape == (20,)
