# BYOV ablation, CLIP ViT-B/16, break eggs: without the causal mask in the decoder's
# masked self-view pass (full attention); paper, Break Eggs: progression 0.85 -> 0.64.
# Everything else as configs/byov/byov_break_eggs.py.
_base_ = ['../byov_break_eggs.py']  # only what is ablated differs
# Causal (the main config) restricts the decoder only: the backbone encodes the kept
# frames with full attention in both settings, later kept frames included (the
# reference's design).
model = dict(
    decoder=dict(causal=False))
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
