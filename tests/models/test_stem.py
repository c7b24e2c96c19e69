"""FrameStem: one frozen stem for every model; checkpoints leave out the frozen frame
encoder the config rebuilds, record its identity, and refuse a different one."""
import os

import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint, weights_to_cpu
from models_testutils import TINY_CLIP, model_cfg
from torch import nn

from byov.models.stems import FrameEncoderMismatchError
from byov.registry import MODELS


def _clip_byov(folder, **overrides):
    """The tiny BYOV on a frozen Hugging Face CLIP tower saved in ``folder`` (D=32)."""
    cfg = model_cfg(
        num_frames=8,
        stem=dict(type='FrameStem', token_selector=dict(type='SelectiveTokenMerging'),
                  frame_encoder=dict(type='CLIPVisionEncoder', pretrained=str(folder),
                                     local_files_only=True)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=32, embed_dims=32,
                      num_layers=1, num_heads=4),
        decoder=dict(type='MaskedFrameDecoder', in_channels=32, embed_dims=32, out_channels=32,
                     num_layers=1, num_heads=4),
        data_preprocessor=dict(type='EgoExoDataPreprocessor', size=32))
    cfg.update(overrides)
    return MODELS.build(cfg)


def _save(model, path):
    save_checkpoint(dict(state_dict=weights_to_cpu(model.state_dict())), str(path))
    return str(path)


def _clip_bytes(model):
    return sum(p.numel() * p.element_size() for p in model.stem.frame_encoder.parameters())


@pytest.fixture(scope='module')
def other_clip_dir(tmp_path_factory):
    """A CLIP tower of the same shape with other weights."""
    from transformers import CLIPVisionConfig, CLIPVisionModel
    torch.manual_seed(1)
    folder = tmp_path_factory.mktemp('other_clip')
    CLIPVisionModel(CLIPVisionConfig(**TINY_CLIP)).save_pretrained(str(folder))
    return str(folder)


def test_checkpoint_leaves_out_the_frozen_encoder_and_loading_restores_it(tiny_clip_dir,
                                                                          tmp_path):
    torch.manual_seed(0)
    model = _clip_byov(tiny_clip_dir).eval()
    state = model.state_dict()
    assert not any(k.startswith('stem.frame_encoder.') for k in state)
    assert any(k.startswith('backbone.') for k in state)
    recorded = state._metadata['stem']['frame_encoder']
    assert recorded['type'] == 'CLIPVisionEncoder' and recorded['source'] == tiny_clip_dir
    assert recorded['fingerprint'] == model.stem.frame_encoder.fingerprint()
    path = _save(model, tmp_path / 'byov.pth')
    # the file holds the trained parts only: smaller than the frozen tower alone
    trained = sum(v.numel() * v.element_size() for v in state.values())
    assert _clip_bytes(model) > 0
    assert os.path.getsize(path) < trained + _clip_bytes(model) // 2

    torch.manual_seed(5)  # other random trained parts, the same frozen tower
    fresh = _clip_byov(tiny_clip_dir).eval()
    load_checkpoint(fresh, path, map_location='cpu', strict=True)  # nothing missing
    fresh.load_state_dict(torch.load(path, weights_only=True)['state_dict'], strict=True)
    frames = torch.randn(1, 10, 3, 32, 32)
    torch.testing.assert_close(fresh(frames, mode='tensor'), model(frames, mode='tensor'))
    assert fresh.ignorable_checkpoint_prefixes() == ('stem.frame_encoder.',)


def test_loading_refuses_another_frozen_encoder(tiny_clip_dir, other_clip_dir, tmp_path):
    path = _save(_clip_byov(tiny_clip_dir), tmp_path / 'byov.pth')
    with pytest.raises(FrameEncoderMismatchError, match='model.stem.frame_encoder'):
        load_checkpoint(_clip_byov(other_clip_dir), path, map_location='cpu')
    # the tiny encoder has no stored weights, but its identity (the seed) is recorded too
    tiny = MODELS.build(model_cfg())
    tiny_path = _save(tiny, tmp_path / 'tiny.pth')
    stem = dict(model_cfg()['stem'])
    stem['frame_encoder'] = dict(stem['frame_encoder'], seed=1)
    with pytest.raises(FrameEncoderMismatchError, match="'seed'|fingerprint"):
        load_checkpoint(MODELS.build(model_cfg(stem=stem)), tiny_path, map_location='cpu')
    load_checkpoint(MODELS.build(model_cfg()), tiny_path, map_location='cpu', strict=True)


def test_weights_the_config_cannot_rebuild_stay_in_the_checkpoint():
    torch.manual_seed(0)
    cfg = model_cfg(num_frames=8, stem=dict(
        type='FrameStem', token_selector=dict(type='MeanTokenPooling'),
        frame_encoder=dict(type='CLIPVisionEncoder', pretrained=None, config=TINY_CLIP)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=32, embed_dims=32,
                      num_layers=1, num_heads=4),
        decoder=dict(type='MaskedFrameDecoder', in_channels=32, embed_dims=32,
                     out_channels=32, num_layers=1, num_heads=4))
    model = MODELS.build(cfg)  # a random tower: no pretrained source to rebuild it from
    assert any(k.startswith('stem.frame_encoder.clip.') for k in model.state_dict())
    assert model.ignorable_checkpoint_prefixes() == ()


def test_cached_feature_model_ignores_exactly_the_frame_encoder_keys(tiny_clip_dir):
    """A full checkpoint (e.g. converted from the reference, CLIP included) loads into a
    model that reads patch tokens: the only unexpected keys are ignorable ones."""
    full = _clip_byov(tiny_clip_dir)
    state = dict(full.state_dict())
    state.update({f'stem.frame_encoder.{k}': v
                  for k, v in full.stem.frame_encoder.state_dict().items()})
    cached = _clip_byov(
        tiny_clip_dir,
        stem=dict(type='FrameStem', token_selector=dict(type='SelectiveTokenMerging'),
                  frame_encoder=full.stem.frame_encoder_cfg, input_type='patch_tokens'),
        data_preprocessor=dict(type='EgoExoDataPreprocessor', input_type='patch_tokens'))
    result = cached.load_state_dict(state, strict=False)
    prefixes = cached.ignorable_checkpoint_prefixes()
    assert prefixes == ('stem.frame_encoder.',) and not result.missing_keys
    assert result.unexpected_keys and all(k.startswith(prefixes) for k in result.unexpected_keys)


class _TrainableFrameEncoder(nn.Module):
    """A trainable per-frame embedder returning frame vectors ``[B, T, 8]`` itself."""

    out_channels = 8

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 8)
        self.initialised = False

    def init_weights(self):  # where AE2's ResNet loads its pretrained weights
        self.initialised = True

    def forward(self, frames):
        return self.proj(frames.mean((-2, -1)))


MODELS.register_module(name='StemTestTrainableEncoder', module=_TrainableFrameEncoder,
                       force=True)


def test_frozen_false_trains_the_encoder_or_is_refused():
    with pytest.raises(ValueError, match='frozen by construction'):
        MODELS.build(dict(type='FrameStem', frozen=False, frame_encoder=dict(
            type='TinyPatchEncoder', embed_dims=8, patch_size=8, input_size=16)))
    trained = MODELS.build(dict(type='FrameStem', frozen=False,
                                frame_encoder=dict(type='StemTestTrainableEncoder')))
    trained.train()
    assert trained.frame_encoder.training
    trained(torch.randn(2, 4, 3, 16, 16)).sum().backward()
    assert trained.frame_encoder.proj.weight.grad is not None
    frozen = MODELS.build(dict(type='FrameStem',
                               frame_encoder=dict(type='StemTestTrainableEncoder')))
    frozen.train()
    assert not frozen.frame_encoder.training
    out = frozen(torch.randn(2, 4, 3, 16, 16))
    assert not out.requires_grad and not any(
        p.requires_grad for p in frozen.frame_encoder.parameters())
    # and a frozen trainable encoder is not rebuildable: its weights stay in checkpoints
    assert 'frame_encoder.proj.weight' in frozen.state_dict()


def test_stem_inputs_are_checked():
    with pytest.raises(ValueError, match='input_type must be one of'):
        MODELS.build(dict(type='FrameStem', input_type='features'))
    with pytest.raises(ValueError, match='needs a frame_encoder'):
        MODELS.build(dict(type='FrameStem', token_selector=dict(type='MeanTokenPooling')))
    with pytest.raises(ValueError, match='needs a token_selector'):
        MODELS.build(dict(type='FrameStem', input_type='patch_tokens'))


def test_init_weights_reaches_the_frame_encoder():
    """mmengine's Runner calls model.init_weights() once; it must reach the encoder inside
    the stem (AE2's ResNet loads its ImageNet weights there)."""
    model = MODELS.build(dict(
        type='AlignmentModel', num_frames=4, loss=dict(type='TCCLoss'), backbone=None,
        stem=dict(type='FrameStem', frozen=False,
                  frame_encoder=dict(type='StemTestTrainableEncoder'))))
    assert not model.stem.frame_encoder.initialised
    model.init_weights()
    assert model.stem.frame_encoder.initialised


def test_boxes_reach_only_a_frame_encoder_that_reads_them():
    """A frame encoder declaring reads_boxes gets the boxes with the frames; a stem whose
    encoder does not read them refuses boxes, and the box stem refuses to run without."""
    box_stem = MODELS.build(dict(type='FrameStem', token_selector=dict(type='MeanTokenPooling'),
                                 frame_encoder=dict(type='BoxGeometryEncoder', num_slots=2)))
    frame_stem = MODELS.build(dict(
        type='FrameStem', token_selector=dict(type='MeanTokenPooling'),
        frame_encoder=dict(type='TinyPatchEncoder', embed_dims=8, patch_size=8,
                           input_size=16)))
    assert box_stem.reads_boxes and not frame_stem.reads_boxes
    boxes = torch.zeros(1, 3, 2, 10)
    boxes[..., 9] = -1  # empty slots, except frame 1's first: centre (0.3, 0.5)
    boxes[0, 1, 0] = torch.tensor([0.2, 0.4, 0.4, 0.6, 0.9, 0, 0, 0, 0, 0])
    vectors = box_stem(torch.zeros(1, 3, 3, 0, 0), boxes)
    assert vectors.shape == (1, 3, 7 * 2 + 4)  # one token per frame, passed through
    assert vectors[0, 1, :2].tolist() == pytest.approx([0.3, 0.5])
    assert not vectors[0, [0, 2]].any()
    with pytest.raises(ValueError, match='reads per-frame boxes, but they were not passed'):
        box_stem(torch.zeros(1, 3, 3, 0, 0))
    with pytest.raises(ValueError, match='does not read per-frame boxes, but they were passed'):
        frame_stem(torch.zeros(1, 3, 3, 16, 16), boxes)
