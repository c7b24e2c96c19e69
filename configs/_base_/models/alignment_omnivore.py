# The AE2 objectives and the other baselines on released video features (Ego-Exo4D's
# Omnivore Swin-L, 1536 numbers a step): the stem reads the features as frame vectors and
# BYOV's temporal encoder (byov_omnivore.py) is the trained part, so only the objective
# differs from BYOV. A leaf config sets the loss.
frame_width = 1536  # the features the stem reads (the dataset config checks them)
model = dict(
    type='AlignmentModel',
    num_frames=None,  # steps per clip: a leaf config sets the dataset config's
    data_preprocessor=dict(type='EgoExoDataPreprocessor', input_type='frame_vectors'),
    stem=dict(type='FrameStem', frame_encoder=None, token_selector=None,
              input_type='frame_vectors'),
    backbone=dict(
        type='TemporalTransformerEncoder', in_channels=frame_width, embed_dims=256,
        num_layers=12, num_heads=16, mlp_ratio=4.0, qkv_bias=True, interpolate_pos=True))
