"""Convert a checkpoint of the BYOV reference code to a byov checkpoint.

    python tools/model_converters/byov_reference_to_byov.py REF.ckpt OUT.pth \
        --config configs/_base_/models/byov_vit-b16.py --trust-code

The reference code (github.com/park-jungin/byov) saves PyTorch Lightning checkpoints:
pickles that hold Python objects besides the tensors, so loading one runs code from the
file. Pass ``--trust-code`` only for files from a source you trust.

Every key is accounted for (the mapping is in :mod:`byov.models.reference_checkpoint`);
an unknown key is an error. With ``--config`` the model is built and the converted
weights must fit it exactly (keys, shapes, frames per clip); this builds the frame
encoder, so its CLIP weights must be available (hub cache or a local folder, e.g.
``--cfg-options model.stem.frame_encoder.pretrained=/path/to/clip``). The output is
``{'state_dict': ..., 'meta': ...}``, loadable with ``load_from`` or ``tools/test.py``.
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction

from byov.models.reference_checkpoint import check_against_model, convert_reference_state_dict
from byov.utils.checkpoint import load_checkpoint_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a BYOV reference (PyTorch Lightning) checkpoint to byov.')
    parser.add_argument('src', help='reference checkpoint (.ckpt)')
    parser.add_argument('dst', help='output byov checkpoint (.pth)')
    parser.add_argument('--config', help='a byov config whose model must load the result '
                        'exactly (recommended)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.num_frames=20')
    parser.add_argument('--trust-code', action='store_true',
                        help='allow loading a pickle that runs code (Lightning checkpoints '
                        'need it); only for files you trust')
    return parser.parse_args(argv)


def build_model(config, cfg_options=None):
    from byov.registry import MODELS  # byov's registry imports byov.models itself
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return MODELS.build(cfg.model)


def main(argv=None):
    args = parse_args(argv)
    ckpt = load_checkpoint_file(args.src, map_location='cpu', trust_code=args.trust_code)
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state_dict, dict):
        sys.exit(f'{args.src} holds no state_dict.')
    converted, info = convert_reference_state_dict(state_dict)
    if args.config:
        check_against_model(converted, info, build_model(args.config, args.cfg_options))
    else:
        print('No --config: the CLIP tower keys were renamed but not checked against a model.')
    meta = dict(converted_from=osp.basename(args.src),
                converter='tools/model_converters/byov_reference_to_byov.py',
                reference={k: int(v) for k, v in info.items()})
    for key in ('epoch', 'global_step'):
        if isinstance(ckpt.get(key), int):
            meta['reference'][key] = ckpt[key]
    torch.save(dict(state_dict=converted, meta=meta), args.dst)
    print(f'Converted {len(state_dict)} reference keys to {len(converted)} byov keys '
          f'({info}) -> {args.dst}')


if __name__ == '__main__':
    main()
