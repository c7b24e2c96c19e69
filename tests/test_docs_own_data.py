"""The worked example of docs/own_data.md runs as printed.

The page's configs (the code blocks starting with ``# file: <path>``: the frames config
and the feature-cache config inheriting it) are written into a temporary project beside
a link to the repository's ``configs/_base_``, with a tiny dataset in AE2's split-folder
layout at its ``data_root`` and a 64-wide CLIP vision tower saved by ``save_pretrained``
at its ``pretrained`` folder. The page's commands then run from the project folder: the
feature cache is built, and BYOV trains for two iterations from it and, with the frames
config the page names, from frames.
"""
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.datasets.ae2_fixtures import make_ae2

REPO = pathlib.Path(__file__).resolve().parents[1]
DOC = REPO / 'docs' / 'own_data.md'
WIDTH = 64  # the tower's hidden_size: typed nowhere in the page's config
VIDEO_FRAMES = 20
SPLITS = {'train': {'ego': ['e_b', 'e_a'], 'exo': ['x_c', 'x_a']},
          'val': {'ego': ['e_v'], 'exo': ['x_v']},
          'test': {'ego': ['e_t'], 'exo': ['x_t']}}
# two training iterations, no evaluation: what the test shortens, nothing else
SHORT = ['--no-validate', '--cfg-options', 'train_cfg.max_epochs=1',
         'train_dataloader.dataset.epoch_length=2', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False']


def page():
    """(frames config path, its text, feature-cache config path, its text, commands)."""
    text = DOC.read_text()
    blocks = re.findall(r'```python\n# file: (\S+)\n(.*?)```', text, re.S)
    assert len(blocks) == 2, 'docs/own_data.md: two "# file:" config blocks expected'
    (frames, frames_text), (cached, cached_text) = blocks
    assert f"_base_ = ['./{pathlib.Path(frames).name}']" in cached_text
    bash = re.findall(r'```bash\n(.*?)```', text, re.S)
    commands = [c.split('#')[0].split() for c in bash[0].replace('\\\n', ' ').splitlines()]
    return frames, frames_text, cached, cached_text, [c for c in commands if c]


def run(cmd, cwd):
    env = dict(os.environ, BYOV_NO_PROGRESS='1', OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    cmd = [sys.executable, str(REPO / cmd[1])] + cmd[2:]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (f'{" ".join(cmd)} exited {proc.returncode}:\n'
                                  f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """The page's config, its data and its CLIP tower, in a fresh folder."""
    root = tmp_path_factory.mktemp('own_project')
    path, text, cached, cached_text, _ = page()
    (root / path).parent.mkdir(parents=True)
    (root / path).write_text(text)
    (root / cached).write_text(cached_text)
    os.symlink(REPO / 'configs' / '_base_', root / 'configs' / '_base_')
    data_root = re.search(r"data_root='([^']+)'", text).group(1)
    make_ae2(str(root / data_root), layout='folders', splits=SPLITS,
             num_frames=VIDEO_FRAMES)
    from transformers import CLIPVisionConfig, CLIPVisionModel
    torch.manual_seed(0)
    tower = CLIPVisionModel(CLIPVisionConfig(
        hidden_size=WIDTH, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, image_size=224, patch_size=32))  # N = 7 x 7 tokens
    clip_dir = re.search(r"pretrained='([^']+)'", text).group(1)
    tower.save_pretrained(str(root / clip_dir))
    return root


def _checkpoint(work_dir):
    ckpt = torch.load(work_dir / 'epoch_1.pth', map_location='cpu', weights_only=False)
    return ckpt['state_dict'], ckpt['meta']


def test_the_page_configs_are_short_and_complete(project):
    """Short, the width typed nowhere, and complete as written: nothing is left for
    byov's tools to fill, so mmengine's Runner runs them as they are."""
    from mmengine.config import Config

    from byov.datasets.config_utils import check_config, unfilled_settings
    path, text, cached, cached_text, _ = page()
    for body in (text, cached_text):
        lines = [line for line in body.splitlines() if line.strip()]
        assert len(lines) <= 18, body
        assert str(WIDTH) not in body and 'in_channels' not in body  # the width is read
    for config in (path, cached):
        cfg = Config.fromfile(str(project / config))
        assert unfilled_settings(cfg) == []
        check_config(cfg)


def test_feature_cache_and_training_from_it(project):
    _, _, path, _, commands = page()
    build, train = commands[0], commands[1]
    assert build[1] == 'tools/data/build_feature_cache.py' and build[2] == path
    assert train[1] == 'tools/train.py' and train[2] == path
    run(build, project)
    # exact mode: the tower's patch tokens of every frame of every video, float16
    files = sorted((project / 'data' / 'cache' / 'features').rglob('*.npy'))
    assert len(files) == sum(len(v) for s in SPLITS.values() for v in s.values())
    for f in files:
        tokens = np.load(f)
        assert tokens.shape == (VIDEO_FRAMES, (224 // 32) ** 2, WIDTH)
        assert tokens.dtype == np.float16 and np.isfinite(tokens).all()

    work_dir = project / 'work_dirs' / 'cached'
    proc = run(train + ['--work-dir', str(work_dir)] + SHORT, project)
    state, _ = _checkpoint(work_dir)
    # the model was sized by the tower's width, which the config never states
    assert state['backbone.embed_proj.weight'].shape[1] == WIDTH
    assert state['decoder.head_proj.weight'].shape[0] == WIDTH
    assert not any(k.startswith('stem.frame_encoder.') for k in state)
    log = proc.stdout + proc.stderr
    losses = [float(x) for x in re.findall(r'\bloss: ([-0-9.e]+)', log)]
    assert losses and all(np.isfinite(losses)), log[-3000:]
    dumped = next(work_dir.rglob('*.py')).read_text()  # the config the run used
    assert "input_type='patch_tokens'" in dumped and "'LoadClipFeatures'" in dumped


def test_training_from_frames_with_the_first_config(project):
    path, _, _, _, commands = page()
    assert f'python tools/train.py {path}' in DOC.read_text()  # the page names it
    work_dir = project / 'work_dirs' / 'frames'
    train = commands[1][:2] + [path]
    run(train + ['--work-dir', str(work_dir)] + SHORT, project)
    state, _ = _checkpoint(work_dir)
    assert state['backbone.embed_proj.weight'].shape[1] == WIDTH
    assert state['decoder.head_proj.weight'].shape[0] == WIDTH
    dumped = next(work_dir.rglob('*.py')).read_text()
    assert "'LoadClipFromCache'" in dumped and 'patch_tokens' not in dumped
