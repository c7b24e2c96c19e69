# AE2's alignment baselines on BYOV's stem and backbone: frozen CLIP ViT-B/16 + STM +
# BYOV's temporal encoder, trained to align pairs of clips instead of by masked
# modelling, so that a comparison with BYOV isolates the objective. The objective
# (`loss`) comes from ae2_tcc.py, ae2_dtw.py, ae2_dtw_contrastive.py or ae2_vava.py (or
# the papers' other baselines carl.py, lav.py, gta.py), which inherit this file; frames
# per clip: model.num_frames (leaf configs).
model = dict(
    type='AlignmentModel',
    num_frames=None,  # frames per clip: a leaf config sets the dataset config's
    data_preprocessor=dict(type='EgoExoDataPreprocessor', size=224),  # CLIP's mean / std
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(  # frozen, D=768, N=196
            type='CLIPVisionEncoder', pretrained='openai/clip-vit-base-patch16',
            chunk_size=64),
        token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),
    backbone=dict(  # BYOV's temporal encoder (byov_vit-b16.py); the only trained part
        type='TemporalTransformerEncoder', embed_dims=256,  # in_channels: D, followed
        num_layers=12, num_heads=16, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True))
