"""A frozen 2-D ResNet as a frame encoder: the papers' "Random features" and "ImageNet
features" rows.

AE2 (Xue and Grauman, NeurIPS 2023) compares its embeddings with per-frame features of
a ResNet-50 that is never trained on the task: randomly initialised ("Random features")
or trained on ImageNet ("ImageNet features"); BYOV (CVPR 2025) copies both rows. AE2's
public code holds no script for them, so byov builds them from the parts AE2's own
encoder uses (:class:`~byov.models.frame_encoders.AE2ResNetEncoder`): a torchvision
ResNet-50 cut after ``layer3`` (the map AE2's encoder reads), its ImageNet weights from
torchvision's file, and one vector per frame by averaging the map (``MeanTokenPooling``
in the stem). ``num_stages=4`` takes the whole network instead (2048-d, the input of
torchvision's classifier).

The network is defined here with torchvision's state-dict keys (``conv1.weight``,
``bn1.*``, ``layer1.0.conv1.weight``, ..., ``layer1.0.downsample.0.weight``), so
torchvision's published files load as they are, without torchvision installed.
"""
import math
from typing import List, Optional, Tuple

import torch
from torch import nn

from byov.registry import MODELS
from byov.utils.errors import CheckpointNotFoundError, UserInputError
from .base import BaseFrameEncoder

# depth -> (block kind, blocks per stage): torchvision's resnet18 ... resnet152
ARCHS = {18: ('basic', (2, 2, 2, 2)), 34: ('basic', (3, 4, 6, 3)),
         50: ('bottleneck', (3, 4, 6, 3)), 101: ('bottleneck', (3, 4, 23, 3)),
         152: ('bottleneck', (3, 8, 36, 3))}
EXPANSION = {'basic': 1, 'bottleneck': 4}
# torchvision's ResNet-50 ImageNet weights, the file AE2 loads
IMAGENET_RESNET50 = 'https://download.pytorch.org/models/resnet50-19c8e357.pth'


class ResNetWeightsError(UserInputError, ValueError):
    """The ``pretrained`` weights of a :class:`ResNetFrameEncoder` could not be read, or
    their keys or shapes are not those of the ResNet the config builds."""


class ResNetWeightsUnavailableError(ResNetWeightsError, FileNotFoundError):
    """The ``pretrained`` file does not exist or could not be downloaded."""


class _BasicBlock(nn.Module):
    """torchvision's ``BasicBlock``: 3x3 (stride) -> 3x3, plus the shortcut."""

    def __init__(self, in_channels: int, channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, channels, stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class _Bottleneck(nn.Module):
    """torchvision's ``Bottleneck`` (stride on the 3x3 convolution): 1x1 -> 3x3 (stride)
    -> 1x1 to 4x the width, plus the shortcut."""

    def __init__(self, in_channels: int, channels: int, stride: int):
        super().__init__()
        out_channels = channels * EXPANSION['bottleneck']
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, out_channels, stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def _shortcut(in_channels: int, out_channels: int, stride: int) -> Optional[nn.Module]:
    """The projection shortcut (1x1 convolution + BN) where the shape changes."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                         nn.BatchNorm2d(out_channels))


def _stage_widths(depth: int, num_stages: int) -> Tuple[str, List[int]]:
    kind, _ = ARCHS[depth]
    return kind, [64 * 2 ** i * EXPANSION[kind] for i in range(num_stages)]


def _check_options(depth, num_stages, input_size, seed, pretrained):
    name = 'ResNetFrameEncoder'
    if depth not in ARCHS:
        raise ValueError(f'{name}: depth must be one of {sorted(ARCHS)} (torchvision\'s '
                         f'ResNets), got {depth!r}.')
    if isinstance(num_stages, bool) or num_stages not in (1, 2, 3, 4):
        raise ValueError(f'{name}: num_stages must be 1, 2, 3 or 4 (the last ResNet stage '
                         f'kept: 3 = layer3, as AE2\'s encoder; 4 = the whole network), got '
                         f'{num_stages!r}.')
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 32:
        raise ValueError(f'{name}: input_size must be an int >= 32 (the frame side, as the '
                         f'data preprocessor\'s size), got {input_size!r}.')
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f'{name}: seed must be an int or None (the run\'s seed), got '
                         f'{seed!r}.')
    if pretrained is not None and seed is not None:
        raise ValueError(f'{name}: seed={seed} draws random weights, but pretrained='
                         f'{pretrained!r} loads them; set one of the two (seed=None with '
                         'pretrained weights).')


@MODELS.register_module()
class ResNetFrameEncoder(BaseFrameEncoder):
    """A frozen torchvision-layout ResNet on every frame, cut after ``num_stages`` stages:
    ``[M, 3, H, W] -> [M, N, D]``, the last map's positions as tokens (N = its
    ``h * w``, D = its channels: 1024 for ResNet-50 to ``layer3``, 14 x 14 tokens at
    224; 2048 and 7 x 7 for the whole network). With ``MeanTokenPooling`` as the
    stem's token selector each frame becomes the average of its map, the usual
    "frozen CNN features" of a frame.

    Weights, one of:

    - ``pretrained``: a torchvision ResNet state dict (the ImageNet row:
      :data:`IMAGENET_RESNET50`, torchvision's ResNet-50, the file AE2 loads), from any
      place byov's checkpoint loader reads (a local file, ``http(s)://``, ...; downloads
      go to torch hub's cache), weights only
      (nothing in the file runs). Keys and shapes are checked: every key of the stages
      built must be in the file with its shape; the file may hold the later stages and
      the classifier (``fc``), which are not built, and may lack BatchNorm's
      ``num_batches_tracked`` counters (old torchvision files do; eval mode ignores
      them). Anything else is refused with :class:`ResNetWeightsError`.
    - random (``pretrained=None``, the Random row): torchvision's initialisation
      (convolutions Kaiming-normal, fan-out, ReLU gain; BatchNorm weight 1, bias 0,
      running statistics 0 and 1) drawn from ``seed``. ``seed=None`` takes the run's
      seed: ``torch.initial_seed()`` when the encoder is built, which mmengine's runner
      sets from ``randomness.seed`` just before building the model, so the row is
      reproducible and changes with the run's seed (``--cfg-options
      randomness.seed=N``; ``tools/train.py --seed N``). An int seed fixes the weights
      whatever the run's seed.

    Checkpoints leave out weights the config rebuilds (``pretrained`` or an int
    ``seed``) and record their fingerprint (``FrameStem``); with ``seed=None`` the
    weights depend on the run and stay in checkpoints.

    Args:
        depth (int): 18, 34, 50, 101 or 152 (AE2: 50).
        pretrained (str | None): the weights file or URL; None: random weights.
        seed (int | None): seed of the random weights (``pretrained=None`` only); None:
            the run's seed.
        num_stages (int): stages kept, 1-4 (3: ``layer3``, AE2's encoder's cut).
        input_size (int): H = W of the frames (the data preprocessor's ``size``).
        chunk_size (int | None): frames encoded per call.
    """

    def __init__(self, depth: int = 50, pretrained: Optional[str] = None,
                 seed: Optional[int] = None, num_stages: int = 3, input_size: int = 224,
                 chunk_size: Optional[int] = 64):
        super().__init__(chunk_size=chunk_size)
        _check_options(depth, num_stages, input_size, seed, pretrained)
        kind, widths = _stage_widths(depth, num_stages)
        block = _Bottleneck if kind == 'bottleneck' else _BasicBlock
        self.depth = depth
        self.num_stages = num_stages
        self.input_size = input_size
        self.out_channels = widths[-1]
        side = input_size
        for _ in range(2 + num_stages - 1):  # conv1 and max-pool, then stages 2..K
            side = math.ceil(side / 2)
        self.num_tokens = side * side
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        in_channels = 64
        for i, num_blocks in enumerate(ARCHS[depth][1][:num_stages]):
            channels = 64 * 2 ** i
            blocks = [block(in_channels, channels, 1 if i == 0 else 2)]
            in_channels = channels * EXPANSION[kind]
            blocks += [block(in_channels, channels, 1) for _ in range(num_blocks - 1)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
        self.pretrained = pretrained
        self.source = pretrained
        self.revision = None
        if pretrained is None:
            self.seed = torch.initial_seed() if seed is None else seed
            self.random_init(self.seed)
        else:
            self.seed = None
            self.load_pretrained(pretrained)
        # the config alone rebuilds file weights and seeded ones; the run's seed does not
        self.rebuildable = pretrained is not None or seed is not None
        self.freeze()

    @classmethod
    def width_from_config(cls, cfg: dict) -> Optional[int]:
        depth, num_stages = cfg.get('depth', 50), cfg.get('num_stages', 3)
        if depth not in ARCHS or num_stages not in (1, 2, 3, 4):
            return None
        return _stage_widths(depth, num_stages)[1][-1]

    @torch.no_grad()
    def random_init(self, seed: int) -> None:
        """torchvision's ResNet initialisation, drawn from ``seed`` alone (modules in
        definition order)."""
        generator = torch.Generator().manual_seed(int(seed) % 2 ** 63)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                fan_out = module.out_channels * module.kernel_size[0] * module.kernel_size[1]
                module.weight.normal_(0.0, math.sqrt(2.0 / fan_out), generator=generator)
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.fill_(1.0)
                module.bias.zero_()
                module.reset_running_stats()

    def load_pretrained(self, pretrained: str) -> None:
        """Load torchvision ResNet weights from ``pretrained`` (weights only, keys and
        shapes checked; see the class docstring)."""
        from byov.utils.checkpoint import load_checkpoint
        name = f'ResNetFrameEncoder: pretrained={pretrained!r}'
        fix = (f'Give a torchvision ResNet-{self.depth} state dict (the ImageNet weights: '
               f'{IMAGENET_RESNET50} for depth 50; or torch.save of torchvision.models.'
               f'resnet{self.depth}(weights=...).state_dict()), as a local path or URL, '
               'with depth set to the file\'s')
        try:
            state = load_checkpoint(pretrained, map_location='cpu')
        except CheckpointNotFoundError:
            raise ResNetWeightsUnavailableError(
                f'{name}: no such file. {fix}.') from None
        except (OSError, ValueError, ImportError) as err:  # ImportError: torchvision://
            if isinstance(err, UserInputError):
                raise
            raise ResNetWeightsUnavailableError(
                f'{name} could not be read or downloaded ({type(err).__name__}: {err}). '
                'Download the file where the network allows (for ResNet-50 '
                f'{IMAGENET_RESNET50}) and set pretrained to the local path.') from None
        if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
            state = state['state_dict']
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor)
                                                  for v in state.values()):
            raise ResNetWeightsError(f'{name} holds no state dict of tensors. {fix}.')
        own = self.state_dict()
        needed = {k for k in own if not k.endswith('num_batches_tracked')}
        missing = sorted(needed - set(state))
        built = {'conv1', 'bn1'} | {f'layer{i + 1}' for i in range(self.num_stages)}
        later = {f'layer{i}' for i in range(self.num_stages + 1, 5)} | {'fc'}
        unexpected = sorted(k for k in state if k not in own
                            and k.split('.', 1)[0] not in later)
        wrong = sorted(k for k in needed & set(state) if state[k].shape != own[k].shape)
        if missing or unexpected or wrong:
            parts = []
            if missing:
                parts.append(f'{len(missing)} keys of the layers built are missing '
                             f'({", ".join(missing[:3])}, ...)')
            if unexpected:
                parts.append(f'{len(unexpected)} keys are not a torchvision ResNet\'s '
                             f'({", ".join(unexpected[:3])}, ...)')
            if wrong:
                parts.append(f'{len(wrong)} shapes differ (e.g. {wrong[0]}: file '
                             f'{tuple(state[wrong[0]].shape)}, ResNet-{self.depth} '
                             f'{tuple(own[wrong[0]].shape)})')
            raise ResNetWeightsError(
                f'{name} does not fit a torchvision ResNet-{self.depth} cut after layer'
                f'{self.num_stages} ({sorted(built)}): {"; ".join(parts)}. {fix}.')
        self.load_state_dict({k: state[k] for k in own if k in state}, strict=False)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """``[M, 3, H, W]`` normalised images -> the last stage's map as tokens
        ``[M, h*w, D]``."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(images.to(self.conv1.weight.dtype)))))
        for i in range(self.num_stages):
            x = getattr(self, f'layer{i + 1}')(x)
        return x.flatten(2).transpose(1, 2)
