"""Fixtures of the reliability tests (the data: tiny_synthetic in tests/conftest.py)."""
import pytest
from mmengine.runner.checkpoint import CheckpointLoader
from tiny_run import single_thread_deterministic

from byov.utils.compat import use_weights_only_checkpoint_loaders


@pytest.fixture
def one_thread():
    """In-process Runners: one intra-op thread, global torch settings restored after."""
    with single_thread_deterministic():
        yield


@pytest.fixture(autouse=True)
def _plain_config_text(monkeypatch):
    """The Runner logs and dumps its config through yapf, ~1.5 s a time on these cores;
    here the text stays unformatted (still valid Python, read back on --resume)."""
    import mmengine.config.config as mmengine_config
    monkeypatch.setattr(mmengine_config, 'FormatCode', lambda text, **kwargs: (text, None))


@pytest.fixture
def tool_loaders():
    """mmengine's CheckpointLoader as in byov's tool processes, restored afterwards."""
    schemes = dict(CheckpointLoader._schemes)
    use_weights_only_checkpoint_loaders()
    yield
    CheckpointLoader._schemes = type(CheckpointLoader._schemes)(schemes)
