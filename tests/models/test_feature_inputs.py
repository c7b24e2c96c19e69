"""Models reading the feature cache (``stem.input_type``), encoder fingerprints, the
feature configs, and mixed-precision safety."""
import pathlib

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from models_testutils import TINY_CLIP, model_cfg

from byov.datasets import setup_data
from byov.registry import MODELS

REPO = pathlib.Path(__file__).resolve().parents[2]
FEATURE_CONFIGS = sorted((REPO / 'configs' / 'byov').glob('*feature-cache*.py'))
MODES = {'patch_tokens': 'exact', 'frame_vectors': 'compact'}


def _feature_model(input_type, **overrides):
    cfg = model_cfg(**overrides)
    cfg['stem'] = dict(cfg['stem'], input_type=input_type)
    cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], input_type=input_type)
    return MODELS.build(cfg)


def _stm(tokens, ratio=0.3):
    """Selective token merging written out, independently of the module: per frame,
    the mean of the round(N * ratio) tokens that change most towards the next frame
    (the last frame reuses the last pair)."""
    T, N = tokens.shape[:2]
    out = []
    for t in range(T):
        u = min(t, T - 2)
        score = (tokens[u + 1] - tokens[u]).abs().mean(-1)
        out.append(tokens[t, score.topk(round(N * ratio)).indices].mean(0))
    return torch.stack(out)


def _frames(batch_size=2, num_frames=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, (2, num_frames, 3, 64, 64), dtype=torch.uint8, generator=g)
            for _ in range(batch_size)]


def _tokens(model, frames):
    """What the cache's exact mode stores (float32 here): the frame encoder's output."""
    data = model.data_preprocessor(dict(inputs=frames), True)
    tokens = model.stem.frame_encoder(data['inputs'].flatten(0, 1))
    return list(tokens.unflatten(0, (-1, 2)))


@pytest.mark.parametrize('input_type', sorted(MODES))
def test_model_trains_one_step_from_features(input_type):
    torch.manual_seed(0)
    model = _feature_model(input_type)
    assert model.stem.frame_encoder is None  # not built, not in checkpoints
    assert not any('frame_encoder' in k for k in model.state_dict())
    assert model.ignorable_checkpoint_prefixes() == ('stem.frame_encoder.',)
    shape = (2, 16, 64, 128) if input_type == 'patch_tokens' else (2, 16, 128)
    items = [torch.randn(shape).half() for _ in range(2)]  # as the cache stores them
    data = model.data_preprocessor(dict(inputs=items), True)
    assert data['inputs'].dtype == torch.float32
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
    sum(losses.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad
    optimizer.step()
    video = model.data_preprocessor(dict(inputs=[items[0][0]]))  # a whole "video"
    (out,) = model(**video, mode='predict')
    assert out.embeds.shape == (16, 128)


def test_patch_tokens_give_the_frame_path_losses_and_embeddings():
    torch.manual_seed(0)
    frames_model = MODELS.build(model_cfg())
    tokens_model = _feature_model('patch_tokens')
    tokens_model.load_state_dict(frames_model.state_dict())  # frame_encoder has no state
    frames = _frames()
    tokens = _tokens(frames_model, frames)
    data = frames_model.data_preprocessor(dict(inputs=frames), True)
    torch.manual_seed(1)  # the same masks on both paths
    expected = frames_model(**data, mode='loss')
    torch.manual_seed(1)
    got = tokens_model(**tokens_model.data_preprocessor(dict(inputs=tokens), True), mode='loss')
    for key, value in expected.items():
        torch.testing.assert_close(got[key], value)
    torch.testing.assert_close(tokens_model(torch.stack(tokens), mode='tensor'),
                               frames_model(data['inputs'], mode='tensor'))


def test_feature_baseline_reads_tokens_and_vectors():
    tokens = torch.randn(1, 10, 64, 128)
    with DefaultScope.overwrite_default_scope('byov'):
        stem = dict(type='FrameStem', frame_encoder=None,
                    token_selector=dict(type='SelectiveTokenMerging', ratio=0.3))
        exact = MODELS.build(dict(
            type='FrameFeatureBaseline', stem=dict(stem, input_type='patch_tokens'),
            data_preprocessor=dict(type='EgoExoDataPreprocessor', input_type='patch_tokens')))
        compact = MODELS.build(dict(
            type='FrameFeatureBaseline', stem=dict(stem, input_type='frame_vectors'),
            data_preprocessor=dict(type='EgoExoDataPreprocessor', input_type='frame_vectors')))
    from mmengine.structures import BaseDataElement
    sample = [BaseDataElement(metainfo=dict(num_frames=10))]
    vectors = exact(tokens, sample, mode='predict')[0].embeds
    assert vectors.shape == (10, 128)
    torch.testing.assert_close(torch.from_numpy(vectors), _stm(tokens[0]))
    assert (compact(torch.from_numpy(vectors)[None], sample, mode='predict')[0].embeds
            == vectors).all()


def test_mismatched_inputs_are_explained():
    with pytest.raises(ValueError, match='data_preprocessor.input_type'):
        MODELS.build(model_cfg(stem=dict(model_cfg()['stem'], input_type='patch_tokens')))
    with pytest.raises(ValueError, match='input_type must be one of'):
        _feature_model('features')
    model = _feature_model('patch_tokens')
    with pytest.raises(ValueError, match='got torch.uint8 inputs'):
        model.data_preprocessor(dict(inputs=_frames(1)), True)
    with pytest.raises(ValueError, match=r'takes pairs \[B, 2, T, N, D\]'):
        model(torch.randn(1, 2, 16, 128), mode='loss')
    with pytest.raises(ValueError, match='width 96 but backbone.in_channels=128'):
        model(torch.randn(1, 2, 16, 64, 96), mode='loss')
    with pytest.raises(ValueError, match='got torch.float32 inputs'):
        MODELS.build(model_cfg()).data_preprocessor(dict(inputs=[torch.randn(2, 16, 128)]))


def test_loss_is_float32_under_autocast():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg())
    data = model.data_preprocessor(dict(inputs=_frames(1)), True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(**data, mode='loss')
    assert all(v.dtype == torch.float32 and torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()


def test_clip_fingerprint_follows_the_weights(tiny_clip_dir):
    cfg = dict(type='CLIPVisionEncoder', pretrained=tiny_clip_dir, local_files_only=True)
    first, again = MODELS.build(cfg), MODELS.build(cfg)
    assert first.fingerprint() == again.fingerprint()
    with torch.no_grad():
        again.clip.encoder.layers[0].mlp.fc1.weight[0, 0] += 1e-3
    assert first.fingerprint() != again.fingerprint()
    random = dict(type='CLIPVisionEncoder', pretrained=None, config=TINY_CLIP)
    torch.manual_seed(0)  # the weights the fixture saved: the source does not matter
    assert MODELS.build(random).fingerprint() == first.fingerprint()
    torch.manual_seed(1)
    assert MODELS.build(random).fingerprint() != first.fingerprint()


@pytest.mark.parametrize('path', FEATURE_CONFIGS, ids=lambda p: p.stem)
def test_feature_configs_build_without_the_frame_encoder(path, tiny_clip_dir):
    cfg = Config.fromfile(str(path))
    encoder = cfg.model.stem.frame_encoder
    if encoder.type == 'CLIPVisionEncoder':  # a local tower: nothing is downloaded
        encoder.update(pretrained=tiny_clip_dir, local_files_only=True)
    width = TINY_CLIP['hidden_size'] if encoder.type == 'CLIPVisionEncoder' else \
        encoder.embed_dims
    setup_data(cfg, check_roots=False)  # the one option feature_cache, as the tools do
    model = MODELS.build(cfg.model.to_dict())  # the CLIP config loads no weights
    assert model.stem.frame_encoder is None
    # the width follows the encoder's config, read without building it
    assert model.backbone.in_channels == model.decoder.out_channels == width
    datasets = [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader,
                cfg.val_cfg.fit_dataloader, cfg.test_cfg.fit_dataloader, cfg.fit_dataloader]
    for loader in datasets:
        feature_cache = loader.dataset.feature_cache
        assert MODES[model.stem.input_type] == feature_cache.mode
        assert feature_cache.frame_encoder == cfg.model.stem.frame_encoder
        assert loader.dataset.pipeline[-2].type in ('LoadClipFeatures', 'LoadVideoFeatures')
