# BYOV, CLIP ViT-B/16, break eggs (the recipe of byov_break_eggs.py) trained and evaluated
# from the frozen-feature cache, exact mode: CLIP's patch tokens are computed once per frame
# (float16, 196 x 768 x 2 B = 294 KiB a frame) and STM runs on the sampled clip as on
# frames, so results equal the image path up to float16 rounding. Build it once (GPU;
# torchrun shards the videos), then train as usual (docs/performance.md):
#   python tools/data/build_feature_cache.py configs/byov/byov_feature-cache_break_eggs.py
#   python tools/train.py configs/byov/byov_feature-cache_break_eggs.py
# The model then skips CLIP (not even loaded) and reads patch tokens [B, 2, T, 196, 768].
# Compact mode (3 KiB a frame; STM against the next raw frame in training, a deviation):
# mode='compact' with input_type='frame_vectors' (byov_tiny_feature-cache-compact_*.py).
_base_ = ['./byov_break_eggs.py']
# The cache's features: the model's own frozen parts (frame encoder, token selector and
# normalisation), computed once per frame; every loader reads them instead of frames and
# the model starts from them (input_type).
cached_features = dict(
    mode='exact', cache_dir='data/cache/features',
    frame_encoder={{_base_.model.stem.frame_encoder}},
    token_selector={{_base_.model.stem.token_selector}},
    data_preprocessor={{_base_.model.data_preprocessor}})
model = dict(
    stem=dict(input_type='patch_tokens'), data_preprocessor=dict(input_type='patch_tokens'))
train_pipeline = [
    dict(type='SampleClipFrames', num_frames={{_base_.clip_len}}, random_offset=1),
    dict(type='LoadClipFeatures'),
    dict(type='PackEgoExoInputs'),
]
video_pipeline = [dict(type='LoadVideoFeatures'), dict(type='PackEgoExoInputs')]
train_dataloader = dict(dataset=dict(feature_cache=cached_features, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(feature_cache=cached_features, pipeline=video_pipeline))
test_dataloader = dict(dataset=dict(feature_cache=cached_features, pipeline=video_pipeline))
fit_dataloader = dict(dataset=dict(feature_cache=cached_features, pipeline=video_pipeline))
val_cfg = dict(fit_dataloader=fit_dataloader)
test_cfg = dict(fit_dataloader=fit_dataloader)
work_dir = './work_dirs/{{fileBasenameNoExtension}}'  # this config's own runs
