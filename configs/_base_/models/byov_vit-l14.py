# BYOV on a frozen CLIP ViT-L/14 (D=1024, N=256): the reference script for Break Eggs
# (batch 4). Otherwise as byov_vit-b16.py.
_base_ = ['./byov_vit-b16.py']
model = dict(
    stem=dict(
        frame_encoder=dict(pretrained='openai/clip-vit-large-patch14', chunk_size=32),
        # reference quirk: N_ref stays 196 with 256 tokens, so round(196 * 0.3) = 59 tokens
        # (23%) are merged; num_ref_tokens=None would merge round(256 * 0.3) = 77
        token_selector=dict(num_ref_tokens=196)))
# backbone.in_channels and decoder.out_channels follow the encoder's width (1024)
