"""Token selectors, temporal encoder, decoder, loss and data preprocessor on tiny shapes."""
import pytest
import torch

from byov.models.blocks import resize_pos_embed, sincos_pos_embed_1d
from byov.registry import MODELS


def test_stm_picks_the_moving_patches():
    T, N, D = 4, 10, 6
    torch.manual_seed(0)
    x = (0.1 * torch.randn(N, D)).expand(T, N, D).clone()
    moving = {0: [1, 4], 1: [2, 5], 2: [3, 6]}  # patches that change between t and t+1
    for t, patches in moving.items():
        x[t + 1:, patches] += 5.0 * (t + 1)
    stm = MODELS.build(dict(type='SelectiveTokenMerging', ratio=0.2))  # round(10 * 0.2) = 2
    out = stm(x[None])[0]
    for t in range(T):
        patches = moving[min(t, T - 2)]  # the last frame reuses the pair (T-2, T-1)
        assert torch.allclose(out[t], x[t, patches].mean(0))
    mean_pool = MODELS.build(dict(type='MeanTokenPooling'))(x[None])[0]
    assert torch.allclose(mean_pool, x.mean(1))


def test_stm_token_counts_and_reference_quirk():
    stm = MODELS.build(dict(type='SelectiveTokenMerging', ratio=0.3))
    assert stm.num_selected(196) == 59 and stm.num_selected(256) == 77
    quirk = MODELS.build(dict(type='SelectiveTokenMerging', ratio=0.3, num_ref_tokens=196))
    assert quirk.num_selected(256) == 59
    with pytest.raises(ValueError, match='at least 2 frames'):
        stm(torch.randn(1, 1, 8, 4))


def _decoder(causal=True):
    return MODELS.build(dict(type='MaskedFrameDecoder', in_channels=16, embed_dims=16,
                             out_channels=8, num_frames=12, num_layers=2, num_heads=4,
                             causal=causal))


def test_causal_mask_hides_the_future():
    torch.manual_seed(0)
    latent, ids_restore = torch.randn(2, 12, 16), torch.arange(12).expand(2, -1)
    later = latent.clone()
    later[:, 7:] += torch.randn(2, 5, 16)
    causal = _decoder(causal=True)
    out, out_later = causal(latent, ids_restore), causal(later, ids_restore)
    assert torch.allclose(out[:, :7], out_later[:, :7], atol=1e-6)  # past unaffected
    assert not torch.allclose(out[:, 7:], out_later[:, 7:], atol=1e-3)
    full = _decoder(causal=False)
    assert not torch.allclose(full(latent, ids_restore)[:, :7], full(later, ids_restore)[:, :7],
                              atol=1e-3)
    # cross-view modelling attends fully to the other view, even with causal=True
    context = torch.randn(2, 12, 16)
    a = causal(latent[:, :4], torch.arange(12).expand(2, -1), context=context)
    b = causal(latent[:, :4], torch.arange(12).expand(2, -1),
               context=context + torch.randn(2, 12, 16))
    assert a.shape == (2, 12, 8) and not torch.allclose(a[:, :1], b[:, :1], atol=1e-3)


def test_decoder_puts_mask_tokens_at_masked_frames():
    decoder = _decoder()
    ids_keep = torch.tensor([[5, 0, 9]])
    ids_restore = torch.argsort(torch.cat([ids_keep, torch.tensor([[1, 2, 3, 4, 6, 7, 8, 10, 11]])],
                                          1), dim=1)
    x = decoder.restore(torch.randn(1, 3, 16), ids_restore) - decoder.pos_embed
    mask_token = decoder.mask_token[0, 0]
    is_token = torch.isclose(x[0], mask_token.expand(12, -1), atol=1e-6).all(-1)
    assert is_token.nonzero().flatten().tolist() == [1, 2, 3, 4, 6, 7, 8, 10, 11]


def test_positions_interpolate_for_long_videos():
    table = sincos_pos_embed_1d(8, 16)[None]
    assert torch.equal(resize_pos_embed(table, 16), table)
    long = resize_pos_embed(table, 50)
    assert long.shape == (1, 50, 8)
    assert torch.allclose(long[0, 0], table[0, 0]) and torch.allclose(long[0, -1], table[0, -1])
    # linear interpolation (align_corners=False): 50 positions on 16 -> position i reads
    # source coordinate (i + 0.5) * 16 / 50 - 0.5
    src = (25 + 0.5) * 16 / 50 - 0.5
    lo, frac = int(src), src - int(src)
    assert torch.allclose(long[0, 25], (1 - frac) * table[0, lo] + frac * table[0, lo + 1])

    encoder = MODELS.build(dict(type='TemporalTransformerEncoder', in_channels=8, embed_dims=16,
                                num_frames=16, num_layers=1, num_heads=4))
    assert encoder(torch.randn(2, 50, 8)).shape == (2, 50, 16)
    strict = MODELS.build(dict(type='TemporalTransformerEncoder', in_channels=8, embed_dims=16,
                               num_frames=16, num_layers=1, num_heads=4, interpolate_pos=False))
    with pytest.raises(ValueError, match='interpolate_pos'):
        strict(torch.randn(1, 50, 8))
    assert strict(torch.randn(1, 5, 8)).shape == (1, 5, 16)  # shorter: first positions


def test_encoder_adds_positions_before_dropping_frames():
    """Properties, not a re-computation: a kept frame is encoded with its position in the
    full clip (not its rank among the kept frames) and never sees the dropped frames."""
    torch.manual_seed(0)
    encoder = MODELS.build(dict(type='TemporalTransformerEncoder', in_channels=8, embed_dims=16,
                                num_frames=6, num_layers=2, num_heads=4))
    x = torch.randn(1, 6, 8)
    out = encoder(x, torch.tensor([[4, 1]]))
    assert out.shape == (1, 2, 16)
    # the order of ids_keep only permutes the outputs: positions come from the full clip
    torch.testing.assert_close(encoder(x, torch.tensor([[1, 4]])), out.flip(1))
    # dropped frames have no influence
    other = x.clone()
    other[:, [0, 2, 3, 5]] = torch.randn(1, 4, 8)
    torch.testing.assert_close(encoder(other, torch.tensor([[4, 1]])), out)
    # the same content one position later is encoded differently
    shifted = x.clone()
    shifted[:, 5] = x[:, 4]
    assert not torch.allclose(encoder(shifted, torch.tensor([[5, 1]])), out, atol=1e-4)


def test_loss_reads_only_masked_frames():
    loss = MODELS.build(dict(type='MaskedReconstructionLoss', loss_weight=0.5))
    target = torch.zeros(2, 4, 3)
    pred = torch.full((2, 4, 3), 2.0)
    pred[0, 0] = 100.0  # a kept frame: ignored
    mask = torch.tensor([[0., 1., 1., 0.], [1., 0., 0., 0.]])
    assert loss(pred, target, mask).item() == pytest.approx(0.5 * 4.0)


def test_data_preprocessor_stacks_normalises_and_resizes():
    prep = MODELS.build(dict(type='EgoExoDataPreprocessor', size=8))
    mean = torch.tensor([0.48145466, 0.4578275, 0.40821073])
    pair = (mean * 255).round().to(torch.uint8).view(1, 1, 3, 1, 1).expand(2, 3, 3, 8, 8)
    out = prep(dict(inputs=[pair, pair], data_samples=['a', 'b']))
    assert out['inputs'].shape == (2, 2, 3, 3, 8, 8) and out['data_samples'] == ['a', 'b']
    assert out['inputs'].abs().max() < 0.01  # the CLIP mean maps to ~0
    video = torch.randint(0, 256, (5, 3, 16, 16), dtype=torch.uint8)
    assert prep(dict(inputs=[video]))['inputs'].shape == (1, 5, 3, 8, 8)
    with pytest.raises(ValueError, match='batch_size=1'):
        prep(dict(inputs=[video, video[:4]]))
