# AE2's own objective, soft-DTW with a time-reversed negative (--loss dtw_contrastive;
# docs/method.md section 9) on BYOV's backbone: frozen CLIP ViT-B/16 + STM + BYOV's temporal
# encoder. num_subset / ratio / cyclic are per dataset (leaf configs, from AE2's
# scripts/run.sh); these are AE2's command-line defaults.
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
        type='DTWContrastiveLoss', num_subset=4, ratio=1.0, margin=0.0, cyclic=False,
        subset_sampling='random', temperature=0.1, gamma=0.1, scale=0.01))
