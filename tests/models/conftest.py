"""Fixtures of the model tests: one CPU thread, and a tiny Hugging Face CLIP tower saved
locally (there is no hub here)."""
import pytest
import torch

import byov.models  # noqa: F401  (registers the components)
from models_testutils import TINY_CLIP


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def tiny_clip_dir(tmp_path_factory):
    from transformers import CLIPVisionConfig, CLIPVisionModel
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp('tiny_clip')
    CLIPVisionModel(CLIPVisionConfig(**TINY_CLIP)).save_pretrained(str(folder))
    return str(folder)
