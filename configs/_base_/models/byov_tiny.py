# A CPU-sized BYOV for the demo and the tests: a weight-free frame encoder (a fixed
# random 8x8 patch projection, D=128, N=64 on 64x64 frames) and a small temporal model
# (4 encoder blocks, 2 decoder blocks, width 128), 16 frames per clip. Same algorithm and
# defaults as byov_vit-b16.py otherwise.
model = dict(
    type='BYOV',
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',
        mean=[0.48145466, 0.4578275, 0.40821073],
        std=[0.26862954, 0.26130258, 0.27577711],
        size=64,
        non_blocking=True),  # asynchronous copies from pinned memory on a GPU
    frame_encoder=dict(
        type='TinyPatchEncoder', embed_dims=128, patch_size=8, input_size=64, seed=0),
    token_selector=dict(type='SelectiveTokenMerging', ratio=0.3),  # round(64 * 0.3) = 19
    encoder=dict(
        type='TemporalTransformerEncoder', in_channels=128, embed_dims=128, num_frames=16,
        num_layers=4, num_heads=8, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', in_channels=128, embed_dims=128, out_channels=128,
        num_frames=16, num_layers=2, num_heads=8, mlp_ratio=4.0, qkv_bias=True, causal=True),
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
