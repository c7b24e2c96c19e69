"""AlignmentModel: frozen frame encoder + token selector + temporal encoder + an
alignment loss, on tiny CPU shapes."""
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement
from torch import nn

import byov.models.alignment  # noqa: F401  (registers the losses and the model)
import byov.models.data_preprocessor  # noqa: F401
import byov.models.frame_encoders  # noqa: F401
import byov.models.temporal_encoder  # noqa: F401
import byov.models.token_selectors  # noqa: F401
from byov.models.alignment import BaseAlignmentLoss
from byov.registry import MODELS

FRAMES, SIZE, WIDTH, EMBED = 6, 16, 16, 8
LOSSES = [dict(type='TCCLoss'), dict(type='SoftDTWLoss'),
          dict(type='DTWContrastiveLoss', num_subset=4, cyclic=True), dict(type='VAVALoss'),
          dict(type='PhaseClassificationLoss', num_classes=3, in_channels=EMBED),
          dict(type='SequenceContrastiveLoss', in_channels=EMBED),
          dict(type='LAVLoss', tcc_weight=1.0), dict(type='GTALoss')]
PAIR_STEP_LOSSES = ('SequenceContrastiveLoss', 'LAVLoss')


@MODELS.register_module(name='AlignTestLinearFrameEncoder', force=True)
class AlignTestLinearFrameEncoder(nn.Module):
    """A frame encoder with a parameter, to check that the model freezes it."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3 * 4 * 4, WIDTH)

    def forward(self, frames):  # [B, T, 3, 16, 16] -> [B, T, 16, WIDTH]
        patches = frames.unfold(3, 4, 4).unfold(4, 4, 4)  # [B, T, 3, 4, 4, 4, 4]
        patches = patches.permute(0, 1, 3, 4, 2, 5, 6).flatten(2, 3).flatten(3)
        return self.proj(patches)


@MODELS.register_module(name='AlignTestStepsSpyLoss', force=True)
class AlignTestStepsSpyLoss(BaseAlignmentLoss):
    uses_frame_inds = True

    def forward(self, embeds_a, embeds_b, steps=None):
        self.steps = steps
        return (embeds_a - embeds_b).pow(2).mean()


@MODELS.register_module(name='AlignTestPairStepsSpyLoss', force=True)
class AlignTestPairStepsSpyLoss(BaseAlignmentLoss):
    uses_pair_frame_inds = True

    def forward(self, embeds_a, embeds_b, steps_a=None, steps_b=None, lengths=None):
        self.seen = (steps_a, steps_b, lengths)
        return (embeds_a - embeds_b).pow(2).mean()


@MODELS.register_module(name='AlignTestPairStepsForgottenLoss', force=True)
class _PairStepsForgottenLoss(BaseAlignmentLoss):
    """Asks for both views' frame indices but its forward cannot take them."""
    uses_pair_frame_inds = True

    def forward(self, embeds_a, embeds_b, steps_a=None):
        return (embeds_a - embeds_b).pow(2).mean()


def model_cfg(align_loss, frame_encoder=None):
    return dict(
        type='AlignmentModel',
        num_frames=FRAMES,
        stem=dict(type='FrameStem', frame_encoder=frame_encoder or dict(
            type='TinyPatchEncoder', embed_dims=WIDTH, patch_size=8, input_size=SIZE),
            token_selector=dict(type='SelectiveTokenMerging', ratio=0.5)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=WIDTH,
                      embed_dims=EMBED, num_layers=1, num_heads=2),
        loss=align_loss,
        data_preprocessor=dict(type='EgoExoDataPreprocessor'))


@pytest.mark.parametrize('align_loss', LOSSES, ids=lambda c: c['type'])
def test_loss_reaches_every_trainable_parameter(align_loss):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(align_loss))
    model.train()
    samples = [BaseDataElement(gt_labels=np.stack([np.arange(FRAMES) % 3] * 2))
               for _ in range(2)]  # pair labels [2, T], read by supervised losses only
    losses = model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), samples, mode='loss')
    assert set(losses) == {'loss_align'}
    assert losses['loss_align'].dim() == 0 and torch.isfinite(losses['loss_align'])
    losses['loss_align'].backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert trainable
    for name, param in trainable:
        assert param.grad is not None, f'{name} got no gradient'
        assert torch.isfinite(param.grad).all(), name


def test_frame_encoder_is_frozen():
    model = MODELS.build(model_cfg(dict(type='SoftDTWLoss'),
                                   dict(type='AlignTestLinearFrameEncoder')))
    encoder = model.stem.frame_encoder
    assert not any(p.requires_grad for p in encoder.parameters())
    model.train()
    assert not encoder.training and model.backbone.training
    model(torch.randn(1, 2, FRAMES, 3, SIZE, SIZE), mode='loss')['loss_align'].backward()
    assert all(p.grad is None for p in encoder.parameters())


def test_train_step_from_uint8_items():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(dict(type='TCCLoss')))
    items = [torch.randint(0, 256, (2, FRAMES, 3, SIZE, SIZE), dtype=torch.uint8)
             for _ in range(2)]
    samples = [BaseDataElement(metainfo=dict(frame_inds=(np.arange(FRAMES) * 3,
                                                         np.arange(FRAMES))))
               for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=items, data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_align'])


def test_frame_inds_of_view_a_reach_the_loss():
    model = MODELS.build(model_cfg(dict(type='AlignTestStepsSpyLoss')))
    samples = [BaseDataElement(metainfo=dict(frame_inds=(np.arange(FRAMES) + k,
                                                         np.zeros(FRAMES, int))))
               for k in range(2)]
    model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), samples, mode='loss')
    assert model.loss_module.steps.tolist() == [list(range(k, k + FRAMES)) for k in range(2)]
    model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), mode='loss')  # no samples: no steps
    assert model.loss_module.steps is None


def test_frame_inds_and_lengths_of_both_views_reach_a_pair_steps_loss():
    model = MODELS.build(model_cfg(dict(type='AlignTestPairStepsSpyLoss')))
    samples = [BaseDataElement(metainfo=dict(
        frame_inds=(np.arange(FRAMES) + k, np.arange(FRAMES) * 2), video_lengths=(20 + k, 30)))
        for k in range(2)]
    model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), samples, mode='loss')
    steps_a, steps_b, lengths = model.loss_module.seen
    assert steps_a.tolist() == [list(range(k, k + FRAMES)) for k in range(2)]
    assert steps_b.tolist() == [list(range(0, 2 * FRAMES, 2))] * 2
    assert lengths.tolist() == [[20, 30], [21, 30]]
    model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), mode='loss')  # no samples: defaults
    assert model.loss_module.seen == (None, None, None)


def test_predict_contract():
    model = MODELS.build(model_cfg(dict(type='SoftDTWLoss')))
    model.eval()
    length = 9
    sample = BaseDataElement(metainfo=dict(video_name='v', video_index=0, is_ego=True,
                                           num_frames=length, split='val'))
    sample.gt_labels = np.zeros(length, dtype=np.int64)
    outputs = model(torch.randn(1, length, 3, SIZE, SIZE), [sample], mode='predict')
    assert len(outputs) == 1
    out = outputs[0]
    assert out.embeds.dtype == np.float32 and out.embeds.shape == (length, EMBED)
    assert out.video_name == 'v' and out.gt_labels.shape == (length,)
    assert 'embeds' not in sample  # the input sample is left as it was
    tensor = model(torch.randn(1, length, 3, SIZE, SIZE), mode='tensor')
    assert tensor.shape == (1, length, EMBED)


def test_bad_calls_raise():
    model = MODELS.build(model_cfg(dict(type='SoftDTWLoss')))
    with pytest.raises(ValueError, match=r'\[B, 2, T, 3, H, W\]'):
        model(torch.randn(2, FRAMES, 3, SIZE, SIZE), mode='loss')
    with pytest.raises(RuntimeError, match='mode'):
        model(torch.randn(1, 2, FRAMES, 3, SIZE, SIZE), mode='train')


@pytest.mark.parametrize('input_type,shape', [('patch_tokens', (2, FRAMES, 4, WIDTH)),
                                              ('frame_vectors', (2, FRAMES, WIDTH))])
def test_alignment_model_reads_the_feature_cache(input_type, shape):
    """The same stem as BYOV's: cached patch tokens or frame vectors instead of frames."""
    cfg = model_cfg(dict(type='SoftDTWLoss'))
    cfg['stem'] = dict(cfg['stem'], input_type=input_type)
    cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], input_type=input_type)
    model = MODELS.build(cfg)
    assert model.stem.frame_encoder is None
    assert model.ignorable_checkpoint_prefixes() == ('stem.frame_encoder.',)
    items = [torch.randn(shape).half() for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=items), True)
    loss = model(**data, mode='loss')['loss_align']
    loss.backward()
    assert all(p.grad is not None for p in model.backbone.parameters())
    (out,) = model(data['inputs'][:1, 0], mode='predict')
    assert out.embeds.shape == (FRAMES, EMBED)


def test_every_registered_model_names_its_ignorable_checkpoint_prefixes():
    """The contract with strict checkpoint loading."""
    from mmengine.model import BaseModel
    models = [cls for cls in MODELS.module_dict.values()
              if isinstance(cls, type) and issubclass(cls, BaseModel)
              and cls.__module__.startswith('byov.')]
    assert {'BYOV', 'AlignmentModel', 'FrameFeatureBaseline', 'TimeOnlyBaseline'} <= {
        cls.__name__ for cls in models}
    for cls in models:
        assert callable(getattr(cls, 'ignorable_checkpoint_prefixes', None)), cls.__name__


@MODELS.register_module(name='AlignTestPlainLoss', force=True)
class _PlainLoss(nn.Module):
    """An objective that does not subclass BaseAlignmentLoss."""

    def forward(self, embeds_a, embeds_b):
        return (embeds_a - embeds_b).pow(2).mean()


@MODELS.register_module(name='AlignTestStepsForgottenLoss', force=True)
class _StepsForgottenLoss(BaseAlignmentLoss):
    """Asks for the frame indices but its forward cannot take them."""
    uses_frame_inds = True

    def forward(self, embeds_a, embeds_b):
        return (embeds_a - embeds_b).pow(2).mean()


@MODELS.register_module(name='AlignTestRenamedLoss', force=True)
class _RenamedLoss(BaseAlignmentLoss):
    def forward(self, x, y):
        return (x - y).pow(2).mean()


@MODELS.register_module(name='AlignTestPerPairLoss', force=True)
class _PerPairLoss(BaseAlignmentLoss):
    """Forgets to reduce over the batch."""

    def forward(self, embeds_a, embeds_b):
        return (embeds_a - embeds_b).pow(2).mean(dim=(1, 2))


@pytest.mark.parametrize('align_loss', LOSSES, ids=lambda c: c['type'])
def test_shipped_objectives_fulfil_the_written_contract(align_loss):
    loss = MODELS.build(align_loss)
    assert isinstance(loss, BaseAlignmentLoss) and loss.loss_weight == 1.0
    BaseAlignmentLoss.check(loss, 'loss', 'test')  # raises on a broken contract
    # only TCC reads the sampled frame indices of view a; CARL's and LAV's both views'
    assert loss.uses_frame_inds == (align_loss['type'] == 'TCCLoss')
    assert loss.uses_pair_frame_inds == (align_loss['type'] in PAIR_STEP_LOSSES)
    # only the supervised reference reads the phase labels
    assert loss.uses_labels == (align_loss['type'] == 'PhaseClassificationLoss')
    with pytest.raises(ValueError, match='loss_weight must be a positive number'):
        MODELS.build(dict(align_loss, loss_weight=0))


@pytest.mark.parametrize('loss_type,message', [
    ('AlignTestPlainLoss', r'loss must be a byov\.models\.alignment\.base\.'
                           r'BaseAlignmentLoss subclass; _PlainLoss is not'),
    ('AlignTestStepsForgottenLoss', r'loss _StepsForgottenLoss sets uses_frame_inds = True '
                                    r'but its forward takes \(embeds_a, embeds_b\), no steps'),
    ('AlignTestPairStepsForgottenLoss', r'loss _PairStepsForgottenLoss sets '
                                        r'uses_pair_frame_inds = True but its forward '
                                        r'takes \(embeds_a, embeds_b, steps_a\); add '
                                        r'steps_a=None, steps_b=None and lengths=None'),
    ('AlignTestRenamedLoss', r'loss _RenamedLoss\.forward takes \(x, y\); the '
                             r'BaseAlignmentLoss contract is forward\(embeds_a, embeds_b\)'),
])
def test_a_broken_objective_is_refused_when_the_model_is_built(loss_type, message):
    with pytest.raises(TypeError, match='AlignmentModel: ' + message):
        MODELS.build(model_cfg(dict(type=loss_type)))


def test_an_objective_returning_more_than_a_scalar_is_refused():
    model = MODELS.build(model_cfg(dict(type='AlignTestPerPairLoss')))
    with pytest.raises(ValueError, match=r'returned \[2\]; a BaseAlignmentLoss returns a '
                                         '0-dimensional tensor'):
        model(torch.randn(2, 2, FRAMES, 3, SIZE, SIZE), mode='loss')
