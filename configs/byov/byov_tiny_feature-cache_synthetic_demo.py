# The CPU demo (byov_tiny_synthetic_demo.py) trained and evaluated from the frozen-feature
# cache, exact mode: the tiny frame encoder's patch tokens are computed once per frame
# (float16, 64 x 128 x 2 B = 16 KiB a frame) and the model runs STM on the sampled clip,
# as on frames. Build the cache first (docs/performance.md):
#   python tools/data/build_feature_cache.py configs/byov/byov_tiny_feature-cache_synthetic_demo.py
#   python tools/train.py configs/byov/byov_tiny_feature-cache_synthetic_demo.py
_base_ = ['./byov_tiny_synthetic_demo.py']
# One option: byov's tools describe the features by the model's frozen parts, make every
# loader read them and set the model's input_type (byov.datasets.setup_feature_cache).
feature_cache = dict(mode='exact', cache_dir='data/cache/features')  # or 'compact'
