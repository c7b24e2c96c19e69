"""Outputs are written to a temporary name and renamed: a writer that dies midway leaves
the final name absent or as it was, never half written.

Checkpoints go through byov's registered file backend ``byov_atomic_local``
(byov/engine/atomic_backend.py), which the shipped configs' CheckpointHook selects with
``backend_args``; embeddings, results.json and the frame and feature caches have
their own atomic writers (the caches are tested in tests/datasets/test_frame_cache.py and
test_feature_cache.py: a leftover ``*.tmp`` is ignored, a broken final file rebuilt).
"""
import glob
import io
import json
import os
import os.path as osp
import signal
import time

import numpy as np
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.config import Config
from mmengine.runner.checkpoint import find_latest_checkpoint, save_checkpoint

import byov.utils.atomic as atomic
from byov.engine.atomic_backend import ATOMIC_LOCAL_BACKEND
from byov.utils.checkpoint import load_checkpoint
from byov.engine import results as results_module
from byov.evaluation import embedding_set as embedding_module
from byov.evaluation.embedding_set import EmbeddingSet


ATOMIC = dict(backend=ATOMIC_LOCAL_BACKEND)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class _Crash(Exception):
    pass


class _HalfWriter:
    """A file whose ``write`` writes half of what it is given, then fails."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        self._f.write(data[:len(data) // 2])
        self._f.flush()
        raise _Crash('simulated crash in the middle of a write')

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def _half_writing_open(*args, **kwargs):
    return _HalfWriter(open(*args, **kwargs))


def _checkpoint(value):
    return dict(meta=dict(epoch=1), state_dict={'w': torch.full((1000,), float(value))})


def _load(path):
    return load_checkpoint(str(path), map_location='cpu')['state_dict']['w']


def test_shipped_checkpoint_hook_writes_through_the_atomic_backend():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'))
    assert cfg.default_hooks.checkpoint.backend_args == ATOMIC


def test_checkpoint_crash_mid_write_keeps_the_previous_file(tmp_path, monkeypatch):
    new, old = tmp_path / 'epoch_2.pth', tmp_path / 'epoch_1.pth'
    save_checkpoint(_checkpoint(1), str(old), backend_args=ATOMIC)
    monkeypatch.setattr(atomic, 'open', _half_writing_open, raising=False)
    with pytest.raises(_Crash):
        save_checkpoint(_checkpoint(2), str(new), backend_args=ATOMIC)  # first save under this name
    with pytest.raises(_Crash):
        save_checkpoint(_checkpoint(3), str(old), backend_args=ATOMIC)  # overwriting a good file
    monkeypatch.undo()
    assert not new.exists()
    assert _load(old).eq(1).all()
    assert not glob.glob(str(tmp_path / '*.tmp'))  # an exception cleans up after itself
    # the next run writes it normally
    save_checkpoint(_checkpoint(2), str(new), backend_args=ATOMIC)
    assert _load(new).eq(2).all()


def test_sigkill_while_saving_a_checkpoint_leaves_no_trusted_file(tmp_path):
    """A real SIGKILL during mmengine's checkpoint write (a forked child writing slowly
    through the atomic backend); the parent then does what --resume does."""
    work_dir = str(tmp_path)
    good = osp.join(work_dir, 'epoch_1.pth')
    save_checkpoint(_checkpoint(1), good, backend_args=ATOMIC)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(good)  # as CheckpointHook writes it after a complete save
    target = osp.join(work_dir, 'epoch_2.pth')
    buffer = io.BytesIO()
    torch.save(_checkpoint(2), buffer)
    data = buffer.getvalue()

    pid = os.fork()
    if pid == 0:  # child: no torch work here, only file writes, then killed
        try:
            def slow_open(*args, **kwargs):
                f = open(*args, **kwargs)
                write = f.write

                def chunked(blob):
                    for i in range(0, len(blob), 256):
                        write(blob[i:i + 256])
                        f.flush()
                        time.sleep(0.005)
                f.write = chunked
                return f
            atomic.open = slow_open
            get_file_backend(target, backend_args=ATOMIC).put(data, target)
        finally:
            os._exit(0)
    deadline = time.time() + 30
    while time.time() < deadline:
        tmp = glob.glob(target + '.*.tmp')
        if tmp and os.path.getsize(tmp[0]) > 0:
            break
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    leftovers = glob.glob(target + '.*.tmp')
    assert leftovers and 0 < os.path.getsize(leftovers[0]) < len(data), 'killed mid-write'
    assert not osp.exists(target)
    assert find_latest_checkpoint(work_dir) == good
    assert _load(good).eq(1).all()
    get_file_backend(target, backend_args=ATOMIC).put(data, target)  # the next run saves it whole
    assert _load(target).eq(2).all()


def _embedding_set(value):
    return EmbeddingSet(embeds=np.full((5, 4), value, np.float32), labels=np.zeros(5, int),
                        video_ids=[0, 0, 0, 1, 1], is_ego=[1, 1, 1, 0, 0],
                        video_names=['a', 'b'], split='val')


def test_embeddings_crash_mid_write_keeps_the_previous_files(tmp_path, monkeypatch):
    _embedding_set(1.0).save(str(tmp_path))
    real_save = np.save

    def half_save(f, array):
        real_save(f, array)
        f.truncate(f.tell() // 2)
        raise _Crash('simulated crash in the middle of np.save')

    monkeypatch.setattr(embedding_module.np, 'save', half_save)
    with pytest.raises(_Crash):
        _embedding_set(2.0).save(str(tmp_path))
    monkeypatch.undo()
    loaded = EmbeddingSet.load(str(tmp_path), 'val')
    assert np.all(loaded.embeds == 1.0)
    assert not glob.glob(str(tmp_path / '*.tmp'))
    _embedding_set(2.0).save(str(tmp_path))
    assert np.all(EmbeddingSet.load(str(tmp_path), 'val').embeds == 2.0)


def test_results_json_crash_before_rename_keeps_the_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'results.json')
    results_module.write_results_json(path, {'ae2/tau': 0.5})

    def crash(fd):
        raise _Crash('simulated crash before the rename')

    monkeypatch.setattr(results_module.os, 'fsync', crash)
    with pytest.raises(_Crash):
        results_module.write_results_json(path, {'ae2/tau': 0.9})
    monkeypatch.undo()
    assert json.load(open(path))['metrics'] == {'ae2/tau': 0.5}
    assert not glob.glob(str(tmp_path / '*.tmp'))


def test_outputs_get_plain_file_permissions(tmp_path):
    """Like a plain ``open`` (0o666 less the umask), not a private temporary file's 0o600."""
    with open(tmp_path / 'plain', 'w') as f:
        f.write('x')
    results_module.write_results_json(str(tmp_path / 'results.json'), {'ae2/tau': 0.5})
    _embedding_set(1.0).save(str(tmp_path))
    get_file_backend(str(tmp_path), backend_args=ATOMIC).put(b'x', str(tmp_path / 'epoch_1.pth'))
    for name in ('results.json', 'val_embeds.npy', 'val_meta.json', 'epoch_1.pth'):
        assert os.stat(tmp_path / name).st_mode == os.stat(tmp_path / 'plain').st_mode, name
