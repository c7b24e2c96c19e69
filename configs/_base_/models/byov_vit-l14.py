# BYOV on a frozen CLIP ViT-L/14 (D=1024, N=256): the reference script for Break Eggs
# (batch 4). Otherwise as byov_vit-b16.py.
model = dict(
    type='BYOV',
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',
        # CLIP's mean / std in 0-1 units: frames (uint8) are divided by 255 first
        mean=[0.48145466, 0.4578275, 0.40821073],
        std=[0.26862954, 0.26130258, 0.27577711],
        size=224,
        non_blocking=True),  # asynchronous copies from pinned memory on a GPU
    frame_encoder=dict(
        type='CLIPVisionEncoder', pretrained='openai/clip-vit-large-patch14', chunk_size=32),
    # reference quirk: N_ref stays 196 with 256 tokens, so round(196 * 0.3) = 59 tokens
    # (23%) are merged; num_ref_tokens=None would merge round(256 * 0.3) = 77
    token_selector=dict(type='SelectiveTokenMerging', ratio=0.3, num_ref_tokens=196),
    encoder=dict(
        type='TemporalTransformerEncoder', in_channels=1024, embed_dims=256, num_frames=32,
        num_layers=12, num_heads=16, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', in_channels=256, embed_dims=256, out_channels=1024,
        num_frames=32, num_layers=4, num_heads=16, mlp_ratio=4.0, qkv_bias=True, causal=True),
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
