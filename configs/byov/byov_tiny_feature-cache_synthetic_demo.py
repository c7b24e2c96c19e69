# The CPU demo (byov_tiny_synthetic_demo.py) trained and evaluated from the frozen-feature
# cache, exact mode: the tiny frame encoder's patch tokens are computed once per frame
# (float16, 64 x 128 x 2 B = 16 KiB a frame) and the model runs STM on the sampled clip,
# as on frames. Build the cache first (docs/performance.md):
#   python tools/data/build_feature_cache.py configs/byov/byov_tiny_feature-cache_synthetic_demo.py
#   python tools/train.py configs/byov/byov_tiny_feature-cache_synthetic_demo.py
_base_ = ['./byov_tiny_synthetic_demo.py']
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
