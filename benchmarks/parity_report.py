"""How close byov's objectives are to the public implementations of the papers' baselines.

Each fixture in ``tests/fixtures/parity/`` holds random inputs and what the public code
computed from them (its loss value and the gradient with respect to the inputs), saved by
a scratch script outside this repository (the test of each objective names the code, its
commit and the command). This script runs byov's objective on the same inputs in float64
and prints, per objective, the loss, the largest absolute difference of the value and of
the gradient, and the largest gradient entry for scale:

    python benchmarks/parity_report.py

The tests (``tests/models/alignment/test_{tcn_actor_observer,carl_lav_gta}_loss*.py``)
hold the same comparisons to tolerances; GTA's public code is TensorFlow and is checked
against a loop implementation in its test instead, so it has no fixture here.
"""
import os.path as osp
import sys

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
FIXTURES = osp.join(ROOT, 'tests', 'fixtures', 'parity')


def _scalar(array):
    return float(np.asarray(array).reshape(-1)[0])


def _pair_loss(loss_fn, embeds, **kwargs):
    """Loss and gradient of ``loss_fn(x[:, 0], x[:, 1])`` for a ``[B, 2, T, E]`` array."""
    x = torch.tensor(embeds, dtype=torch.float64, requires_grad=True)
    loss = loss_fn(x[:, 0], x[:, 1], **kwargs)
    loss.backward()
    return loss.item(), [x.grad.numpy()]


def tcn(mode):
    from byov.models.alignment import TCNLoss
    ref = np.load(osp.join(FIXTURES, 'tcn.npz'))
    prefix = mode.split('_')[0]
    a = torch.tensor(ref['embeds_a'], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(ref['embeds_b'], dtype=torch.float64, requires_grad=True)
    loss = TCNLoss(mode=mode, reg_lambda=float(ref['reg_lambda']))(a, b)
    loss.backward()
    return (loss.item(), [a.grad.numpy(), b.grad.numpy()], _scalar(ref[f'{prefix}_loss']),
            [ref[f'{prefix}_grad_a'], ref[f'{prefix}_grad_b']])


def actor_observer(step):
    """ActorObserverNet's loss on the fixture's batch ``step`` (batch 1 sees the running
    statistics batch 0 left, as in the reference)."""
    from byov.models.alignment import ActorObserverLoss
    ref = np.load(osp.join(FIXTURES, 'actor_observer.npz'))
    loss_fn = ActorObserverLoss(in_channels=ref['x0'].shape[1]).double()
    heads = dict(pos=loss_fn.positive_head, third=loss_fn.third_head,
                 neg=loss_fn.negative_head)
    with torch.no_grad():
        for key, head in heads.items():
            head.fc.weight.copy_(torch.tensor(ref[f'{key}_weight']))
            head.fc.bias.copy_(torch.tensor(ref[f'{key}_bias']))
            head.log_scale.copy_(torch.tensor(ref[f'{key}_log_scale']))
    for k in range(step + 1):
        x, y, z = (torch.tensor(ref[f'{v}{k}'], requires_grad=True) for v in 'xyz')
        loss = loss_fn.triplet_loss(x, y, z, [str(i) for i in ref[f'ids{k}']])
        loss.backward()
    return (loss.item(), [x.grad.numpy(), y.grad.numpy(), z.grad.numpy()],
            _scalar(ref[f'loss{step}']), [ref[f'grad_{v}{step}'] for v in 'xyz'])


def carl():
    from byov.models.alignment import SequenceContrastiveLoss
    ref = np.load(osp.join(FIXTURES, 'carl_scl.npz'))
    steps, lengths = torch.tensor(ref['steps']), torch.tensor(ref['lengths'])
    loss, grads = _pair_loss(SequenceContrastiveLoss(projection=False), ref['embeds'],
                             steps_a=steps[:, 0], steps_b=steps[:, 1], lengths=lengths)
    return loss, grads, _scalar(ref['loss']), [ref['grad']]


def lav(variant):
    from byov.models.alignment import LAVLoss
    ref = np.load(osp.join(FIXTURES, 'lav.npz'))
    steps, lengths = torch.tensor(ref['steps']), torch.tensor(ref['lengths'])
    loss, grads = _pair_loss(LAVLoss(tcc_weight=1.0 if variant == 'tcc' else 0.0),
                             ref['embeds'], steps_a=steps[:, 0], steps_b=steps[:, 1],
                             lengths=lengths)
    return loss, grads, _scalar(ref[f'loss_{variant}']), [ref[f'grad_{variant}']]


CASES = [
    ('TCN, single-view', 'minghchen/CARL_code algos/tcn.py', lambda: tcn('single_view')),
    ('TCN, multi-view', 'CARL_code n-pairs, views as anchors / positives',
     lambda: tcn('multi_view')),
    ('ActorObserverNet, batch 1', 'gsig/actor-observer ActorObserverLossAll',
     lambda: actor_observer(0)),
    ('ActorObserverNet, batch 2', 'gsig/actor-observer ActorObserverLossAll',
     lambda: actor_observer(1)),
    ("CARL's SCL", 'minghchen/CARL_code algos/scl.py', carl),
    ('LAV', 'trquhuytin/LAV-CVPR21 losses.py', lambda: lav('plain')),
    ('LAV with TCC', 'trquhuytin/LAV-CVPR21 losses.py', lambda: lav('tcc')),
]


def main():
    print('| objective | public code | loss | max abs diff (value) | max abs diff (gradient) '
          '| largest gradient entry |')
    print('|---|---|---:|---:|---:|---:|')
    for name, source, run in CASES:
        loss, grads, ref_loss, ref_grads = run()
        grad_diff = max(float(np.abs(g - r).max()) for g, r in zip(grads, ref_grads))
        scale = max(float(np.abs(r).max()) for r in ref_grads)
        print(f'| {name} | {source} | {ref_loss:.6g} | {abs(loss - ref_loss):.2g} | '
              f'{grad_diff:.2g} | {scale:.2g} |')


if __name__ == '__main__':
    main()
