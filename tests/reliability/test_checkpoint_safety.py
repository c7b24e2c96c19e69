"""Loading a checkpoint never runs code from the file unless the user opts in.

byov loads ``load_from``, ``--resume`` and ``tools/test.py``'s checkpoint through
``ByovRunner`` -> byov/utils/checkpoint.py (weights only, every scheme); byov's tools
also route mmengine's ``CheckpointLoader`` through the same loaders
(``setup_tool_process``; the ``tool_loaders`` fixture does it here and undoes it after).
mmengine's own checkpoints (history buffers, numpy objects) load without opting in: here
a realistic one, and in test_resume_after_kill.py real ones. Remote files: a server on
127.0.0.1 (test_checkpoint_sources.py).
"""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint

from byov.utils import checkpoint as byov_checkpoint
from byov.utils.checkpoint import TRUST_ENV, UnsafeCheckpointError, load_checkpoint_file


class _Payload:
    """Unpickling this object calls ``action(*args)``."""

    def __init__(self, action, *args):
        self.action, self.args = action, args

    def __reduce__(self):
        return self.action, self.args


def _malicious(path, payload):
    torch.save({'state_dict': {'w': torch.zeros(2)}, 'meta': {}, 'x': payload}, str(path))
    return str(path)


@pytest.fixture(autouse=True)
def _untrusted(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


@pytest.mark.parametrize('kind', ['os.system', 'os.makedirs'])
def test_malicious_pickle_runs_no_code_and_says_how_to_opt_in(tmp_path, kind, tool_loaders):
    marker = tmp_path / 'pwned'
    payload = (_Payload(os.system, f'touch {marker}') if kind == 'os.system'
               else _Payload(os.makedirs, str(marker)))
    path = _malicious(tmp_path / 'evil.pth', payload)
    for load in (lambda: load_checkpoint_file(path), lambda: byov_checkpoint.load_checkpoint(path),
                 lambda: CheckpointLoader.load_checkpoint(path, map_location='cpu'),
                 lambda: load_checkpoint(torch.nn.Linear(2, 2), path)):  # load_from's path
        with pytest.raises(UnsafeCheckpointError) as info:
            load()
        message = str(info.value)
        assert path in message and f'{TRUST_ENV}=1' in message and 'trust_code=True' in message
        assert kind.split('.')[1] in message  # names the refused global
    assert not marker.exists()


def test_opting_in_loads_it(tmp_path, monkeypatch, tool_loaders):
    marker = tmp_path / 'ran'
    path = _malicious(tmp_path / 'trusted.pth', _Payload(os.makedirs, str(marker)))
    load_checkpoint_file(path, trust_code=True)
    assert marker.is_dir()
    marker.rmdir()
    monkeypatch.setenv(TRUST_ENV, '1')
    CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert marker.is_dir()


@pytest.mark.parametrize('target, name', [(HistoryBuffer, '__init__'),
                                          (HistoryBuffer, '__reduce__'),
                                          (np.ndarray, 'tofile')])
def test_getattr_gadgets_other_than_history_buffer_statistics_are_refused(
        tmp_path, target, name):
    path = _malicious(tmp_path / 'gadget.pth', _Payload(getattr, target, name))
    with pytest.raises(UnsafeCheckpointError, match=f"refused getattr.*{name}"):
        load_checkpoint_file(path)


def test_mmengine_checkpoint_contents_load_without_opting_in(tmp_path, tool_loaders):
    """What mmengine's Runner writes: message hub (HistoryBuffers, whose statistics
    pickle as getattr(HistoryBuffer, 'mean'), numpy scalars and arrays), an Adam state,
    a config text and numpy RNG-like tuples."""
    hub = MessageHub.get_instance('reliability_ckpt_contents')
    for i in range(3):
        hub.update_scalar('train/loss', float(i))
    hub.update_info('keep_ckpt_ids', [1, 2])
    hub.update_info('np_scalar', np.float64(0.5))
    model = torch.nn.Linear(3, 2)
    optim = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    optim.step()
    checkpoint = dict(meta=dict(epoch=1, iter=2, seed=0, config='a = 1\n',
                                np_state=np.random.get_state()),
                      state_dict=model.state_dict(), message_hub=hub.state_dict(),
                      optimizer=optim.state_dict())
    assert any('getattr' in str(op) for op in _globals_in(checkpoint))
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(checkpoint, path)
    loaded = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert loaded['message_hub']['log_scalars']['train/loss'].mean() == 1.0
    assert torch.equal(loaded['state_dict']['weight'], model.weight)


def _globals_in(obj):
    """The GLOBAL opcodes a pickle of ``obj`` contains (to show the getattr is there)."""
    import io
    import pickletools
    out = io.StringIO()
    pickletools.dis(pickle.dumps(obj, protocol=2), out)
    return [line for line in out.getvalue().splitlines() if 'GLOBAL' in line]
