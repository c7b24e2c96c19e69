"""TemporalTransformerEncoder's ``positions``: the default ('sincos') path as written,
and the clock-free settings ('held', 'none'), which make the encoder
permutation-equivariant over frames."""
import pytest
import torch

import byov.models.temporal_encoder  # noqa: F401  (registers the encoder)
from byov.models.blocks import resize_pos_embed, sincos_pos_embed_1d
from byov.registry import MODELS

WIDTH, EMBED, FRAMES = 8, 16, 6


def _encoder(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='TemporalTransformerEncoder', in_channels=WIDTH,
                             embed_dims=EMBED, num_frames=FRAMES, num_layers=2, num_heads=4,
                             **kwargs)).eval()


def _by_hand(encoder, x, pos):
    """The encoder's layers applied one by one to ``x + pos`` (an independent pass)."""
    h = encoder.pre_norm(encoder.embed_proj(encoder.embed_norm(x + pos)))
    for block in encoder.blocks:
        h = block(h)
    return h


@pytest.mark.parametrize('length', [FRAMES, 11])
def test_default_adds_each_frame_its_sincos_position(length):
    encoder = _encoder()
    assert encoder.positions == 'sincos'
    x = torch.randn(2, length, WIDTH)
    table = sincos_pos_embed_1d(WIDTH, FRAMES)[None]
    expected = _by_hand(encoder, x, resize_pos_embed(table, length))
    with torch.no_grad():
        assert torch.allclose(encoder(x), expected, atol=1e-6)


def test_default_output_unchanged_by_the_new_option():
    """Same seed, same weights and output whether ``positions`` is left out or given."""
    x = torch.randn(1, 9, WIDTH)
    implicit, explicit = _encoder(), _encoder(positions='sincos')
    with torch.no_grad():
        assert torch.equal(implicit(x), explicit(x))


def test_held_adds_one_position_to_every_frame():
    encoder = _encoder(positions='held')
    x = torch.randn(2, 10, WIDTH)
    middle = sincos_pos_embed_1d(WIDTH, FRAMES)[(FRAMES - 1) // 2]
    with torch.no_grad():
        assert torch.allclose(encoder(x), _by_hand(encoder, x, middle), atol=1e-6)


def test_none_adds_nothing():
    encoder = _encoder(positions='none')
    x = torch.randn(2, 10, WIDTH)
    with torch.no_grad():
        assert torch.allclose(encoder(x), _by_hand(encoder, x, 0.0), atol=1e-6)


@pytest.mark.parametrize('positions', ['held', 'none'])
def test_clock_free_encoder_is_permutation_equivariant(positions):
    torch.manual_seed(1)
    x, perm = torch.randn(2, 12, WIDTH), torch.randperm(12)
    with torch.no_grad():
        out = _encoder(positions=positions)(x)
        assert torch.allclose(_encoder(positions=positions)(x[:, perm]), out[:, perm],
                              atol=1e-5)
        # the default sees the order: the same permutation changes the embeddings
        default = _encoder()
        assert not torch.allclose(default(x[:, perm]), default(x)[:, perm], atol=1e-3)


def test_checkpoint_keys_and_weights_are_shared_by_every_setting():
    keys = set(_encoder().state_dict())
    assert 'pos_embed' not in keys
    for positions in ('held', 'none'):
        other = _encoder(positions=positions)
        assert set(other.state_dict()) == keys
        other.load_state_dict(_encoder().state_dict(), strict=True)


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="positions must be one of.*'sincos'"):
        _encoder(positions='learned')
