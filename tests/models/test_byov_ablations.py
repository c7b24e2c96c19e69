"""BYOV's ablations: MSM or MCM switched off, and every shipped ablation config of the
synthetic demo, one training step each on tiny pairs."""
import pathlib

import pytest
import torch
from mmengine.config import Config
from models_testutils import model_cfg

from byov.registry import MODELS

REPO = pathlib.Path(__file__).resolve().parents[2]
ABLATIONS = sorted((REPO / 'configs' / 'byov' / 'ablations').glob('*_tiny_synthetic.py'))
ALL_TERMS = {'loss_msm', 'loss_mcm_a_from_b', 'loss_mcm_b_from_a'}
EXPECTED = {'no-msm': ALL_TERMS - {'loss_msm'}, 'no-mcm': {'loss_msm'}}


def _step(model):
    """One loss and backward on two random 16-frame pairs; returns the loss names."""
    torch.manual_seed(0)
    model.train()
    size = model.stem.frame_encoder.input_size
    pairs = [torch.randint(0, 256, (2, 16, 3, size, size), dtype=torch.uint8)
             for _ in range(2)]
    losses = model(**model.data_preprocessor(dict(inputs=pairs), True), mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad, f'parameters without gradient: {no_grad}'
    return set(losses)


@pytest.mark.parametrize('option,terms', [
    ('self_view_masking', ALL_TERMS - {'loss_msm'}),
    ('cross_view_masking', {'loss_msm'})])
def test_a_masking_set_to_none_drops_its_loss(option, terms):
    model = MODELS.build(model_cfg(**{option: None}))
    assert getattr(model, option) is None
    assert _step(model) == terms


def test_at_least_one_objective_stays():
    with pytest.raises(ValueError, match='both None'):
        MODELS.build(model_cfg(self_view_masking=None, cross_view_masking=None))
    with pytest.raises(ValueError, match='reference_second_view_defect'):
        MODELS.build(model_cfg(cross_view_masking=None, reference_second_view_defect=True))


def test_every_ablation_config_is_shipped():
    names = {p.name.split('_')[1] for p in ABLATIONS}
    assert names == {'no-stm', 'no-causal', 'no-msm', 'no-mcm', 'tail-masking',
                     'block-masking'}
    for path in ABLATIONS:  # each has its CLIP ViT-B/16 break eggs twin
        assert path.with_name(path.name.replace('tiny_synthetic', 'break_eggs')).is_file()


@pytest.mark.parametrize('path', ABLATIONS, ids=lambda p: p.stem)
def test_ablation_configs_train(path):
    model = MODELS.build(Config.fromfile(str(path)).model.to_dict())
    terms = _step(model)
    assert terms == EXPECTED.get(path.name.split('_')[1], ALL_TERMS)
    if 'no-causal' in path.name:
        assert not model.decoder.causal
    if 'no-stm' in path.name:
        assert type(model.stem.token_selector).__name__ == 'MeanTokenPooling'
