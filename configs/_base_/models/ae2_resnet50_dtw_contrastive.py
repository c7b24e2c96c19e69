# AE2's own model (the non-object-centric `--task align` encoder):
# ResNet-50 to layer3, ImageNet weights, on each frame and the frame 15 earlier, Conv3d x2,
# max-pool, MLP -> 128-d, all trained end to end by AE2's contrastive soft-DTW loss.
# Every frame comes with the frame 15 before it (AE2's context, [C*T, 3, H, W] per clip):
# a leaf config writes ae2_context into every LoadClipFromCache / LoadVideoFromCache
# step of its loaders (configs/baselines/ae2_resnet50_dtw-contrastive_*.py).
ae2_context = dict(num_context_steps=2, context_stride=15)
model = dict(
    type='AlignmentModel',
    num_frames=None,  # frames per clip: a leaf config sets the dataset config's
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',
        # AE2 feeds frames / 127.5 - 1, i.e. mean 0.5 and std 0.5 in 0-1 units
        mean=[0.5, 0.5, 0.5],
        std=[0.5, 0.5, 0.5],
        size=224),
    stem=dict(
        type='FrameStem',
        frozen=False,  # trained end to end
        token_selector=None,  # the encoder returns one vector per frame itself
        frame_encoder=dict(
            type='AE2ResNetEncoder',
            depth=50,
            # torchvision's ResNet-50 weights, as AE2 (a local file works too); None: random
            pretrained='https://download.pytorch.org/models/resnet50-19c8e357.pth',
            num_context_steps=ae2_context['num_context_steps'],
            hidden_dims=256,
            embed_dims=128,
            dropout=0.1,
            frozen_stages=-1,  # AE2's --freeze_base would be 3
            chunk_size=64)),
    backbone=None,
    loss=dict(
        type='DTWContrastiveLoss', num_subset=4, ratio=1.0, margin=0.0, cyclic=False,
        subset_sampling='random', temperature=0.1, gamma=0.1, scale=0.01))
