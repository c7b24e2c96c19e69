"""The weight-free scene-state encoder: the view gap's two ends, the documented nuisance,
determinism and identity, and its configs end to end on the state path."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from byov.models.frame_encoders import SceneStateEncoder
from byov.registry import MODELS
from byov.scene_state import NUM_STATE_COLUMNS, STATE_UNITS, pack_state_table
from byov.structures import EgoExoDataSample

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _states(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, NUM_STATE_COLUMNS)).astype(
        np.float32)


def _encode(encoder, states, is_ego, code, frame_index=None):
    index = np.arange(len(states)) if frame_index is None else frame_index
    table = torch.from_numpy(pack_state_table(states, is_ego, code, index))[None]
    return encoder(torch.zeros(1, len(states), 3, 0, 0), table)[0, :, 0]


def test_view_gap_zero_is_view_invariant_and_one_is_not():
    states = _states(12)
    plain = dict(nuisance=False)
    same = SceneStateEncoder(view_gap=0.0, **plain)
    torch.testing.assert_close(_encode(same, states, True, 5), _encode(same, states, False, 9))
    apart = SceneStateEncoder(view_gap=1.0, **plain)
    ego, exo = _encode(apart, states, True, 5), _encode(apart, states, False, 5)
    assert (ego - exo).norm() > 0.5 * ego.norm()
    # halfway, the ego-exo distance lies between the two ends
    half = SceneStateEncoder(view_gap=0.5, **plain)
    gap = (_encode(half, states, True, 5) - _encode(half, states, False, 5)).norm()
    assert 0 < gap < (ego - exo).norm()


def test_features_are_the_documented_maps_of_the_scaled_state():
    """An independent computation of the docstring's formula, nuisance included."""
    g, dims, seed = 0.3, 16, 4
    enc = SceneStateEncoder(view_gap=g, embed_dims=dims, seed=seed)
    states = _states(7, seed=1)
    got = _encode(enc, states, False, 1234, frame_index=np.arange(10, 17)).double()
    maps = torch.randn(3, dims, NUM_STATE_COLUMNS,
                       generator=torch.Generator().manual_seed(seed)).double()
    maps /= NUM_STATE_COLUMNS ** 0.5
    exo_map = ((1 - g) * maps[0] + g * maps[2]) / ((1 - g) ** 2 + g ** 2) ** 0.5
    scaled = torch.from_numpy(states).double()
    metres = [i for i, u in enumerate(STATE_UNITS) if u == 'm']
    scaled[:, metres] /= 0.1   # metres in units of 10 cm; flags, fractions, radians as is
    rng = np.random.default_rng([seed, 1234])
    scale = np.exp(rng.normal(0, 1, dims) * 0.2)
    offset = rng.normal(0, 1, dims) * 0.5
    noise = rng.standard_normal((17, dims))[10:] * 0.2
    want = (scaled @ exo_map.T) * torch.from_numpy(scale) + torch.from_numpy(offset) \
        + torch.from_numpy(noise)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_nuisance_is_fixed_per_video_and_independent_of_the_clip():
    enc = SceneStateEncoder(view_gap=0.0)
    states = _states(20)
    full = _encode(enc, states, True, 77)
    inds = np.array([2, 5, 11, 19])
    torch.testing.assert_close(_encode(enc, states[inds], True, 77, frame_index=inds),
                               full[inds])
    torch.testing.assert_close(_encode(enc, states, True, 77), full)   # deterministic
    # another video (code) with the same states: another nuisance, same clean part
    other = _encode(enc, states, False, 78)
    assert not torch.allclose(other, full)
    clean = SceneStateEncoder(view_gap=0.0, nuisance=False)
    torch.testing.assert_close(_encode(clean, states, True, 77),
                               _encode(clean, states, False, 78))


def test_weight_free_identity():
    enc = SceneStateEncoder(view_gap=0.5)
    assert not list(enc.parameters()) and enc.state_dict() == {}
    assert enc.fingerprint() == SceneStateEncoder(view_gap=0.5).fingerprint()
    others = {SceneStateEncoder(view_gap=1.0).fingerprint(),
              SceneStateEncoder(view_gap=0.5, seed=1).fingerprint(),
              SceneStateEncoder(view_gap=0.5, nuisance=False).fingerprint()}
    assert enc.fingerprint() not in others and len(others) == 3
    assert enc.identity()['type'] == 'SceneStateEncoder'
    with pytest.raises(ValueError, match='view_gap must be in'):
        SceneStateEncoder(view_gap=1.5)


@pytest.mark.parametrize('config', [
    'configs/byov/byov_semantic_synthetic.py',
    'configs/baselines/frozen_features_semantic_synthetic.py',
])
def test_semantic_configs_build_and_run(config):
    cfg = Config.fromfile(osp.join(ROOT, config))
    assert cfg.model.stem.frame_encoder.view_gap == 0.5
    torch.manual_seed(0)
    if cfg.model.type == 'FrameFeatureBaseline':
        cfg.model.data_preprocessor = MODELS.build(cfg.model.data_preprocessor)
    model = MODELS.build(cfg.model)
    sample = EgoExoDataSample(metainfo=dict(num_frames=20))
    sample.boxes = torch.from_numpy(pack_state_table(_states(20), True, 3, np.arange(20)))
    data = model.data_preprocessor(
        dict(inputs=[torch.zeros(20, 3, 0, 0, dtype=torch.uint8)], data_samples=[sample]),
        False)
    out = model(**data, mode='predict')
    assert out[0].embeds.shape[0] == 20 and np.isfinite(out[0].embeds).all()


def test_semantic_byov_training_step_reaches_every_trainable_parameter():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/byov/byov_semantic_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    samples = []
    for b in range(2):
        sample = EgoExoDataSample()
        sample.boxes = torch.from_numpy(np.stack([
            pack_state_table(_states(16, seed=2 * b + v), v == 0, 10 * b + v, np.arange(16))
            for v in range(2)]))
        samples.append(sample)
    data = model.data_preprocessor(dict(
        inputs=[torch.zeros(2, 16, 3, 0, 0, dtype=torch.uint8)] * 2, data_samples=samples),
        True)
    losses = model(**data, mode='loss')
    assert losses and all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad, no_grad
