"""A checkpoint from a URL (or any scheme mmengine knows) loads weights-only, as a local
file does: a malicious pickle served on 127.0.0.1 runs no code, in byov's loader, in
mmengine's CheckpointLoader as byov's tools set it up, and through tools/test.py and
tools/train.py (``--cfg-options load_from=http://...``)."""
import contextlib
import functools
import http.server
import os
import os.path as osp
import threading

import pytest
import torch
from mmengine.runner import checkpoint as mm_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from byov.utils import checkpoint as byov_checkpoint
from byov.utils.checkpoint import TRUST_ENV, UnsafeCheckpointError
from tiny_run import run_tool, tiny_config, write_config


class _Payload:
    """Unpickling this object calls ``action(*args)``."""

    def __init__(self, action, *args):
        self.action, self.args = action, args

    def __reduce__(self):
        return self.action, self.args


@contextlib.contextmanager
def serving(folder):
    """An HTTP server on 127.0.0.1 serving ``folder``; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def evil(tmp_path, monkeypatch):
    """(served folder, marker path): ``evil.pth`` would create the marker file."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))  # download cache
    served, marker = tmp_path / 'served', tmp_path / 'pwned'
    served.mkdir()
    torch.save({'state_dict': {'w': torch.zeros(2)}, 'meta': {},
                'x': _Payload(os.system, f'touch {marker}')}, str(served / 'evil.pth'))
    torch.save({'state_dict': {'w': torch.ones(2)}}, str(served / 'good.pth'))
    return served, marker


def _assert_refused(info, url):
    message = str(info.value)
    assert url in message, message
    assert f'{TRUST_ENV}=1' in message and 'would run code' in message
    assert 'system' in message  # the refused global


def test_http_checkpoint_runs_no_code(evil):
    served, marker = evil
    with serving(served) as base:
        url = f'{base}/evil.pth'
        with pytest.raises(UnsafeCheckpointError) as info:
            byov_checkpoint.load_checkpoint(url)
        _assert_refused(info, url)
        good = byov_checkpoint.load_checkpoint(f'{base}/good.pth')
    assert not marker.exists()
    assert torch.equal(good['state_dict']['w'], torch.ones(2))


@pytest.mark.parametrize('scheme', ['http', 'torchvision://', 'modelzoo://', 'open-mmlab://',
                                    'openmmlab://', 'mmcls://'])
def test_every_remote_scheme_of_checkpoint_loader_loads_weights_only(
        evil, tool_loaders, monkeypatch, scheme):
    """The model-zoo schemes resolve a name to a URL through mmengine's tables; here the
    tables point at the local server."""
    served, marker = evil
    with serving(served) as base:
        url = f'{base}/evil.pth'
        table = lambda: {'evil': url}  # noqa: E731
        for getter in ('get_torchvision_models', 'get_external_models', 'get_mmcls_models'):
            monkeypatch.setattr(mm_checkpoint, getter, table)
        name = url if scheme == 'http' else f'{scheme}evil'
        with pytest.raises(UnsafeCheckpointError) as info:
            CheckpointLoader.load_checkpoint(name, map_location='cpu')
        _assert_refused(info, url)
        # the Pretrained-init path of a model in a tool's process
        with pytest.raises(UnsafeCheckpointError):
            mm_checkpoint.load_checkpoint(torch.nn.Linear(2, 2), name)
    assert not marker.exists()


def test_every_scheme_of_mmengine_has_a_byov_loader():
    """mmengine's table (untouched in this process) and byov's cover the same prefixes:
    if mmengine adds a scheme, this fails until byov loads it weights-only too."""
    ours = {p for prefixes, _ in byov_checkpoint.SCHEME_LOADERS for p in prefixes}
    assert ours == set(CheckpointLoader._schemes)
    assert all(loader.__module__ == 'mmengine.runner.checkpoint'
               for loader in CheckpointLoader._schemes.values())


def test_tools_refuse_a_malicious_http_checkpoint(evil, tiny_synthetic, tmp_path):
    served, marker = evil
    data_root, cache_dir = tiny_synthetic
    cfg = tiny_config(data_root, cache_dir, str(tmp_path / 'work'), max_epochs=1)
    config = write_config(cfg, str(tmp_path / 'tiny.py'))
    env = dict(TORCH_HOME=str(tmp_path / 'torch_home'))
    with serving(served) as base:
        url = f'{base}/evil.pth'
        for args in (['tools/test.py', config, 'none'], ['tools/train.py', config]):
            proc = run_tool(args + ['--cfg-options', f'load_from={url}'], check=False, **env)
            output = proc.stdout + proc.stderr
            assert proc.returncode != 0, output[-3000:]
            assert 'UnsafeCheckpointError' in output and url in output, output[-3000:]
            assert f'{TRUST_ENV}=1' in output
            assert not marker.exists(), args[0]
    assert not osp.exists(osp.join(tmp_path, 'work', 'results.json'))


def test_a_scheme_another_package_registered_goes_to_its_loader():
    calls = []

    def load_from_mine(filename, map_location=None):
        calls.append(filename)
        return {'state_dict': {'w': torch.ones(1)}}

    CheckpointLoader.register_scheme('mine://', load_from_mine)
    try:
        loaded = byov_checkpoint.load_checkpoint('mine://weights')
    finally:
        del CheckpointLoader._schemes['mine://']
    assert calls == ['mine://weights'] and torch.equal(loaded['state_dict']['w'], torch.ones(1))


def test_pavi_and_ceph_schemes_load_weights_only(evil, tool_loaders, monkeypatch):
    """No pavi or petrel client here: stand-ins hand over the served file's bytes."""
    import shutil
    import sys
    import types

    import mmengine.fileio
    served, marker = evil
    data = (served / 'evil.pth').read_bytes()

    class Backend:
        def get(self, filename):
            return data
    monkeypatch.setattr(mmengine.fileio, 'get_file_backend', lambda *a, **k: Backend())

    class Model:
        name = 'evil.pth'

        def download(self, path):
            shutil.copy(served / 'evil.pth', path)
    pavi = types.ModuleType('pavi')
    pavi.modelcloud = types.SimpleNamespace(get=lambda path: Model())
    monkeypatch.setitem(sys.modules, 'pavi', pavi)
    for name in ('s3://bucket/evil.pth', 'cluster:s3://bucket/evil.pth',
                 'petrel://bucket/evil.pth', 'pavi://models/evil.pth'):
        for load in (byov_checkpoint.load_checkpoint, CheckpointLoader.load_checkpoint):
            with pytest.raises(UnsafeCheckpointError) as info:
                load(name)
            assert name in str(info.value) and f'{TRUST_ENV}=1' in str(info.value)
    assert not marker.exists()
