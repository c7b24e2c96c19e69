# A CPU-sized BYOV for the demo and the tests: a weight-free frame encoder (a fixed
# random 8x8 patch projection, D=128, N=64 on 64x64 frames) and a small temporal model
# (4 encoder blocks, 2 decoder blocks, width 128). Frames per clip: model.num_frames,
# which leaf configs read from the dataset config (synthetic: 16). Same algorithm and
# defaults as byov_vit-b16.py otherwise. Widths are typed once, where they are decided
# (frame encoder: D, backbone: E); the model fills the parts that consume them.
model = dict(
    type='BYOV',
    num_frames=None,  # frames per clip: a leaf config sets the dataset config's
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',  # mean / std: CLIP's, the preprocessor's default
        size=64,
        non_blocking=True),  # asynchronous copies from pinned memory on a GPU
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(
            type='TinyPatchEncoder', embed_dims=128, patch_size=8, input_size=64, seed=0),
        token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),  # round(64 * 0.3) = 19
    backbone=dict(
        type='TemporalTransformerEncoder', embed_dims=128,  # in_channels: D (followed)
        num_layers=4, num_heads=8, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', embed_dims=128,  # in_channels E, out_channels D: followed
        num_layers=2, num_heads=8, mlp_ratio=4.0, qkv_bias=True,
        causal=True),  # the decoder's self-view pass only (byov_vit-b16.py)
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
