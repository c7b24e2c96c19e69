"""The written contracts: backbones and decoders are checked when a model is built, the
clip length is set once (model.num_frames) and refused when it differs, and "causal"
restricts the decoder only."""
import pytest
import torch
from models_testutils import model_cfg, weight_free
from torch import nn

from byov.models import BaseMaskedDecoder, BaseTemporalEncoder
from byov.registry import MASKING, MODELS
from byov.structures import EgoExoDataSample


def _pairs(num_frames, batch_size=2):
    return torch.randint(0, 256, (batch_size, 2, num_frames, 3, 64, 64), dtype=torch.uint8)


@MODELS.register_module(name='ContractTestPlainEncoder', force=True)
class _PlainEncoder(nn.Module):
    """A temporal encoder that does not subclass BaseTemporalEncoder."""

    def __init__(self, in_channels=128, embed_dims=128, num_frames=16):
        super().__init__()
        self.in_channels, self.embed_dims, self.num_frames = in_channels, embed_dims, num_frames
        self.proj = nn.Linear(in_channels, embed_dims)

    def forward(self, x, ids_keep=None):
        return self.proj(x)


@MODELS.register_module(name='ContractTestForgetfulEncoder', force=True)
class _ForgetfulEncoder(BaseTemporalEncoder):
    """Subclasses the base but never calls its __init__ with the attributes."""

    def __init__(self, in_channels=128, embed_dims=128, num_frames=16):
        nn.Module.__init__(self)
        self.embed_dims = embed_dims
        self.proj = nn.Linear(in_channels, embed_dims)

    def forward(self, x, ids_keep=None):
        return self.proj(x)


@MODELS.register_module(name='ContractTestOneArgEncoder', force=True)
class _OneArgEncoder(BaseTemporalEncoder):
    def __init__(self, in_channels=128, embed_dims=128, num_frames=16):
        super().__init__(in_channels, embed_dims, num_frames)
        self.proj = nn.Linear(in_channels, embed_dims)

    def forward(self, x):
        return self.proj(x)


@MODELS.register_module(name='ContractTestMeanDecoder', force=True)
class _MeanDecoder(BaseMaskedDecoder):
    """A decoder honouring the contract but without the reference-defect path."""

    def __init__(self, in_channels=128, out_channels=128, num_frames=16):
        super().__init__(in_channels, out_channels, num_frames)
        self.proj = nn.Linear(in_channels, out_channels)

    def forward(self, latent, ids_restore, context=None):
        mean = self.proj(latent).mean(1, keepdim=True)
        return mean.expand(-1, ids_restore.shape[1], -1)


@pytest.mark.parametrize('backbone,match', [
    ('ContractTestPlainEncoder', 'backbone must be a byov.models.base.BaseTemporalEncoder'),
    ('ContractTestForgetfulEncoder', 'does not set in_channels, num_frames, interpolate_pos'),
    ('ContractTestOneArgEncoder', r'forward\(x, ids_keep\)'),
])
def test_a_backbone_outside_the_contract_is_refused_at_build(backbone, match):
    with pytest.raises(TypeError, match=match):
        MODELS.build(model_cfg(backbone=dict(type=backbone)))


def test_a_decoder_within_the_contract_trains_and_the_defect_path_is_its_own():
    cfg = model_cfg(decoder=dict(type='ContractTestMeanDecoder'))
    model = MODELS.build(cfg)
    losses = model(**model.data_preprocessor(dict(inputs=list(_pairs(16))), True), mode='loss')
    assert set(losses) == {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
    defect = MODELS.build(dict(cfg, reference_second_view_defect=True))
    with pytest.raises(NotImplementedError, match='second-view defect'):
        defect(**defect.data_preprocessor(dict(inputs=list(_pairs(16))), True), mode='loss')


@pytest.mark.parametrize('length', [24, 40])
def test_loss_refuses_clips_of_another_length(length):
    model = MODELS.build(model_cfg())  # built for 16-frame clips
    data = model.data_preprocessor(dict(inputs=list(_pairs(length))), True)
    with pytest.raises(ValueError, match=rf'got {length}-frame clips .*model.num_frames=16'
                                         r'.*SampleClipFrames'):
        model(**data, mode='loss')
    # whole videos of any length are still embedded (positions interpolated)
    video = model.data_preprocessor(dict(inputs=[_pairs(length, 1)[0, 0]]))
    assert model(**video, mode='predict')[0].embeds.shape == (length, 128)


def test_alignment_model_refuses_clips_of_another_length():
    cfg = dict(type='AlignmentModel', num_frames=6, loss=dict(type='SoftDTWLoss'),
               stem=dict(type='FrameStem', token_selector=dict(type='MeanTokenPooling'),
                         frame_encoder=dict(type='TinyPatchEncoder', embed_dims=16,
                                            patch_size=8, input_size=16)),
               backbone=dict(type='TemporalTransformerEncoder', in_channels=16, embed_dims=8,
                             num_layers=1, num_heads=2))
    model = MODELS.build(cfg)
    assert model.backbone.num_frames == 6
    with pytest.raises(ValueError, match='got 9-frame clips .*model.num_frames=6'):
        model(torch.randn(1, 2, 9, 3, 16, 16), mode='loss')


def test_the_clip_length_is_set_once():
    model = MODELS.build(model_cfg(num_frames=12))
    assert model.num_frames == model.backbone.num_frames == model.decoder.num_frames == 12
    assert model.backbone.pos_embed.shape[1] == model.decoder.pos_embed.shape[1] == 12
    cfg = model_cfg()
    cfg['backbone'] = dict(cfg['backbone'], num_frames=16)  # the same value is accepted
    MODELS.build(cfg)
    cfg['decoder'] = dict(cfg['decoder'], num_frames=24)
    with pytest.raises(ValueError, match='decoder.num_frames=24 is longer than the 16-frame '
                                         'clips of model.num_frames=16'):
        MODELS.build(cfg)


def test_torch_compile_option_is_gone():
    """mmengine's ``compile=True`` (a top-level config key) compiles the model instead."""
    with pytest.raises(TypeError, match='torch_compile'):
        MODELS.build(model_cfg(torch_compile=True))


@MASKING.register_module(name='ContractTestFixedMasking', force=True)
class _FixedMasking:
    """Keeps frames 0, 5 and 11 of 16 in every sample."""

    ratio = 13 / 16
    kept = [0, 5, 11]

    def num_keep(self, num_frames):
        return len(self.kept)

    def __call__(self, batch_size, num_frames, device=None, generator=None):
        order = self.kept + [t for t in range(num_frames) if t not in self.kept]
        ids_shuffle = torch.tensor(order, device=device).expand(batch_size, -1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        mask = torch.ones(batch_size, num_frames, device=device)
        mask[:, self.kept] = 0
        return ids_shuffle[:, :len(self.kept)], ids_restore, mask


@pytest.mark.parametrize('causal', [True, False])
def test_causal_restricts_the_decoder_only(causal):
    """End to end through the self-view pass (frame vectors -> backbone on the kept
    frames -> decoder): what the prediction of frame t = 3 may depend on.

    - masked frames never reach any prediction (causal or not);
    - the kept future frame 5 reaches it through the backbone, which attends over every
      kept frame (the reference's design), causal or not;
    - with the backbone's outputs held fixed, the kept future frame reaches it only
      without the causal mask: the decoder's causal attention hides the future.
    """
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(decoder=dict(model_cfg()['decoder'], causal=causal),
                                   self_view_masking=dict(type='ContractTestFixedMasking')))
    model.eval()
    ids_keep, ids_restore, _ = model.self_view_masking(1, 16)
    vectors = torch.randn(1, 16, 128)

    def predict(x):
        with torch.no_grad():
            return model.self_view_predictions(x, ids_keep, ids_restore)[0]

    base = predict(vectors)
    masked_changed = vectors.clone()
    masked_changed[:, [1, 2, 4, 6, 15]] += 3 * torch.randn(1, 5, 128)
    torch.testing.assert_close(predict(masked_changed), base)  # masked frames are unseen

    future_changed = vectors.clone()
    future_changed[:, 5] += 3 * torch.randn(128)
    assert not torch.allclose(predict(future_changed)[3], base[3], atol=1e-4)  # via backbone

    # hold the backbone's output of the kept frames before t fixed (kept frame 0)
    with torch.no_grad():
        latent = model.backbone(vectors, ids_keep)
    hook = model.backbone.register_forward_hook(
        lambda module, args, out: torch.cat([latent[:, :1], out[:, 1:]], dim=1))
    try:
        changed = predict(future_changed)
    finally:
        hook.remove()
    if causal:
        torch.testing.assert_close(changed[:4], base[:4])  # positions 0..3 see no future
    else:
        assert not torch.allclose(changed[3], base[3], atol=1e-4)


def test_predictions_are_typed_samples_with_one_embedding_per_frame():
    from mmengine.structures import BaseDataElement
    model = MODELS.build(model_cfg()).eval()
    sample = BaseDataElement(metainfo=dict(video_name='v', num_frames=20),
                             gt_labels=torch.zeros(20, dtype=torch.long).numpy())
    video = model.data_preprocessor(dict(inputs=[_pairs(20, 1)[0, 0]], data_samples=[sample]))
    (out,) = model(**video, mode='predict')
    assert isinstance(out, EgoExoDataSample) and out.video_name == 'v'
    assert out.embeds.shape == (20, 128) and out.gt_labels.shape == (20,)
    assert 'embeds' not in sample
    with pytest.raises(ValueError, match="embeds of video 'v' has 19 rows .*num_frames=20"):
        out.embeds = out.embeds[:19]
    with pytest.raises(ValueError, match='gt_labels .* must be integer labels'):
        EgoExoDataSample(gt_labels=torch.zeros(4).numpy())


@pytest.mark.parametrize('name, needs', [('byov_tiny', True), ('ae2_tcc', True),
                                         ('frozen_features_tiny', False)])
def test_models_that_train_on_clips_require_num_frames(name, needs):
    """BaseEgoExoModel asks for num_frames where the model trains on clips
    (NEEDS_NUM_FRAMES) and names where to set it; the frozen-feature baseline does not."""
    cfg = weight_free(model_cfg(name, num_frames=None))
    if needs:
        with pytest.raises(ValueError, match=r'num_frames \(frames per training clip\) is '
                           r'required: set model.num_frames'):
            MODELS.build(cfg)
    else:
        cfg.pop('num_frames')  # the baseline takes no clip length at all
        assert MODELS.build(cfg).num_frames is None  # nothing to train
