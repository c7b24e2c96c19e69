"""Masking strategies: kept counts, index bookkeeping, and build-time validation."""
import pytest
import torch
from models_testutils import model_cfg

from byov.models.masking import BaseFrameMasking
from byov.registry import MASKING, MODELS

STRATEGIES = sorted(name for name, cls in MASKING.module_dict.items()
                    if issubclass(cls, BaseFrameMasking))


def test_all_three_strategies_are_registered():
    assert {'RandomFrameMasking', 'TailFrameMasking', 'BlockFrameMasking'} <= set(STRATEGIES)


@pytest.mark.parametrize('name', STRATEGIES)
@pytest.mark.parametrize('num_frames,ratio', [(32, 0.4), (32, 0.8), (20, 0.8), (7, 0.5)])
def test_keeps_stated_frames_and_restores_order(name, num_frames, ratio):
    strategy = MASKING.build(dict(type=name, ratio=ratio))
    generator = torch.Generator().manual_seed(0)
    ids_keep, ids_restore, mask = strategy(5, num_frames, generator=generator)
    kept = int(num_frames * (1 - ratio))  # 20 frames at 0.8 keep 3 (float rounding)
    assert ids_keep.shape == (5, kept) and ids_restore.shape == mask.shape == (5, num_frames)
    ids_shuffle = torch.argsort(ids_restore, dim=1)
    assert torch.equal(ids_shuffle[:, :kept], ids_keep)  # kept frames come first
    # ids_restore puts [kept ; masked] back into temporal order
    arange = torch.arange(num_frames).expand(5, -1)
    assert torch.equal(torch.gather(ids_shuffle, 1, ids_restore), arange)
    # mask: 1 exactly on the frames that were not kept
    assert torch.all(mask.sum(1) == num_frames - kept)
    assert torch.all(torch.gather(mask, 1, ids_keep) == 0)


def test_tail_masks_the_future_and_block_is_contiguous():
    ids_keep, _, mask = MASKING.build(dict(type='TailFrameMasking', ratio=0.5))(2, 10)
    assert ids_keep.tolist() == [[0, 1, 2, 3, 4]] * 2
    assert mask.tolist() == [[0.] * 5 + [1.] * 5] * 2
    _, _, mask = MASKING.build(dict(type='BlockFrameMasking', ratio=0.3))(
        64, 10, generator=torch.Generator().manual_seed(1))
    for row in mask:
        masked = row.nonzero().flatten()
        assert len(masked) == 3 and torch.all(masked.diff() == 1)
    assert len({tuple(row.tolist()) for row in mask}) > 1  # the block moves


def test_random_masking_is_per_sample_and_seeded():
    strategy = MASKING.build(dict(type='RandomFrameMasking', ratio=0.5))
    a = strategy(8, 16, generator=torch.Generator().manual_seed(3))[0]
    b = strategy(8, 16, generator=torch.Generator().manual_seed(3))[0]
    assert torch.equal(a, b)
    assert len({tuple(sorted(row.tolist())) for row in a}) > 1


@pytest.mark.parametrize('ratio', [-0.1, 1.0, 1.5, True, '0.4'])
def test_invalid_ratio_fails_at_build(ratio):
    with pytest.raises(ValueError, match='ratio'):
        MASKING.build(dict(type='RandomFrameMasking', ratio=ratio))


@pytest.mark.parametrize('option,ratio,message', [
    ('self_view_masking', 0.97, 'keeps 0 of the 16 frames'),   # keeps no frame
    ('cross_view_masking', 0.0, 'one masked'),                  # masks none
    ('cross_view_masking', 1.0, 'ratio'),
    ('self_view_masking', -0.5, 'ratio'),
])
def test_byov_rejects_ratios_naming_the_option(option, ratio, message):
    cfg = model_cfg(**{option: dict(type='RandomFrameMasking', ratio=ratio)})
    with pytest.raises(ValueError, match=message) as info:
        MODELS.build(cfg)
    assert option in str(info.value)
