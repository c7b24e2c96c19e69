"""Box-reading frame encoders: RoIAlign against an independent bilinear implementation,
the box-geometry features against a direct computation, the object-centric encoder's
shapes, masking and one training step, and the box configs."""
import itertools
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from byov.box_inputs import pack_boxes
from byov.registry import MODELS
from byov.models.frame_encoders import BoxGeometryEncoder, ObjectCentricEncoder, roi_align

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _bilinear(f, y, x):
    """torchvision's documented rule: 0 beyond one pixel outside, border value within."""
    C, H, W = f.shape
    if y < -1.0 or y > H or x < -1.0 or x > W:
        return torch.zeros(C, dtype=f.dtype)
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    y1, x1 = y0 + 1, x0 + 1
    if y0 >= H - 1:
        y0 = y1 = H - 1
        y = float(y0)
    if x0 >= W - 1:
        x0 = x1 = W - 1
        x = float(x0)
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * f[:, y0, x0] + (1 - ly) * lx * f[:, y0, x1]
            + ly * (1 - lx) * f[:, y1, x0] + ly * lx * f[:, y1, x1])


def _roi_align_loops(f, box, P, s, aligned):
    off = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (float(v) - off for v in box)
    w, h = x2 - x1, y2 - y1
    if not aligned:
        w, h = max(w, 1.0), max(h, 1.0)
    out = torch.zeros(f.shape[0], P, P, dtype=f.dtype)
    for i, j in itertools.product(range(P), range(P)):
        acc = sum(_bilinear(f, y1 + (i + (iy + 0.5) / s) * h / P, x1 + (j + (ix + 0.5) / s) * w / P)
                  for iy in range(s) for ix in range(s))
        out[:, i, j] = acc / (s * s)
    return out


@pytest.mark.parametrize('aligned', [False, True])
@pytest.mark.parametrize('sampling_ratio', [1, 2, 3])
def test_roi_align_matches_a_loop_of_bilinear_samples(aligned, sampling_ratio):
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(2, 3, 7, 9, generator=g, dtype=torch.float64)
    # inside, partly outside, fully outside, thinner than a pixel, the whole map
    boxes = torch.tensor([
        [[1.2, 0.5, 6.7, 5.1], [-1.5, -0.7, 2.0, 3.3], [7.5, 5.0, 9.8, 7.6],
         [3.0, 3.0, 3.2, 3.1]],
        [[0.0, 0.0, 9.0, 7.0], [8.9, 6.5, 12.0, 9.0], [-3, -3, -1.5, -2],
         [2.2, 1.1, 4.4, 6.6]]], dtype=torch.float64)
    out = roi_align(feats, boxes, 4, sampling_ratio, aligned)
    assert out.shape == (2, 4, 3, 4, 4)
    expected = torch.stack([torch.stack([
        _roi_align_loops(feats[m], boxes[m, k], 4, sampling_ratio, aligned)
        for k in range(4)]) for m in range(2)])
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-12)
    assert torch.all(out[1, 2] == 0)  # a box more than a pixel outside pools nothing


def _table(rows):
    return torch.tensor(rows, dtype=torch.float32)


def test_box_geometry_features_against_a_direct_computation():
    # hand, empty slot, cup overlapping the hand, bowl
    table = _table([[0.1, 0.2, 0.3, 0.6, 0.9, 0, 0, 0, 1, 0],
                    [0, 0, 0, 0, 0, 0, 0, 0, 0, -1],
                    [0.2, 0.3, 0.4, 0.5, 0.7, 1, 0, 0, 0, 2],
                    [0.5, 0.5, 0.9, 0.7, 0.8, 0, 0, 0, 0, 3]])
    enc = BoxGeometryEncoder(num_slots=4)
    assert enc.out_channels == 52
    out = enc(torch.from_numpy(pack_boxes(table.numpy()[None, None])))
    assert out.shape == (1, 1, 1, 52)
    feats = out[0, 0, 0].numpy()
    t = table.numpy().astype(np.float64)
    expected = []
    for s in range(4):
        x1, y1, x2, y2, conf = t[s, :5]
        if t[s, 9] < 0:
            expected += [0] * 7
        else:
            w, h = x2 - x1, y2 - y1
            expected += [(x1 + x2) / 2, (y1 + y2) / 2, w, h,
                         np.clip(np.log((w + 1e-4) / (h + 1e-4)), -3, 3), conf, 1]
    for i, j in itertools.combinations(range(4), 2):
        if t[i, 9] < 0 or t[j, 9] < 0:
            expected += [0] * 4
            continue
        a, b = t[i, :4], t[j, :4]
        inter = (max(0, min(a[2], b[2]) - max(a[0], b[0]))
                 * max(0, min(a[3], b[3]) - max(a[1], b[1])))
        area_a, area_b = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
        expected += [(b[0] + b[2] - a[0] - a[2]) / 2, (b[1] + b[3] - a[1] - a[3]) / 2,
                     inter / (area_a + area_b - inter), inter / min(area_a, area_b)]
    np.testing.assert_allclose(feats, expected, rtol=1e-5, atol=1e-6)
    # the hand-cup pair (0, 2): the cup lies half inside the hand box
    assert feats[28 + 4 * 1 + 3] == pytest.approx(0.5, rel=1e-5)
    # pixels do not matter: the same table inside 16x16 frames gives the same features
    imgs = np.random.default_rng(0).integers(0, 256, (1, 1, 3, 16, 16)).astype(np.float32)
    with_frames = enc(torch.from_numpy(pack_boxes(table.numpy()[None, None], imgs)))
    torch.testing.assert_close(with_frames, out)


def _box_input(B, T, size=64, seed=0):
    rng = np.random.default_rng(seed)
    imgs = rng.normal(size=(B, T, 3, size, size)).astype(np.float32)
    xy = rng.uniform(0, 0.6, (B, T, 4, 2))
    wh = rng.uniform(0.1, 0.4, (B, T, 4, 2))
    table = np.zeros((B, T, 4, 10), np.float32)
    table[..., 0:2], table[..., 2:4] = xy, xy + wh
    table[..., 4] = rng.uniform(0.3, 1, (B, T, 4))
    table[..., 9] = np.arange(4)
    table[:, :, 1] = 0
    table[:, :, 1, 9] = -1  # an empty slot
    return torch.from_numpy(pack_boxes(table, imgs))


def _tiny_object_centric(**kwargs):
    torch.manual_seed(0)
    return ObjectCentricEncoder(depth=18, dims=32, num_layers=1, num_heads=4, embed_dims=16,
                                dropout=0.0, **kwargs)


def test_object_centric_encoder_shapes_and_empty_slots():
    enc = _tiny_object_centric().eval()
    x = _box_input(2, 3)
    out = enc(x)
    assert out.shape == (2, 3, 16) and torch.isfinite(out).all()
    tokens, mask = enc.tokens(x[:, :, :3].flatten(0, 1), x[:, :, 3, :4, :10].flatten(0, 1))
    assert tokens.shape == (6, 5, 32)  # 4 slots + the global token
    assert mask[:, 1].all() and not mask[:, [0, 2, 3, 4]].any()
    # an empty slot's numbers do not reach the output; a present box's do
    moved = x.clone()
    moved[:, :, 3, 1, :4] = torch.tensor([0.2, 0.2, 0.7, 0.7])
    torch.testing.assert_close(enc(moved), out)
    moved = x.clone()
    moved[:, :, 3, 2, :4] = torch.tensor([0.2, 0.2, 0.7, 0.7])
    assert not torch.allclose(enc(moved), out)
    # chunked evaluation gives the same embeddings
    enc.chunk_size = 2
    torch.testing.assert_close(enc(x), out)
    with pytest.raises(ValueError, match='holds boxes only'):
        enc(x[:, :, 3:, :4, :10])


def test_object_centric_training_step_in_an_alignment_model():
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/baselines/dtw-contrastive_object-centric_synthetic.py'))
    model_cfg = cfg.model
    model_cfg.stem.frame_encoder.update(dims=32, num_layers=1, embed_dims=16)
    model_cfg.num_frames = 8  # the 8-frame clips below
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    raw = _box_input(2, 2 * 8).reshape(2, 2, 8, 4, 64, 64)
    raw[:, :, :, :3] = raw[:, :, :, :3] * 60 + 128  # 0-255 pixels before the preprocessor
    data = model.data_preprocessor(dict(inputs=list(raw)), True)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model(data['inputs'], None, mode='loss')
    assert set(losses) == {'loss_align'} and torch.isfinite(losses['loss_align'])
    losses['loss_align'].backward()
    optim.step()
    changed = {n.split('.')[2] for n, p in model.named_parameters()  # stem.frame_encoder.X
               if not torch.equal(p, before[n])}
    # the RoI projection, the box embedding, the slot tokens and the backbone all learn
    assert {'backbone', 'proj_local', 'pos_embed', 'slot_tokens', 'transformer',
            'head'} <= changed


@pytest.mark.parametrize('config', [
    'configs/byov/byov_box-geometry_synthetic.py',
    'configs/byov/ablations/byov_no-msm_box-geometry_synthetic.py',
    'configs/baselines/tcc_box-geometry_synthetic.py',
    'configs/baselines/vava_box-geometry_synthetic.py',
    'configs/baselines/frozen_features_box-geometry_synthetic.py',
])
def test_box_geometry_configs_build_and_run(config):
    cfg = Config.fromfile(osp.join(ROOT, config))
    torch.manual_seed(0)
    if cfg.model.type == 'FrameFeatureBaseline':
        # built here: outside a Runner there is no default scope to find byov's types in
        cfg.model.data_preprocessor = MODELS.build(cfg.model.data_preprocessor)
    model = MODELS.build(cfg.model)
    table = _box_input(1, 20)[0, :, 3:, :4, :10]  # one whole video, boxes only [L, 1, 4, 10]
    data = model.data_preprocessor(dict(inputs=[table]), False)
    from mmengine.structures import BaseDataElement
    sample = BaseDataElement(metainfo=dict(num_frames=20))
    out = model(data['inputs'], [sample], mode='predict')
    assert out[0].embeds.shape[0] == 20 and np.isfinite(out[0].embeds).all()


def test_box_byov_every_trainable_parameter_gets_a_gradient():
    """BYOV on box geometry (its shipped config), one training step on box-only pairs."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/byov/byov_box-geometry_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    pairs = [_box_input(2, model.num_frames, seed=s)[:, :, 3:, :4, :10] for s in range(2)]
    data = model.data_preprocessor(dict(inputs=pairs), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert trainable
    no_grad = [n for n, p in trainable if p.grad is None]
    assert not no_grad, f'parameters without gradient: {no_grad}'
