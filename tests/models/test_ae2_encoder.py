"""AE2ResNetEncoder (AE2's own embedder) and AlignmentModel with it, on tiny inputs:
random weights, ResNet-18, 32x32 frames, a few steps."""
import numpy as np
import pytest
import torch

import byov.models  # noqa: F401  (registers the components)
from byov.datasets.transforms import context_frame_indices
from byov.registry import MODELS

SIZE = 32  # ResNet to layer3 downsamples 16x: 2x2 feature maps


def tiny_encoder(**kwargs):
    cfg = dict(type='AE2ResNetEncoder', depth=18, hidden_dims=16, embed_dims=8, dropout=0.0)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def test_shapes_and_contract():
    encoder = tiny_encoder().eval()
    assert encoder.out_channels == 8
    out = encoder(torch.randn(2, 2 * 4, 3, SIZE, SIZE))  # 4 steps of (context, frame)
    assert out.shape == (2, 4, 8)
    with pytest.raises(ValueError, match='num_context_steps=2'):
        encoder(torch.randn(1, 5, 3, SIZE, SIZE))


def test_each_step_sees_its_own_frames_only():
    encoder = tiny_encoder().eval()
    frames = torch.randn(1, 2 * 3, 3, SIZE, SIZE)
    out = encoder(frames)
    changed = frames.clone()
    changed[0, 2] = torch.randn(3, SIZE, SIZE)  # the context frame of step 1
    new = encoder(changed)
    assert torch.allclose(out[0, [0, 2]], new[0, [0, 2]], atol=1e-6)
    assert not torch.allclose(out[0, 1], new[0, 1], atol=1e-4)  # the context matters
    # steps are not mixed: embedding all 3 steps at once or one at a time agrees
    alone = torch.cat([encoder(frames[:, 2 * t:2 * t + 2]) for t in range(3)], dim=1)
    assert torch.allclose(out, alone, atol=1e-5)


def test_context_frames_are_a_time_axis():
    """The two frames of a step are the Conv3d's time axis: swapping them changes the
    embedding, and with reference_context_layout (AE2's reshape) the layout differs."""
    encoder = tiny_encoder().eval()
    frames = torch.randn(1, 2, 3, SIZE, SIZE)
    swapped = frames.flip(1)
    assert not torch.allclose(encoder(frames), encoder(swapped), atol=1e-4)
    feats = encoder.backbone(frames[0])  # [2, F, h, w]
    seen = {}
    encoder.conv_layers.register_forward_pre_hook(lambda m, x: seen.__setitem__('x', x[0]))
    encoder(frames)
    assert torch.equal(seen['x'], feats.transpose(0, 1)[None])  # [1, F, 2, h, w]
    encoder.reference_context_layout = True
    encoder(frames)
    assert torch.equal(seen['x'], feats.reshape(1, feats.shape[1], 2, *feats.shape[2:]))


def test_chunked_evaluation_matches_one_pass():
    encoder = tiny_encoder(chunk_size=2).eval()
    frames = torch.randn(1, 2 * 5, 3, SIZE, SIZE)
    chunked = encoder(frames)
    encoder.chunk_size = None
    assert torch.allclose(chunked, encoder(frames), atol=1e-5)


def test_context_indices():
    inds = context_frame_indices(np.array([0, 10, 16, 40]), 41, 2, 15)
    assert inds.tolist() == [0, 0, 0, 10, 1, 16, 25, 40]  # (t - 15, t), clamped at 0
    assert context_frame_indices(np.array([5, 40]), 41, 3, 2).tolist() == [1, 3, 5,
                                                                            36, 38, 40]


def test_alignment_model_trains_the_encoder_end_to_end():
    cfg = dict(
        type='AlignmentModel', num_frames=4,
        stem=dict(type='FrameStem', frozen=False, token_selector=None, frame_encoder=dict(
            type='AE2ResNetEncoder', depth=18, hidden_dims=16, embed_dims=8)),
        backbone=None, loss=dict(type='TCCLoss'),
        data_preprocessor=dict(type='EgoExoDataPreprocessor', mean=[0.5] * 3, std=[0.5] * 3))
    torch.manual_seed(0)
    model = MODELS.build(cfg).train()
    assert model.stem.frame_encoder.training
    pairs = torch.randn(2, 2, 2 * 4, 3, SIZE, SIZE)  # 4 steps per clip, with context
    loss = model(pairs, mode='loss')['loss_align']
    loss.backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad
    model.eval()
    assert model(pairs[0, :1], mode='tensor').shape == (1, 4, 8)
    with pytest.raises(ValueError, match='nothing to train'):
        MODELS.build(dict(cfg, stem=dict(cfg['stem'], frozen=True)))
