# BYOV on released video features (Ego-Exo4D's Omnivore Swin-L, 1536 numbers a step):
# the stem reads the features as they are (input_type='frame_vectors': no frame encoder,
# no token selection), and the temporal encoder, decoder and objective are BYOV's ViT-B
# recipe (byov_vit-b16.py). The features are also the reconstruction targets.
frame_width = 1536  # the features the stem reads (the dataset config checks them)
model = dict(
    type='BYOV',
    num_frames=None,  # steps per clip: a leaf config sets the dataset config's
    data_preprocessor=dict(type='EgoExoDataPreprocessor', input_type='frame_vectors'),
    stem=dict(type='FrameStem', frame_encoder=None, token_selector=None,
              input_type='frame_vectors'),
    backbone=dict(
        type='TemporalTransformerEncoder', in_channels=frame_width, embed_dims=256,
        num_layers=12, num_heads=16, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', in_channels=256, embed_dims=256, out_channels=frame_width,
        num_layers=4, num_heads=16, mlp_ratio=4.0, qkv_bias=True, causal=True),
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),  # MSM
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),  # MCM
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
