# BYOV on hand-object box geometry: the weight-free BoxGeometryEncoder (52 numbers per
# frame from AE2's 4 box slots: positions, sizes, confidences, presence and pairwise
# hand-object relations; one token) in place of the frozen image model, and the CPU
# demo's temporal model (4 encoder blocks, 2 decoder blocks, width 128). Frames per
# clip: model.num_frames, which leaf configs read from the dataset config (synthetic: 16).
# Pair it with a box pipeline (configs/_base_/datasets/synthetic_egoexo_boxes.py).
box_dims = 52  # 7 * 4 slot features + 4 * 6 pair features
model = dict(
    type='BYOV',
    data_preprocessor=dict(type='EgoExoBoxDataPreprocessor', num_slots=4),
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(type='BoxGeometryEncoder', num_slots=4),
        # one token per frame: STM (and mean pooling) return it unchanged
        token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),
    backbone=dict(
        type='TemporalTransformerEncoder', in_channels=box_dims, embed_dims=128,
        num_layers=4, num_heads=8, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', in_channels=128, embed_dims=128, out_channels=box_dims,
        num_layers=2, num_heads=8, mlp_ratio=4.0, qkv_bias=True, causal=True),
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
