"""CLIPVisionEncoder without the weights (no internet, empty cache, an empty folder): a
byov error that names the model and says how to get the weights, the original chained.
Nothing here contacts the hub."""
import pytest

from byov.models.frame_encoders import CLIPVisionEncoder, CLIPWeightsUnavailableError
from byov.registry import MODELS

MISSING_ID = 'byov-tests/no-such-clip'  # never in a cache; local_files_only: never fetched
CONNECT_ERROR = "We couldn't connect to 'https://huggingface.co' to load this file"


def _assert_fixes_named(message, model_id):
    assert repr(model_id) in message
    assert 'could not be downloaded' in message and 'local Hugging Face cache' in message
    for fix in ('HF_HOME', 'local_files_only=True', 'HF_HUB_OFFLINE=1', 'docs/own_data.md'):
        assert fix in message


def test_id_not_in_cache_with_local_files_only(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(CLIPWeightsUnavailableError) as info:
        MODELS.build(dict(type='CLIPVisionEncoder', pretrained=MISSING_ID,
                          local_files_only=True))
    _assert_fixes_named(str(info.value), MISSING_ID)
    assert isinstance(info.value.__cause__, OSError)  # transformers' error, chained
    assert isinstance(info.value, OSError)  # handlers of the original type still catch it


def test_width_lookup_fails_the_same_way(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(CLIPWeightsUnavailableError) as info:
        CLIPVisionEncoder.width_from_config(dict(pretrained=MISSING_ID, local_files_only=True))
    _assert_fixes_named(str(info.value), MISSING_ID)


def test_connection_error_of_the_hub(monkeypatch):
    """The message a machine without internet gets (the loader stubbed to fail as
    transformers does when it cannot connect)."""
    from transformers import CLIPVisionModel
    calls = []

    def no_connection(name, **kwargs):
        calls.append((name, kwargs))
        raise OSError(CONNECT_ERROR)

    monkeypatch.setattr(CLIPVisionModel, 'from_pretrained', no_connection)
    with pytest.raises(CLIPWeightsUnavailableError) as info:
        CLIPVisionEncoder(pretrained='openai/clip-vit-base-patch16')
    assert calls == [('openai/clip-vit-base-patch16', dict(local_files_only=False))]
    _assert_fixes_named(str(info.value), 'openai/clip-vit-base-patch16')
    assert str(info.value.__cause__) == CONNECT_ERROR


def test_folder_without_a_saved_model(tmp_path):
    with pytest.raises(CLIPWeightsUnavailableError) as info:
        CLIPVisionEncoder(pretrained=str(tmp_path), local_files_only=True)
    message = str(info.value)
    assert repr(str(tmp_path)) in message and 'save_pretrained' in message
    assert 'config.json' in message and isinstance(info.value.__cause__, OSError)


def test_saved_folder_still_loads(tiny_clip_dir):
    encoder = CLIPVisionEncoder(pretrained=tiny_clip_dir, local_files_only=True)
    assert encoder.out_channels == CLIPVisionEncoder.width_from_config(
        dict(pretrained=tiny_clip_dir, local_files_only=True))
