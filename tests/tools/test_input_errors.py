"""Errors in what a user gives the tools: one message naming the file and the fix, exit
1, no traceback (BYOV_TRACEBACK=1 shows it)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from byov.utils.errors import CheckpointNotFoundError, ConfigFileNotFoundError
from byov.utils.launch import (check_checkpoint_file, check_config_file,
                               exit_on_input_errors)

ROOT = Path(__file__).resolve().parents[2]


def test_config_file_names_the_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    check_config_file('configs/byov/byov_tiny_synthetic_demo.py')  # exists: silent
    with pytest.raises(ConfigFileNotFoundError) as info:
        check_config_file('configs/byov/byov_tiny_synthetic_dem.py')
    assert 'does not exist. Closest: configs/byov/byov_tiny_synthetic_demo.py' in \
        str(info.value)
    with pytest.raises(ConfigFileNotFoundError, match='is a folder, not a config file'):
        check_config_file('configs/byov')
    assert isinstance(info.value, FileNotFoundError)


def test_checkpoint_folder_lists_its_checkpoints(tmp_path):
    for name in ('epoch_1.pth', 'best_ae2_f1_regular_epoch_1.pth', 'notes.txt'):
        (tmp_path / name).write_bytes(b'x')
    check_checkpoint_file(str(tmp_path / 'epoch_1.pth'))  # a file: silent
    check_checkpoint_file('https://example.org/model.pth')  # URLs are checked on load
    with pytest.raises(CheckpointNotFoundError) as info:
        check_checkpoint_file(str(tmp_path))
    message = str(info.value)
    assert 'is a folder; pass a checkpoint file in it' in message
    assert '*.pth there: best_ae2_f1_regular_epoch_1.pth, epoch_1.pth' in message
    with pytest.raises(CheckpointNotFoundError, match='epoch_9.pth does not exist'):
        check_checkpoint_file(str(tmp_path / 'epoch_9.pth'))


def test_exit_on_input_errors(capsys, monkeypatch):
    monkeypatch.delenv('BYOV_TRACEBACK', raising=False)
    with pytest.raises(SystemExit) as info:
        with exit_on_input_errors('tools/x.py'):
            raise CheckpointNotFoundError('Checkpoint a.pth does not exist.')
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith('tools/x.py: CheckpointNotFoundError: Checkpoint a.pth does not '
                          'exist.\n(set BYOV_TRACEBACK=1')
    with pytest.raises(KeyError):  # not a user input error: left alone
        with exit_on_input_errors('tools/x.py'):
            raise KeyError('a bug')
    monkeypatch.setenv('BYOV_TRACEBACK', '1')
    with pytest.raises(CheckpointNotFoundError):
        with exit_on_input_errors('tools/x.py'):
            raise CheckpointNotFoundError('Checkpoint a.pth does not exist.')


@pytest.mark.slow
@pytest.mark.parametrize('args, expected', [
    (['configs/byov/byov_tiny_synthetic_dem.py', 'none'],
     'tools/test.py: ConfigFileNotFoundError: Config file '
     'configs/byov/byov_tiny_synthetic_dem.py does not exist. Closest: '
     'configs/byov/byov_tiny_synthetic_demo.py'),
    (['configs/byov/byov_tiny_synthetic_demo.py', 'configs', '--data-root', 'configs'],
     'tools/test.py: CheckpointNotFoundError: Checkpoint configs is a folder'),
])
def test_test_tool_reports_one_line(args, expected):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('BYOV_TRACEBACK', None)
    proc = subprocess.run([sys.executable, 'tools/test.py', *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert expected in proc.stderr
    assert 'Traceback' not in proc.stderr
