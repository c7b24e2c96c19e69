# BYOV on the synthetic benchmark's scene state: the weight-free SceneStateEncoder (the
# frame's scene state through fixed random maps, one token of semantic_dims numbers, with
# a view gap of strength view_gap in [0, 1]: 0 = ego and exo frames of the same state
# look the same, 1 = each view its own projection) in place of the frozen image model,
# and the CPU demo's temporal model (4 encoder blocks, 2 decoder blocks, width 128).
# Frames per clip: model.num_frames, which leaf configs read from the dataset config.
# Pair it with the state pipeline (configs/_base_/datasets/synthetic_egoexo_semantic.py).
semantic_dims = 64
view_gap = 0.5
model = dict(
    type='BYOV',
    # the state table is 2 rows of 10 per frame (byov.scene_state)
    data_preprocessor=dict(type='EgoExoBoxDataPreprocessor', num_slots=2),
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(type='SceneStateEncoder', view_gap=view_gap,
                           embed_dims=semantic_dims, nuisance=True),
        # one token per frame: STM (and mean pooling) return it unchanged
        token_selector=dict(type='SelectiveTokenMerging', ratio=0.3)),
    backbone=dict(
        type='TemporalTransformerEncoder', in_channels=semantic_dims, embed_dims=128,
        num_layers=4, num_heads=8, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True),
    decoder=dict(
        type='MaskedFrameDecoder', in_channels=128, embed_dims=128,
        out_channels=semantic_dims, num_layers=2, num_heads=8, mlp_ratio=4.0,
        qkv_bias=True, causal=True),
    self_view_masking=dict(type='RandomFrameMasking', ratio=0.4),
    cross_view_masking=dict(type='RandomFrameMasking', ratio=0.8),
    loss=dict(type='MaskedReconstructionLoss', loss_weight=1.0),
    reference_second_view_defect=False)
