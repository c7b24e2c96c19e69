"""ResNetFrameEncoder, the frozen ResNet of the "Random features" / "ImageNet features"
rows: torchvision's key layout (checked against a layout written out here, not read from
the module), weights loaded as the file holds them, features equal to a functional
forward pass written here from the state dict alone, seeded random weights, refusals.
Nothing is downloaded: the "pretrained" files are tiny state dicts saved in tmp_path."""
import math
import pickle

import pytest
import torch
import torch.nn.functional as F

from byov.registry import MODELS
from byov.utils.checkpoint import UnsafeCheckpointError

# torchvision's layouts, written out independently of byov's module
BLOCKS = {18: ('basic', [2, 2, 2, 2]), 50: ('bottleneck', [3, 4, 6, 3])}


def _bn(prefix, c, g):
    return {f'{prefix}.weight': torch.rand(c, generator=g) + 0.5,
            f'{prefix}.bias': torch.randn(c, generator=g) * 0.1,
            f'{prefix}.running_mean': torch.randn(c, generator=g) * 0.1,
            f'{prefix}.running_var': torch.rand(c, generator=g) + 0.5}


def _conv(key, cout, cin, k, g):
    return {key: torch.randn(cout, cin, k, k, generator=g) * math.sqrt(1.0 / (cin * k * k))}


def torchvision_state(depth, seed=0, with_head=True):
    """A random state dict with the keys and shapes of torchvision's ``resnet{depth}``
    (no ``num_batches_tracked``, as torchvision's old ImageNet files)."""
    g = torch.Generator().manual_seed(seed)
    kind, counts = BLOCKS[depth]
    sd = {**_conv('conv1.weight', 64, 3, 7, g), **_bn('bn1', 64, g)}
    cin = 64
    for s, n in enumerate(counts):
        width = 64 * 2 ** s
        cout = width * (4 if kind == 'bottleneck' else 1)
        for b in range(n):
            p = f'layer{s + 1}.{b}'
            if kind == 'basic':
                sd.update({**_conv(f'{p}.conv1.weight', width, cin, 3, g),
                           **_bn(f'{p}.bn1', width, g),
                           **_conv(f'{p}.conv2.weight', width, width, 3, g),
                           **_bn(f'{p}.bn2', width, g)})
            else:
                sd.update({**_conv(f'{p}.conv1.weight', width, cin, 1, g),
                           **_bn(f'{p}.bn1', width, g),
                           **_conv(f'{p}.conv2.weight', width, width, 3, g),
                           **_bn(f'{p}.bn2', width, g),
                           **_conv(f'{p}.conv3.weight', cout, width, 1, g),
                           **_bn(f'{p}.bn3', cout, g)})
            if b == 0 and (s > 0 or cin != cout):
                sd.update({**_conv(f'{p}.downsample.0.weight', cout, cin, 1, g),
                           **_bn(f'{p}.downsample.1', cout, g)})
            cin = cout
    if with_head:
        sd['fc.weight'] = torch.randn(1000, cin, generator=g) * 0.01
        sd['fc.bias'] = torch.zeros(1000)
    return sd


def functional_forward(sd, depth, num_stages, x):
    """ResNet (v1.5: stride on the 3x3 convolution) from the state dict with F.* only."""
    def bn(t, p):
        return F.batch_norm(t, sd[f'{p}.running_mean'], sd[f'{p}.running_var'],
                            sd[f'{p}.weight'], sd[f'{p}.bias'], False, 0.0, 1e-5)
    kind, counts = BLOCKS[depth]
    x = F.relu(bn(F.conv2d(x, sd['conv1.weight'], stride=2, padding=3), 'bn1'))
    x = F.max_pool2d(x, 3, 2, 1)
    for s in range(num_stages):
        for b in range(counts[s]):
            p = f'layer{s + 1}.{b}'
            stride = 2 if (s > 0 and b == 0) else 1
            if kind == 'basic':
                out = F.relu(bn(F.conv2d(x, sd[f'{p}.conv1.weight'], stride=stride, padding=1),
                                f'{p}.bn1'))
                out = bn(F.conv2d(out, sd[f'{p}.conv2.weight'], padding=1), f'{p}.bn2')
            else:
                out = F.relu(bn(F.conv2d(x, sd[f'{p}.conv1.weight']), f'{p}.bn1'))
                out = F.relu(bn(F.conv2d(out, sd[f'{p}.conv2.weight'], stride=stride, padding=1),
                                f'{p}.bn2'))
                out = bn(F.conv2d(out, sd[f'{p}.conv3.weight']), f'{p}.bn3')
            if f'{p}.downsample.0.weight' in sd:
                x = bn(F.conv2d(x, sd[f'{p}.downsample.0.weight'], stride=stride),
                       f'{p}.downsample.1')
            x = F.relu(out + x)
    return x  # [M, C, h, w]


@pytest.mark.parametrize('depth,num_stages,size', [(18, 4, 40), (50, 2, 32)])
def test_torchvision_weights_load_as_saved_and_features_match(tmp_path, depth, num_stages,
                                                              size):
    sd = torchvision_state(depth)
    path = str(tmp_path / 'resnet.pth')
    torch.save(sd, path)
    encoder = MODELS.build(dict(type='ResNetFrameEncoder', depth=depth, pretrained=path,
                                num_stages=num_stages, input_size=size, chunk_size=3))
    own = encoder.state_dict()
    built = {'conv1', 'bn1'} | {f'layer{i + 1}' for i in range(num_stages)}
    expected = {k for k in sd if k.split('.')[0] in built}
    assert expected == {k for k in own if not k.endswith('num_batches_tracked')}
    assert all(torch.equal(own[k], sd[k]) for k in expected)
    frames = torch.randn(2, 3, 3, size, size)
    tokens = encoder(frames)
    ref = functional_forward(sd, depth, num_stages, frames.flatten(0, 1))
    assert tokens.shape == (2, 3, ref.shape[2] * ref.shape[3], ref.shape[1])
    assert (encoder.num_tokens, encoder.out_channels) == tokens.shape[2:]
    assert torch.allclose(tokens.flatten(0, 1), ref.flatten(2).transpose(1, 2), atol=1e-4)
    assert not tokens.requires_grad and not any(p.requires_grad for p in encoder.parameters())
    encoder.train()
    assert not any(m.training for m in encoder.modules())
    # a wrapped state dict ({'state_dict': ...}) loads the same
    torch.save({'state_dict': sd}, str(tmp_path / 'wrapped.pth'))
    again = MODELS.build(dict(type='ResNetFrameEncoder', depth=depth, num_stages=num_stages,
                              pretrained=str(tmp_path / 'wrapped.pth'), input_size=size))
    assert again.fingerprint() == encoder.fingerprint()
    assert again.identity()['source'] == str(tmp_path / 'wrapped.pth')


def test_stem_with_mean_pooling_gives_the_average_of_the_map(tmp_path):
    """The rows' stem: each frame's vector is the mean of its last map (the pooled
    features), through FrameFeatureBaseline's prediction contract."""
    from mmengine.structures import BaseDataElement
    sd = torchvision_state(18)
    torch.save(sd, str(tmp_path / 'r18.pth'))
    model = MODELS.build(dict(
        type='FrameFeatureBaseline',
        data_preprocessor=dict(type='EgoExoDataPreprocessor', size=32,
                               mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        stem=dict(type='FrameStem', token_selector=dict(type='MeanTokenPooling'),
                  frame_encoder=dict(type='ResNetFrameEncoder', depth=18, num_stages=4,
                                     pretrained=str(tmp_path / 'r18.pth'), input_size=32))))
    video = torch.randint(0, 256, (5, 3, 32, 32), dtype=torch.uint8)
    sample = BaseDataElement(metainfo=dict(video_name='v', num_frames=5))
    out = model.test_step(dict(inputs=[video], data_samples=[sample]))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1) * 255
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1) * 255
    ref = functional_forward(sd, 18, 4, (video.float() - mean) / std).mean(dim=(2, 3))
    assert out[0].embeds.shape == (5, 512)
    assert torch.allclose(torch.from_numpy(out[0].embeds), ref, atol=1e-4)


def test_random_weights_follow_the_seed_and_torchvisions_init():
    cfg = dict(type='ResNetFrameEncoder', depth=18, num_stages=2, input_size=32)
    a, b = MODELS.build({**cfg, 'seed': 3}), MODELS.build({**cfg, 'seed': 3})
    c = MODELS.build({**cfg, 'seed': 4})
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    frames = torch.randn(1, 2, 3, 32, 32)
    assert torch.equal(a(frames), b(frames)) and not torch.allclose(a(frames), c(frames))
    # seed=None: the run's seed (what mmengine's runner sets from randomness.seed)
    torch.manual_seed(3)
    torch.rand(7)  # draws after seeding do not matter: the initial seed does
    run = MODELS.build(cfg)
    assert run.seed == 3 and run.fingerprint() == a.fingerprint()
    assert run.rebuildable is False and a.rebuildable is True
    # torchvision's init: Kaiming normal (fan-out, ReLU gain), BN weight 1 / bias 0
    w = a.layer2[0].conv2.weight
    assert abs(w.std().item() - math.sqrt(2.0 / (128 * 9))) < 0.05 * math.sqrt(2.0 / (128 * 9))
    assert abs(w.mean().item()) < 3 * w.std().item() / math.sqrt(w.numel())
    assert torch.equal(a.bn1.weight, torch.ones(64)) and torch.equal(a.bn1.bias, torch.zeros(64))


def test_width_is_known_without_building():
    from byov.models.frame_encoders import ResNetFrameEncoder
    for depth, stages, width in [(50, 3, 1024), (50, 4, 2048), (18, 4, 512), (34, 2, 128)]:
        cfg = dict(depth=depth, num_stages=stages)
        assert ResNetFrameEncoder.width_from_config(cfg) == width
    assert ResNetFrameEncoder(depth=50, num_stages=3, seed=0, input_size=224).num_tokens == 196


def test_refusals(tmp_path, monkeypatch):
    from byov.models.frame_encoders import ResNetWeightsError, ResNetWeightsUnavailableError
    from byov.utils.errors import UserInputError

    def build(**kw):
        return MODELS.build(dict(type='ResNetFrameEncoder', input_size=32, **kw))
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(ResNetWeightsUnavailableError, match=r'nope\.pth.*no such file') as err:
        build(depth=18, pretrained=missing)
    assert isinstance(err.value, (UserInputError, FileNotFoundError))
    # a URL that cannot be fetched (a closed port on this machine): the fix, a local copy
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    with pytest.raises(ResNetWeightsUnavailableError, match='set pretrained to the local'):
        build(depth=18, pretrained='http://127.0.0.1:9/resnet18.pth')
    # a ResNet-18 file for a ResNet-34: keys missing, named with the fix
    torch.save(torchvision_state(18), str(tmp_path / 'r18.pth'))
    with pytest.raises(ResNetWeightsError, match=r'r18\.pth.*missing.*layer1\.2.*depth'):
        build(depth=34, pretrained=str(tmp_path / 'r18.pth'))
    # a ResNet-18 file for a ResNet-50: shapes differ (and bottleneck keys are missing)
    with pytest.raises(ResNetWeightsError, match='shapes differ'):
        build(depth=50, num_stages=1, pretrained=str(tmp_path / 'r18.pth'))
    # keys of another layout (mmaction2's ConvModule names): refused, not half-loaded
    other = {k.replace('conv1.weight', 'conv1.conv.weight'): v
             for k, v in torchvision_state(18).items()}
    torch.save(other, str(tmp_path / 'other.pth'))
    with pytest.raises(ResNetWeightsError, match=r'not a torchvision ResNet.*conv1\.conv'):
        build(depth=18, pretrained=str(tmp_path / 'other.pth'))
    # weights only: a file that would run code is refused
    with open(tmp_path / 'evil.pth', 'wb') as f:
        pickle.dump({'x': print}, f, protocol=2)
    with pytest.raises(UnsafeCheckpointError):
        build(depth=18, pretrained=str(tmp_path / 'evil.pth'))
    with pytest.raises(ValueError, match='set one of the two'):
        build(depth=18, pretrained=str(tmp_path / 'r18.pth'), seed=1)
    with pytest.raises(ValueError, match='depth must be one of'):
        build(depth=20)
    with pytest.raises(ValueError, match='num_stages must be'):
        build(depth=18, num_stages=5)
    with pytest.raises(ValueError, match='data_preprocessor.size=32'):
        build(depth=18, seed=0)(torch.randn(1, 1, 3, 64, 64))


def test_random_row_config_follows_the_runs_seed():
    """The Random features configs draw the weights from randomness.seed, which mmengine's
    runner sets (set_random_seed) before it builds the model: the same seed rebuilds
    them, another seed gives others. The ImageNet configs load the file instead."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import set_random_seed
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(
        root, 'configs/baselines/frozen_features_resnet50-random_synthetic.py'))
    encoder_cfg = cfg.model.stem.frame_encoder.to_dict()
    assert encoder_cfg['pretrained'] is None and encoder_cfg['seed'] is None
    prints = []
    for seed in (0, 0, 1):
        set_random_seed(seed)
        prints.append(MODELS.build(encoder_cfg).fingerprint())
    assert prints[0] == prints[1] != prints[2]
    imagenet = Config.fromfile(osp.join(
        root, 'configs/baselines/frozen_features_resnet50-imagenet_break_eggs.py'))
    enc = imagenet.model.stem.frame_encoder
    assert enc.pretrained.endswith('resnet50-19c8e357.pth') and enc.get('seed') is None
    assert {k: v for k, v in enc.items() if k not in ('pretrained', 'seed', 'input_size')} \
        == {k: v for k, v in encoder_cfg.items() if k not in ('pretrained', 'seed', 'input_size')}
