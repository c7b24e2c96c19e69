"""Box-reading frame encoders: RoIAlign against an independent bilinear implementation,
the box-geometry features against a direct computation, the object-centric encoder's
shapes, masking and one training step, the box configs, and the box path through the
data sample against numbers recorded from the earlier packing into a fourth image plane."""
import itertools
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from byov.registry import MODELS, TRANSFORMS
from byov.models.frame_encoders import BoxGeometryEncoder, ObjectCentricEncoder, roi_align
from byov.structures import EgoExoDataSample

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
    out = enc(torch.zeros(1, 1, 3, 0, 0), table[None, None])  # boxes only: empty frames
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
    with_frames = enc(torch.from_numpy(imgs), table[None, None])
    torch.testing.assert_close(with_frames, out)
    with pytest.raises(ValueError, match='reads per-frame boxes, but none'):
        enc(torch.from_numpy(imgs))
    with pytest.raises(ValueError, match=r'boxes must be \[1, 1, S, 10\]'):
        enc(torch.from_numpy(imgs), table[None])


def _box_table(rng, lead):
    """Random boxes ``[*lead, 4, 10]`` (fractions of the frame), slot 1 empty."""
    xy = rng.uniform(0, 0.6, (*lead, 4, 2))
    wh = rng.uniform(0.1, 0.4, (*lead, 4, 2))
    table = np.zeros((*lead, 4, 10), np.float32)
    table[..., 0:2], table[..., 2:4] = xy, xy + wh
    table[..., 4] = rng.uniform(0.3, 1, (*lead, 4))
    table[..., 9] = np.arange(4)
    table[..., 1, :] = 0
    table[..., 1, 9] = -1  # an empty slot
    return table


def _box_input(B, T, size=64, seed=0):
    """(normalised frames ``[B, T, 3, size, size]``, boxes ``[B, T, 4, 10]``)."""
    rng = np.random.default_rng(seed)
    imgs = rng.normal(size=(B, T, 3, size, size)).astype(np.float32)
    return torch.from_numpy(imgs), torch.from_numpy(_box_table(rng, (B, T)))


def _tiny_object_centric(**kwargs):
    torch.manual_seed(0)
    return ObjectCentricEncoder(depth=18, dims=32, num_layers=1, num_heads=4, embed_dims=16,
                                dropout=0.0, **kwargs)


def test_object_centric_encoder_shapes_and_empty_slots():
    enc = _tiny_object_centric().eval()
    frames, boxes = _box_input(2, 3)
    out = enc(frames, boxes)
    assert out.shape == (2, 3, 16) and torch.isfinite(out).all()
    tokens, mask = enc.tokens(frames.flatten(0, 1), boxes.flatten(0, 1))
    assert tokens.shape == (6, 5, 32)  # 4 slots + the global token
    assert mask[:, 1].all() and not mask[:, [0, 2, 3, 4]].any()
    # an empty slot's numbers do not reach the output; a present box's do
    moved = boxes.clone()
    moved[:, :, 1, :4] = torch.tensor([0.2, 0.2, 0.7, 0.7])
    torch.testing.assert_close(enc(frames, moved), out)
    moved = boxes.clone()
    moved[:, :, 2, :4] = torch.tensor([0.2, 0.2, 0.7, 0.7])
    assert not torch.allclose(enc(frames, moved), out)
    # chunked evaluation gives the same embeddings
    enc.chunk_size = 2
    torch.testing.assert_close(enc(frames, boxes), out)
    with pytest.raises(ValueError, match='holds boxes only'):
        enc(frames[..., :0, :0], boxes)


def _samples(boxes):
    """Data samples carrying ``boxes``, one per item, as PackEgoExoBoxInputs makes them."""
    samples = []
    for item in boxes:
        sample = EgoExoDataSample()
        sample.boxes = item
        samples.append(sample)
    return samples


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
    frames, boxes = _box_input(2, 2 * 8)
    raw = (frames * 60 + 128).clamp(0, 255).to(torch.uint8).reshape(2, 2, 8, 3, 64, 64)
    data = model.data_preprocessor(
        dict(inputs=list(raw), data_samples=_samples(boxes.reshape(2, 2, 8, 4, 10))), True)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_align'} and torch.isfinite(losses['loss_align'])
    losses['loss_align'].backward()
    optim.step()
    changed = {n.split('.')[2] for n, p in model.named_parameters()  # stem.frame_encoder.X
               if not torch.equal(p, before[n])}
    # the RoI projection, the box embedding, the slot tokens and the backbone all learn
    assert {'backbone', 'proj_local', 'pos_embed', 'slot_tokens', 'transformer',
            'head'} <= changed
    with pytest.raises(ValueError, match='data samples carry none'):
        model(data['inputs'], None, mode='loss')


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
    # one whole video, boxes only, as PackEgoExoBoxInputs packs it
    _, table = _box_input(1, 20)
    sample = EgoExoDataSample(metainfo=dict(num_frames=20))
    sample.boxes = table[0]
    data = model.data_preprocessor(
        dict(inputs=[torch.zeros(20, 3, 0, 0, dtype=torch.uint8)], data_samples=[sample]),
        False)
    out = model(**data, mode='predict')
    assert out[0].embeds.shape[0] == 20 and np.isfinite(out[0].embeds).all()
    # the tensor mode reads the same boxes
    torch.testing.assert_close(model(**data, mode='tensor')[0],
                               torch.from_numpy(out[0].embeds))


def test_box_byov_every_trainable_parameter_gets_a_gradient():
    """BYOV on box geometry (its shipped config), one training step on box-only pairs."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/byov/byov_box-geometry_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    boxes = torch.stack([_box_input(2, model.num_frames, seed=s)[1] for s in range(2)])
    empty = torch.zeros(2, model.num_frames, 3, 0, 0, dtype=torch.uint8)  # boxes only
    data = model.data_preprocessor(
        dict(inputs=[empty, empty], data_samples=_samples(boxes)), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert trainable
    no_grad = [n for n, p in trainable if p.grad is None]
    assert not no_grad, f'parameters without gradient: {no_grad}'


# Recorded from commit 1bb6091, where PackEgoExoBoxInputs packed the boxes into a fourth
# image plane of ``inputs``: the same items, models and seeds as below, run through that
# pipeline. Moving the boxes into the data sample must not change a number.
PLANE_PACKING_RECORD = {
    'configs/byov/byov_box-geometry_synthetic.py': (
        {'loss_mcm_a_from_b': 1.314709186553955, 'loss_mcm_b_from_a': 1.340685486793518,
         'loss_msm': 1.2988077402114868},
        [[-2.4325029850006104, 1.4405039548873901, -2.0741419792175293, 3.2373979091644287],
         [-2.369997978210449, 2.12277889251709, -1.3738700151443481, 2.6775870323181152],
         [-3.6453471183776855, 1.4967600107192993, -1.5638699531555176,
          0.07125099748373032]]),
    'configs/baselines/dtw-contrastive_object-centric_synthetic.py': (
        {'loss_align': 0.25377902388572693},
        [[0.503948986530304, -1.205718994140625, -0.14249199628829956, 0.4195939898490906],
         [0.5942909717559814, -1.1055179834365845, -0.11319000273942947, 0.5113490223884583],
         [0.6473360061645508, -1.3034919500350952, -0.12919799983501434,
          0.3621410131454468]]),
}


def _packed_items(with_frames, T, L, size=64):
    """Two training pairs and one whole video through PackEgoExoBoxInputs and the
    dataloader's collate."""
    rng = np.random.default_rng(0)
    pack = TRANSFORMS.build(dict(type='PackEgoExoBoxInputs', with_frames=with_frames))
    pairs = []
    for _ in range(2):
        results = dict(boxes=_box_table(rng, (2, T)), video_names=('a', 'b'),
                       is_ego=(True, False), frame_inds=(np.arange(T) * 2, np.arange(T) * 2 + 1))
        if with_frames:
            results['imgs'] = rng.integers(0, 256, (2, T, 3, size, size), dtype=np.uint8)
        pairs.append(pack(results))
    results = dict(boxes=_box_table(rng, (L,)), video_name='v', video_index=0, is_ego=True,
                   num_frames=L, split='val', gt_labels=np.zeros(L, np.int64))
    if with_frames:
        results['imgs'] = rng.integers(0, 256, (L, 3, size, size), dtype=np.uint8)
    return pseudo_collate(pairs), pseudo_collate([pack(results)])


@pytest.mark.parametrize('config,with_frames,T,L', [
    ('configs/byov/byov_box-geometry_synthetic.py', False, 16, 20),
    ('configs/baselines/dtw-contrastive_object-centric_synthetic.py', True, 8, 12),
])
def test_boxes_in_the_data_sample_give_the_numbers_of_the_plane_packing(
        config, with_frames, T, L):
    cfg = Config.fromfile(osp.join(ROOT, config))
    if with_frames:
        cfg.model.stem.frame_encoder.update(dims=32, num_layers=1, embed_dims=16, dropout=0.0)
    cfg.model.num_frames = T
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    pairs, videos = _packed_items(with_frames, T, L)
    model.train()
    torch.manual_seed(1)
    losses = model(**model.data_preprocessor(pairs, True), mode='loss')
    model.eval()
    with torch.no_grad():
        embeds = model(**model.data_preprocessor(videos, False), mode='predict')[0].embeds
    expected_losses, expected_embeds = PLANE_PACKING_RECORD[config]
    assert {k: float(v.detach()) for k, v in losses.items()} == pytest.approx(
        expected_losses, rel=1e-5)
    np.testing.assert_allclose(embeds[[0, 7, L - 1], :4], expected_embeds, rtol=1e-5,
                               atol=1e-6)
