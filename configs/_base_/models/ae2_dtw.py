# AE2's soft-DTW baseline (GTA-style, AE2's --loss dtw; docs/method.md section 9) on BYOV's
# backbone: frozen CLIP ViT-B/16 + STM + BYOV's temporal encoder, trained to align pairs
# of clips instead of by masked modelling, so that a comparison isolates the objective.
model = dict(
    type='AlignmentModel',
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',
        mean=[0.48145466, 0.4578275, 0.40821073],
        std=[0.26862954, 0.26130258, 0.27577711],
        size=224),
    frame_encoder=dict(  # frozen, D=768, N=196
        type='CLIPVisionEncoder', pretrained='openai/clip-vit-base-patch16', chunk_size=64),
    token_selector=dict(type='SelectiveTokenMerging', ratio=0.3),
    temporal_encoder=dict(  # BYOV's encoder (byov_vit-b16.py); the only trained part
        type='TemporalTransformerEncoder', in_channels=768, embed_dims=256, num_frames=32,
        num_layers=12, num_heads=16, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    freeze_frame_encoder=True,
    align_loss=dict(
        type='SoftDTWLoss', temperature=0.1, gamma=0.1, scale=0.01, softmin='prob'))
