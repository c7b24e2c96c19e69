# The papers' "ImageNet features" row (AE2, BYOV): a frozen ResNet-50 with torchvision's
# ImageNet weights (the file AE2's encoder starts from), cut after layer3 as AE2's encoder
# is (1024 channels, 14x14 at 224), each frame's map averaged to one vector; no temporal
# model, nothing to train. num_stages=4 takes the whole network (2048-d) instead.
model = dict(
    type='FrameFeatureBaseline',
    data_preprocessor=dict(
        type='EgoExoDataPreprocessor',
        # torchvision's ImageNet normalisation (0-1 units), what these weights were
        # trained with
        mean=[0.485, 0.456, 0.406],
        std=[0.229, 0.224, 0.225],
        size=224),
    stem=dict(
        type='FrameStem',
        frame_encoder=dict(
            type='ResNetFrameEncoder',
            depth=50,
            # torchvision's ResNet-50 ImageNet weights, loaded weights-only and key-checked;
            # a local copy works too (pretrained='path/to/resnet50-19c8e357.pth')
            pretrained='https://download.pytorch.org/models/resnet50-19c8e357.pth',
            num_stages=3,
            input_size=224,
            chunk_size=64),
        token_selector=dict(type='MeanTokenPooling')))
