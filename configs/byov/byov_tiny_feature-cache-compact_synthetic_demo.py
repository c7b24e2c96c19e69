# The CPU demo (byov_tiny_synthetic_demo.py) trained and evaluated from the frozen-feature
# cache, compact mode: one STM vector per frame (float32, 128 x 4 B = 512 B a frame),
# computed on the whole video, i.e. against the next *raw* frame, as the evaluation does.
# Training therefore deviates from the reference, where STM compares a frame with the next
# *sampled* frame (docs/performance.md measures the effect). Build the cache first:
#   python tools/data/build_feature_cache.py \
#       configs/byov/byov_tiny_feature-cache-compact_synthetic_demo.py
_base_ = ['./byov_tiny_synthetic_demo.py']
# The cache's features: the model's own frozen parts (frame encoder, token selector and
# normalisation), computed once per frame; every loader reads them instead of frames and
# the model starts from them (input_type).
cached_features = dict(
    mode='compact', cache_dir='data/cache/features',
    frame_encoder={{_base_.model.stem.frame_encoder}},
    token_selector={{_base_.model.stem.token_selector}},
    data_preprocessor={{_base_.model.data_preprocessor}})
model = dict(
    stem=dict(input_type='frame_vectors'), data_preprocessor=dict(input_type='frame_vectors'))
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
