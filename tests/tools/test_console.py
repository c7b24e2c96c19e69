"""The main job's console: --brief-console keeps the set-up report in the log file, and
tools/run_demo.py shows a tool's output as it comes, with a line during long silences."""
import importlib.util
import logging
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from byov.engine.runner import BriefConsoleRunner

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MARKER = 'a_key_only_the_config_dump_holds'


def _runner(cls, tmp_path, name):
    return cls(model=torch.nn.Linear(2, 2), work_dir=str(tmp_path / name),
               experiment_name=f'{name}_{os.getpid()}',
               cfg=Config(dict(marker=MARKER, work_dir=str(tmp_path / name))))


def _log_file(runner):
    return [h.baseFilename for h in runner.logger.handlers
            if isinstance(h, logging.FileHandler)][0]


def test_plain_runner_prints_the_setup_report(tmp_path, capsys):
    _runner(Runner, tmp_path, 'plain')
    out = capsys.readouterr().out
    assert 'System environment' in out and MARKER in out  # what --brief-console avoids


def test_brief_console_runner_keeps_the_report_in_the_log_file(tmp_path, capsys):
    runner = _runner(BriefConsoleRunner, tmp_path, 'brief')
    runner.logger.info('after set-up')
    runner.logger.warning('a warning')
    out = capsys.readouterr().out
    assert 'System environment' not in out and MARKER not in out
    assert 'Hooks will be executed' not in out
    log = open(_log_file(runner)).read()
    assert f'Environment, config and hooks: in {_log_file(runner)}' in out
    assert 'System environment' in log and MARKER in log and 'Hooks will be executed' in log
    # the console is back to INFO once set up
    assert 'after set-up' in out and 'a warning' in out


def test_byov_runner_drops_only_mmengines_fileclient_notice(tmp_path, capsys):
    """mmengine's hooks log that "FileClient" will be deprecated in every run; byov's
    runner drops that record, and only it."""
    from byov.engine.runner import ByovRunner
    runner = _runner(ByovRunner, tmp_path, 'fileclient')
    from mmengine.fileio import FileClient
    FileClient.infer_client(None, str(tmp_path))  # what the hooks do
    runner.logger.warning('"FileClient" is mentioned in this other warning')
    out = capsys.readouterr().out
    log = open(_log_file(runner)).read()
    for text in (out, log):
        assert '"FileClient" will be deprecated' not in text
        assert '"FileClient" is mentioned in this other warning' in text
    plain = _runner(Runner, tmp_path, 'plain_fileclient')  # mmengine's runner: unchanged
    FileClient.infer_client(None, str(tmp_path))
    assert '"FileClient" will be deprecated' in open(_log_file(plain)).read()


def _run_demo():
    spec = importlib.util.spec_from_file_location('run_demo_tool',
                                                  osp.join(ROOT, 'tools', 'run_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHILD = r'''
import sys, time
print('first line', flush=True)
time.sleep(2.5)
for i in range(3):
    sys.stdout.write(f'bar {i}/2\r'); sys.stdout.flush()
sys.stdout.write('\nlast line\n')
sys.exit(int(sys.argv[1]))
'''


def test_run_shows_output_and_heartbeats_and_logs_the_final_bar(tmp_path, capfdbinary):
    run = _run_demo().run
    log = tmp_path / 'tool.log'
    run([sys.executable, '-c', CHILD, '0'], str(log), quiet_for=1)
    out = capfdbinary.readouterr().out.decode()
    assert 'first line' in out and 'bar 0/2\r' in out and 'last line' in out
    assert out.count('still running') >= 1
    assert out.index('first line') < out.index('still running') < out.index('bar 0/2')
    # the log keeps what a terminal would show: the bar's last state only
    assert log.read_text().splitlines() == ['first line', 'bar 2/2', 'last line']


def test_run_exits_with_the_tools_last_lines(tmp_path, capfdbinary):
    run = _run_demo().run
    with pytest.raises(SystemExit) as exc:
        run([sys.executable, '-c', CHILD, '3'], str(tmp_path / 'tool.log'), quiet_for=60)
    assert 'failed (exit 3)' in str(exc.value) and 'last line' in str(exc.value)
