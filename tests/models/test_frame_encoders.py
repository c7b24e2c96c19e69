"""Frame encoders: a local tiny Hugging Face CLIP and the weight-free patch encoder."""
import pytest
import torch
from models_testutils import model_cfg

from byov.registry import MODELS


def test_clip_from_local_folder_is_frozen_and_drops_cls(tiny_clip_dir):
    from transformers import CLIPVisionModel
    encoder = MODELS.build(dict(type='CLIPVisionEncoder', pretrained=tiny_clip_dir,
                                local_files_only=True, chunk_size=None))
    assert (encoder.out_channels, encoder.num_tokens, encoder.input_size) == (32, 16, 32)
    frames = torch.randn(2, 3, 3, 32, 32)
    tokens = encoder(frames)
    assert tokens.shape == (2, 3, 16, 32) and not tokens.requires_grad
    hf = CLIPVisionModel.from_pretrained(tiny_clip_dir, local_files_only=True).eval()
    expected = hf(pixel_values=frames.flatten(0, 1)).last_hidden_state[:, 1:]
    assert torch.allclose(tokens.flatten(0, 1), expected, atol=1e-5)
    encoder.chunk_size = 4  # 6 frames in chunks of 4 and 2: same tokens
    assert torch.allclose(encoder(frames), tokens, atol=1e-6)
    assert not any(p.requires_grad for p in encoder.parameters())
    encoder.train()
    assert not encoder.training and not any(m.training for m in encoder.modules())
    with pytest.raises(ValueError, match='data_preprocessor.size=32'):
        encoder(torch.randn(1, 2, 3, 64, 64))


def test_clip_inside_byov_stays_frozen_through_train_and_init_weights(tiny_clip_dir):
    cfg = model_cfg(
        num_frames=8,
        stem=dict(type='FrameStem', token_selector=dict(type='SelectiveTokenMerging'),
                  frame_encoder=dict(type='CLIPVisionEncoder', pretrained=tiny_clip_dir,
                                     local_files_only=True)),
        backbone=dict(type='TemporalTransformerEncoder', in_channels=32, embed_dims=32,
                      num_layers=1, num_heads=4),
        decoder=dict(type='MaskedFrameDecoder', in_channels=32, embed_dims=32, out_channels=32,
                     num_layers=1, num_heads=4))
    model = MODELS.build(cfg)
    encoder = model.stem.frame_encoder
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    model.init_weights()  # mmengine's Runner calls this before training
    model.train()
    assert not encoder.training and model.backbone.training
    assert all(torch.equal(v, before[k]) for k, v in encoder.state_dict().items())
    trainable = {n.split('.')[0] for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'backbone', 'decoder'}


def test_tiny_patch_encoder_is_weight_free_and_deterministic():
    cfg = dict(type='TinyPatchEncoder', embed_dims=24, patch_size=8, input_size=32, seed=5)
    a, b = MODELS.build(cfg), MODELS.build(cfg)
    frames = torch.randn(1, 2, 3, 32, 32)
    assert a(frames).shape == (1, 2, 16, 24) and torch.equal(a(frames), b(frames))
    assert not torch.equal(a(frames), MODELS.build({**cfg, 'seed': 6})(frames))
    assert len(a.state_dict()) == 0 and len(list(a.parameters())) == 0
    # each token sees only its own patch
    moved = frames.clone()
    moved[..., :8, :8] += 1.0
    changed = (a(moved) - a(frames)).abs().sum(-1)[0, 0]
    assert changed.nonzero().flatten().tolist() == [0]
