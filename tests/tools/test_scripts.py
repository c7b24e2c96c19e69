"""The launch scripts parse, and no comment line breaks a backslash continuation (a
comment there silently ends the command: a classic dist_test.sh bug)."""
import glob
import os
import os.path as osp
import subprocess

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPTS = sorted(glob.glob(osp.join(ROOT, 'tools', '*.sh'))) + [osp.join(ROOT, '.ci', 'run')]


@pytest.mark.parametrize('script', SCRIPTS, ids=osp.basename)
def test_script_parses_and_continuations_hold(script):
    subprocess.run(['bash', '-n', script], check=True)
    lines = open(script).read().splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.rstrip().endswith('\\') and not line.lstrip().startswith('#'):
            nxt = lines[i + 1].strip()
            assert nxt and not nxt.startswith('#'), (
                f'{osp.basename(script)}:{i + 2}: a continuation is broken by '
                f'{"an empty line" if not nxt else "a comment"}')


@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh'])
def test_dist_scripts_need_their_arguments(script):
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', script)], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and 'Usage' in proc.stderr


@pytest.mark.parametrize('script,args', [('dist_train.sh', ['cfg.py', '2']),
                                         ('dist_test.sh', ['cfg.py', 'none', '2'])])
@pytest.mark.parametrize('omp', [None, '3'])
def test_dist_scripts_leave_the_thread_choice_to_the_tools_unless_set(tmp_path, script, args,
                                                                      omp):
    """Unset OMP_NUM_THREADS: the script sets 1 (so that torchrun does not, with a
    warning) and marks it as its own; a value you set travels unchanged and unmarked."""
    fake = tmp_path / 'torchrun'
    fake.write_text('#!/bin/sh\necho "OMP=$OMP_NUM_THREADS AUTO=${BYOV_AUTO_THREADS:-}"\n')
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'BYOV_AUTO_THREADS')}
    env['TORCHRUN'] = str(fake)
    if omp:
        env['OMP_NUM_THREADS'] = omp
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', script), *args], env=env,
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ('OMP=3 AUTO=' if omp else 'OMP=1 AUTO=1')
