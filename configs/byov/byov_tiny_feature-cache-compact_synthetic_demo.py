# The CPU demo (byov_tiny_synthetic_demo.py) trained and evaluated from the frozen-feature
# cache, compact mode: one STM vector per frame (float32, 128 x 4 B = 512 B a frame),
# computed on the whole video, i.e. against the next *raw* frame, as the evaluation does.
# Training therefore deviates from the reference, where STM compares a frame with the next
# *sampled* frame (docs/performance.md measures the effect). Build the cache first:
#   python tools/data/build_feature_cache.py \
#       configs/byov/byov_tiny_feature-cache-compact_synthetic_demo.py
_base_ = ['./byov_tiny_synthetic_demo.py']
feature_cache = dict(mode='compact', cache_dir='data/cache/features')
