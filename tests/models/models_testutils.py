"""Helpers of the model tests: the shipped model configs as dicts, made weight-free."""
import copy
import pathlib

from mmengine.config import Config

REPO = pathlib.Path(__file__).resolve().parents[2]
MODEL_CONFIGS = sorted((REPO / 'configs' / '_base_' / 'models').glob('byov_*.py'))
TINY_CLIP = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                 num_attention_heads=2, image_size=32, patch_size=8)  # N=16, D=32


# D of the CLIP towers the shipped configs name (the configs type it nowhere else)
CLIP_WIDTH = {'openai/clip-vit-base-patch16': 768, 'openai/clip-vit-large-patch14': 1024}
# frames per clip of the dataset configs each model config is used with
NUM_FRAMES = {'byov_tiny': 16}


def model_cfg(name='byov_tiny', **overrides):
    """``model`` of ``configs/_base_/models/<name>.py`` as a dict, with ``num_frames`` set
    (leaf configs read it from their dataset config) and top-level keys replaced by
    ``overrides``."""
    path = REPO / 'configs' / '_base_' / 'models' / f'{name}.py'
    cfg = Config.fromfile(str(path)).model.to_dict()
    cfg['num_frames'] = NUM_FRAMES.get(name, 32)
    cfg.update(overrides)
    return cfg


def weight_free(cfg):
    """Swap a config's CLIP tower for a TinyPatchEncoder of the same geometry (D; input
    224 with patch 16 for ViT-B/16, 14 for ViT-L/14, so N=196 or 256): builds without
    downloading weights."""
    cfg = copy.deepcopy(cfg)
    encoder = cfg['stem']['frame_encoder']
    if encoder is None:  # released features read as frame vectors: nothing to swap
        return cfg
    if encoder['type'] == 'CLIPVisionEncoder':
        cfg['stem']['frame_encoder'] = dict(
            type='TinyPatchEncoder', embed_dims=CLIP_WIDTH[encoder['pretrained']],
            patch_size=14 if 'patch14' in encoder['pretrained'] else 16, input_size=224)
    return cfg
