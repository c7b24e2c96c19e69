"""The converter from the reference code's Lightning checkpoints, round trip.

A tiny reference-style model is written here, independently of byov's modules, with the
reference's module names (timm ``Block`` naming, ``embedding_layer``, ``decoder_pred``, a
Hugging Face CLIP under ``model.base_model``), saved as a Lightning-like checkpoint,
converted, loaded into BYOV, and both must compute the same embeddings.
"""
import argparse
import importlib.util
import math

import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint
from models_testutils import REPO, TINY_CLIP
from torch import nn

from byov.models.reference_checkpoint import ReferenceCheckpointError
from byov.registry import MODELS
from byov.utils.checkpoint import UnsafeCheckpointError

NUM_FRAMES, D, E = 8, TINY_CLIP['hidden_size'], 24


def _sincos(width, length):
    omega = 1.0 / 10000 ** (np.arange(width // 2) / (width / 2.0))
    angles = np.arange(length)[:, None] * omega[None]
    return torch.tensor(np.concatenate([np.sin(angles), np.cos(angles)], 1),
                        dtype=torch.float32)[None]


class RefAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x, causal=False):
        B, L, C = x.shape
        q, k, v = self.qkv(x).reshape(B, L, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn = (q * (C // self.heads) ** -0.5) @ k.transpose(-2, -1)
        if causal:  # the reference's additive log-mask
            attn = attn + (torch.tril(torch.ones(L, L)) + 1e-45).log()
        return self.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(B, L, C))


class RefMlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        return self.fc2(0.5 * self.fc1(x) * (1 + torch.erf(self.fc1(x) / math.sqrt(2))))


class RefBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), RefAttention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim), RefMlp(dim)

    def forward(self, x, causal=False):
        x = x + self.attn(self.norm1(x), causal)
        return x + self.mlp(self.norm2(x))


class RefEmbedder(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.base_model = clip

    def forward(self, frames):  # [1, T, 3, H, W]
        tokens = self.base_model(pixel_values=frames[0]).last_hidden_state[:, 1:]
        k = round(tokens.shape[1] * 0.3)
        out = []
        for t in range(len(tokens)):  # the reference's per-frame loop
            u = t if t < len(tokens) - 1 else t - 1
            idx = (tokens[u + 1] - tokens[u]).abs().mean(-1).topk(k).indices
            out.append(tokens[t, idx].mean(0))
        return torch.stack(out)[None]


class RefEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding_layer = nn.Sequential(nn.LayerNorm(D), nn.Linear(D, E))
        self.pos_embed = nn.Parameter(_sincos(D, NUM_FRAMES), requires_grad=False)
        self.encoder = nn.ModuleList([RefBlock(E, 4) for _ in range(2)])
        self.norm = nn.LayerNorm(E)

    def forward(self, x):
        pos = self.pos_embed
        if x.shape[1] != NUM_FRAMES:
            pos = nn.functional.interpolate(pos.permute(0, 2, 1), size=x.shape[1],
                                            mode='linear').permute(0, 2, 1)
        x = self.norm(self.embedding_layer(x + pos))
        for blk in self.encoder:
            x = blk(x)
        return x


class RefDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.decoder_embed = nn.Sequential(nn.LayerNorm(E), nn.Linear(E, E))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, E))
        self.decoder_pos_embed = nn.Parameter(_sincos(E, NUM_FRAMES), requires_grad=False)
        self.decoder = nn.ModuleList([RefBlock(E, 4) for _ in range(2)])
        self.decoder_pred = nn.Sequential(nn.LayerNorm(E), nn.Linear(E, D))

    def restore(self, x, ids_restore):
        x = self.decoder_embed(x)
        tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x = torch.cat([x, tokens], 1)
        return torch.gather(x, 1, ids_restore[..., None].repeat(1, 1, E)) + self.decoder_pos_embed

    def msm(self, x, ids_restore):
        x = self.restore(x, ids_restore)
        for blk in self.decoder:
            x = blk(x, causal=True)
        return self.decoder_pred(x)

    def mcm(self, x, ids_restore, other):
        x = torch.cat([self.restore(x, ids_restore),
                       self.decoder_embed(other) + self.decoder_pos_embed], 1)
        for blk in self.decoder:
            x = blk(x)
        return self.decoder_pred(x)[:, :NUM_FRAMES]

    def second_view_defect(self, x, ids_restore):  # docs/method.md section 7
        return self.decoder_pred(self.restore(x, ids_restore))


class RefLightningModule(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.model, self.encoder, self.decoder = RefEmbedder(clip), RefEncoder(), RefDecoder()


def _load_tool():
    path = REPO / 'tools' / 'model_converters' / 'byov_reference_to_byov.py'
    spec = importlib.util.spec_from_file_location('byov_reference_to_byov', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def reference(tiny_clip_dir, tmp_path_factory):
    from transformers import CLIPVisionModel
    torch.manual_seed(1)
    ref = RefLightningModule(CLIPVisionModel.from_pretrained(tiny_clip_dir)).eval()
    with torch.no_grad():  # random everything, CLIP too (the folder's weights must be replaced)
        for name, p in ref.named_parameters():
            if 'pos_embed' not in name:
                p.add_(0.1 * torch.randn_like(p))
    state_dict = {}
    for key, value in ref.state_dict().items():  # transformers-4 layout of the CLIP tower
        state_dict[key.replace('model.base_model.', 'model.base_model.vision_model.')] = value
    state_dict['model.base_model.vision_model.embeddings.position_ids'] = torch.arange(17)[None]
    folder = tmp_path_factory.mktemp('reference')
    config = folder / 'byov_ref_tiny.py'
    config.write_text(f'''model = dict(
    type='BYOV',
    num_frames={NUM_FRAMES},
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(type='CLIPVisionEncoder', pretrained={tiny_clip_dir!r},
                           local_files_only=True),
        token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),
    backbone=dict(type='TemporalTransformerEncoder', in_channels={D}, embed_dims={E},
                  num_layers=2, num_heads=4),
    decoder=dict(type='MaskedFrameDecoder', in_channels={E}, embed_dims={E}, out_channels={D},
                 num_layers=2, num_heads=4))
''')
    return ref, state_dict, folder, str(config)


def _save(folder, state_dict, name='epoch=9.ckpt'):
    path = folder / name
    torch.save({'epoch': 9, 'global_step': 90, 'pytorch-lightning_version': '2.1.0',
                'hyper_parameters': argparse.Namespace(lr=1e-5),  # a pickled object
                'state_dict': state_dict}, path)
    return str(path)


def test_round_trip_reproduces_the_reference(reference, capsys):
    ref, state_dict, folder, config = reference
    tool = _load_tool()
    src, dst = _save(folder, state_dict), str(folder / 'byov.pth')
    with pytest.raises(UnsafeCheckpointError, match='--trust-code'):
        tool.main([src, dst, '--config', config])
    tool.main([src, dst, '--config', config, '--trust-code'])

    model = MODELS.build(tool.Config.fromfile(config).model).eval()
    ckpt = load_checkpoint(model, dst, map_location='cpu', strict=True)  # safe loader
    assert ckpt['meta']['reference'] == dict(encoder_num_frames=8, decoder_num_frames=8,
                                             encoder_layers=2, decoder_layers=2,
                                             epoch=9, global_step=90)
    torch.manual_seed(2)
    diffs = {}
    for length in (NUM_FRAMES, 13):  # a clip, and a longer "video" (interpolated positions)
        frames = torch.randn(1, length, 3, 32, 32)
        with torch.no_grad():
            expected = ref.encoder(ref.model(frames))
        got = torch.from_numpy(model.predict(frames)[0].embeds)
        diffs[length] = (got - expected[0]).abs().max().item()
    # the decoder: causal self-view, cross-view, and the reference's second-view defect
    latent, ids_restore = torch.randn(2, 5, E), torch.argsort(torch.rand(2, NUM_FRAMES), 1)
    other = torch.randn(2, NUM_FRAMES, E)
    decoder = model.decoder
    with torch.no_grad():
        pairs = dict(
            msm=(decoder(latent, ids_restore), ref.decoder.msm(latent, ids_restore)),
            mcm=(decoder(latent, ids_restore, context=other),
                 ref.decoder.mcm(latent, ids_restore, other)),
            defect=(decoder.predict_without_blocks(latent, ids_restore),
                    ref.decoder.second_view_defect(latent, ids_restore)))
    diffs.update({k: (a - b).abs().max().item() for k, (a, b) in pairs.items()})
    print(f'converter max abs diff: {diffs}')
    assert max(diffs.values()) < 1e-4, diffs


def test_unknown_missing_and_mismatched_keys_are_listed(reference):
    ref, state_dict, folder, config = reference
    tool = _load_tool()
    extra = dict(state_dict, **{'encoder.extra.weight': torch.zeros(1)})
    with pytest.raises(ReferenceCheckpointError, match='encoder.extra.weight'):
        tool.main([_save(folder, extra, 'extra.ckpt'), str(folder / 'x.pth'), '--trust-code'])
    missing = {k: v for k, v in state_dict.items() if k != 'encoder.encoder.1.mlp.fc2.bias'}
    with pytest.raises(ReferenceCheckpointError, match=r'backbone\.blocks\.1\.mlp\.fc2\.bias'):
        tool.main([_save(folder, missing, 'missing.ckpt'), str(folder / 'x.pth'),
                   '--config', config, '--trust-code'])
    with pytest.raises(ReferenceCheckpointError, match='model.num_frames=8'):
        tool.main([_save(folder, state_dict), str(folder / 'x.pth'), '--config', config,
                   '--trust-code', '--cfg-options', 'model.num_frames=16'])
