"""BYOV end to end on tiny shapes: gradients, parameter counts, training, prediction."""
import pytest
import torch
from models_testutils import MODEL_CONFIGS, model_cfg, weight_free
from mmengine.structures import BaseDataElement

from byov.models.masking import BaseFrameMasking
from byov.registry import MASKING, MODELS

STRATEGIES = sorted(n for n, c in MASKING.module_dict.items() if issubclass(c, BaseFrameMasking))
SELECTORS = ['SelectiveTokenMerging', 'MeanTokenPooling']

# every shipped model config, and the tiny one with every masking strategy and selector
TINY_STEM = model_cfg()['stem']
# the CLIP configs on 8-frame clips (model.num_frames=8), to stay small
VARIANTS = [(path.stem, {} if path.stem == 'byov_tiny' else dict(num_frames=8))
            for path in MODEL_CONFIGS
            # box and scene-state input: tests/models/test_{box,scene_state}_encoder(s).py
            if 'box' not in path.stem and 'semantic' not in path.stem] + [
    ('byov_tiny', dict(self_view_masking=dict(type=s, ratio=0.4),
                       cross_view_masking=dict(type=s, ratio=0.8),
                       stem=dict(TINY_STEM, token_selector=dict(type=t))))
    for s in STRATEGIES for t in SELECTORS] + [
    ('byov_tiny', dict(reference_second_view_defect=True))]


def _pairs(model, batch_size, num_frames, seed=0):
    g = torch.Generator().manual_seed(seed)
    if model.stem.input_type == 'frame_vectors':  # released features [2, T, D]
        width = model.backbone.in_channels
        return [torch.randn(2, num_frames, width, generator=g) for _ in range(batch_size)]
    size = model.stem.frame_encoder.input_size
    return [torch.randint(0, 256, (2, num_frames, 3, size, size), dtype=torch.uint8, generator=g)
            for _ in range(batch_size)]


@pytest.mark.parametrize('name,overrides', VARIANTS,
                         ids=[f'{n}-{i}' for i, (n, _) in enumerate(VARIANTS)])
def test_every_trainable_parameter_gets_a_gradient(name, overrides):
    torch.manual_seed(0)
    model = MODELS.build(weight_free(model_cfg(name, **overrides)))
    model.train()
    data = model.data_preprocessor(dict(inputs=_pairs(model, 2, model.num_frames)), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad, f'parameters without gradient: {no_grad}'
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_vit_b16_parameter_counts_match_the_paper():
    def count(module):
        return sum(p.numel() for p in module.parameters() if p.requires_grad)
    model = MODELS.build(weight_free(model_cfg('byov_vit-b16')))
    assert count(model.backbone) == 9_676_032  # paper: ~9.7M
    assert count(model.decoder) == 3_423_488  # reference scripts: 4 blocks
    three = MODELS.build(dict(type='MaskedFrameDecoder', out_channels=768, num_layers=3))
    assert count(three) == 2_633_728  # paper: ~2.6M


def test_widths_are_checked_at_build():
    cfg = model_cfg()
    cfg['decoder']['out_channels'] = 64
    with pytest.raises(ValueError, match='decoder.out_channels=64'):
        MODELS.build(cfg)


def test_tiny_config_loss_falls_on_a_fixed_batch():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg())
    model.train()
    # a bright square sliding across 16 frames, the exo view mirrored, plus noise
    clip = torch.zeros(16, 3, 64, 64, dtype=torch.uint8)
    for t in range(16):
        clip[t, :, 8:24, 3 * t:3 * t + 16] = 255
    g = torch.Generator().manual_seed(0)
    pairs = [torch.stack([clip, clip.flip(-1)])
             + torch.randint(0, 20, (2, 16, 3, 64, 64), dtype=torch.uint8, generator=g)
             for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=pairs), True)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for _ in range(30):
        loss = sum(model(**data, mode='loss').values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.2 * sum(losses[:5]) / 5, losses


def test_predict_embeds_whole_videos_in_one_encoder_pass():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg()).eval()
    calls = {'backbone': 0, 'frame_encoder': 0}
    for name, module in (('backbone', model.backbone), ('frame_encoder', model.stem.frame_encoder)):
        module.register_forward_hook(
            lambda *_, name=name: calls.__setitem__(name, calls[name] + 1))
    videos = [torch.randint(0, 256, (40, 3, 64, 64), dtype=torch.uint8) for _ in range(2)]
    samples = [BaseDataElement(metainfo=dict(video_name=f'v{i}', num_frames=40),
                               gt_labels=torch.zeros(40).long().numpy()) for i in range(2)]
    data = model.data_preprocessor(dict(inputs=videos, data_samples=samples))
    outputs = model(**data, mode='predict')
    assert calls == {'backbone': 1, 'frame_encoder': 1}
    assert [o.video_name for o in outputs] == ['v0', 'v1'] and 'gt_labels' in outputs[0]
    assert all(o.embeds.shape == (40, 128) and o.embeds.dtype == 'float32' for o in outputs)
    assert 'embeds' not in samples[0]  # the input samples are not modified
    alone = model(**model.data_preprocessor(dict(inputs=videos[1:])), mode='tensor')
    assert alone.shape == (1, 40, 128)
    assert torch.allclose(alone[0], torch.from_numpy(outputs[1].embeds), atol=1e-5)
    pairs = model.data_preprocessor(dict(inputs=_pairs(model, 1, 16)))
    assert model(**pairs, mode='tensor').shape == (1, 2, 16, 128)
    with pytest.raises(ValueError, match='whole videos'):
        model(**pairs, mode='predict')
