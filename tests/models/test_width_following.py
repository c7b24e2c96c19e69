"""Widths typed once: the parts that consume the frame encoder's width D (and the
backbone's E) follow it when their configs leave it unset; a width that is set is
checked. D comes from the built encoder, or, with cached features (encoder not built),
from the encoder's config."""
import pytest
import torch
from models_testutils import TINY_CLIP, model_cfg

from byov.registry import MODELS


def _unset(cfg):
    for part, keys in (('backbone', ('in_channels',)),
                       ('decoder', ('in_channels', 'out_channels'))):
        for key in keys:
            cfg[part].pop(key, None)
    return cfg


def _tiny(embed_dims=48, input_type='frames', **encoder):
    cfg = _unset(model_cfg())
    cfg['stem']['frame_encoder'].update(embed_dims=embed_dims, **encoder)
    cfg['stem']['input_type'] = cfg['data_preprocessor']['input_type'] = input_type
    return cfg


@pytest.mark.parametrize('input_type', ['frames', 'patch_tokens', 'frame_vectors'])
def test_byov_follows_the_frame_encoder_width(input_type):
    model = MODELS.build(_tiny(48, input_type))
    assert (model.stem.frame_encoder is None) == (input_type != 'frames')
    assert model.backbone.in_channels == 48 and model.decoder.out_channels == 48
    assert model.decoder.in_channels == model.backbone.embed_dims == 128
    # the built modules have those widths, not just the attributes
    assert model.backbone.embed_proj.weight.shape == (128, 48)
    assert model.decoder.head_proj.weight.shape[0] == 48
    frame = {'frames': (3, 64, 64), 'patch_tokens': (64, 48), 'frame_vectors': (48,)}
    inputs = torch.randn(2, 2, 16, *frame[input_type])
    if input_type == 'frames':
        inputs = inputs.clamp(-1, 1)
    losses = model.loss(inputs)
    assert all(torch.isfinite(v) for v in losses.values())


def test_a_local_clip_folder_sets_the_width(tiny_clip_dir):
    cfg = _unset(model_cfg())
    cfg['stem']['frame_encoder'] = dict(type='CLIPVisionEncoder', pretrained=tiny_clip_dir,
                                        local_files_only=True)
    cfg['data_preprocessor']['size'] = TINY_CLIP['image_size']
    for input_type in ('frames', 'patch_tokens'):  # built, or read from config.json
        cfg['stem']['input_type'] = cfg['data_preprocessor']['input_type'] = input_type
        model = MODELS.build(cfg)
        D = TINY_CLIP['hidden_size']
        assert model.backbone.in_channels == model.decoder.out_channels == D, input_type


def test_explicit_widths_are_kept_and_checked():
    cfg = _tiny(48)
    cfg['backbone']['in_channels'] = 100
    with pytest.raises(ValueError, match=r'backbone.in_channels=100 does not match the '
                                         r'frame encoder width \(48\); set '
                                         r'backbone.in_channels=48'):
        MODELS.build(cfg)
    cfg = _tiny(48)
    cfg['decoder']['out_channels'] = 100
    with pytest.raises(ValueError, match=r'decoder.out_channels=100 does not match'):
        MODELS.build(cfg)
    cfg = _tiny(48)
    cfg['backbone']['in_channels'] = 48  # agreeing values are fine
    assert MODELS.build(cfg).backbone.in_channels == 48


def test_unknown_width_names_the_option():
    cfg = _tiny(48, 'patch_tokens')
    cfg['stem']['frame_encoder'] = None  # cached features, nothing says what D is
    with pytest.raises(ValueError, match=r'backbone.in_channels is not set and the frame '
                                         r'encoder width is unknown'):
        MODELS.build(cfg)


@pytest.mark.parametrize('input_type', ['frames', 'frame_vectors'])
def test_alignment_model_follows_the_width(input_type):
    cfg = dict(type='AlignmentModel', num_frames=8, loss=dict(type='TCCLoss'),
               stem=dict(type='FrameStem', input_type=input_type,
                         frame_encoder=dict(type='TinyPatchEncoder', embed_dims=40,
                                            patch_size=8, input_size=32),
                         token_selector=dict(type='MeanTokenPooling')),
               data_preprocessor=dict(type='EgoExoDataPreprocessor', size=32,
                                      input_type=input_type),
               backbone=dict(type='TemporalTransformerEncoder', embed_dims=16,
                             num_layers=1, num_heads=2))
    model = MODELS.build(cfg)
    assert model.backbone.in_channels == 40
    assert model.backbone.embed_proj.weight.shape == (16, 40)


def test_an_encoder_without_width_from_config_is_built_once_to_read_it():
    from byov.models.frame_encoders.base import BaseFrameEncoder

    class WidthAfterBuild(BaseFrameEncoder):  # no width_from_config: D known when built
        builds = 0

        def __init__(self, seed=0):
            super().__init__()
            type(self).builds += 1
            self.out_channels = 24 + seed
            self.num_tokens, self.input_size = 4, 16

    cfg = _unset(model_cfg())
    cfg['stem']['frame_encoder'] = dict(type=WidthAfterBuild, seed=2)
    cfg['stem']['input_type'] = cfg['data_preprocessor']['input_type'] = 'patch_tokens'
    model = MODELS.build(cfg)
    assert model.stem.frame_encoder is None and WidthAfterBuild.builds == 1
    assert model.backbone.in_channels == model.decoder.out_channels == 26
