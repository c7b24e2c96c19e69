"""The launch scripts parse, and no comment line breaks a backslash continuation (a
comment there silently ends the command: a classic dist_test.sh bug)."""
import glob
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
