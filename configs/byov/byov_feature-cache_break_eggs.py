# BYOV, CLIP ViT-B/16, break eggs (the recipe of byov_break_eggs.py) trained and evaluated
# from the frozen-feature cache, exact mode: CLIP's patch tokens are computed once per frame
# (float16, 196 x 768 x 2 B = 294 KiB a frame) and STM runs on the sampled clip as on
# frames, so results equal the image path up to float16 rounding. Build it once (GPU;
# torchrun shards the videos), then train as usual (docs/performance.md):
#   python tools/data/build_feature_cache.py configs/byov/byov_feature-cache_break_eggs.py
#   python tools/train.py configs/byov/byov_feature-cache_break_eggs.py
# The model then skips CLIP (not even loaded) and reads patch tokens [B, 2, T, 196, 768].
# Compact mode (3 KiB a frame; STM against the next raw frame in training, a deviation):
# mode='compact'.
_base_ = ['./byov_break_eggs.py']
feature_cache = dict(mode='exact', cache_dir='data/cache/features')
