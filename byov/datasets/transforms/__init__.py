"""byov's transforms: clip sampling, loading from the frame or feature cache, packing."""
from .features import LoadClipFeatures, LoadVideoFeatures
from .formatting import PackEgoExoInputs
from .loading import LoadClipFromCache, LoadVideoFromCache
from .temporal_crop import RandomTemporalCrop
from .sampling import SampleClipFrames, context_frame_indices, sample_clip_indices

__all__ = ['LoadClipFeatures', 'LoadClipFromCache', 'LoadVideoFeatures', 'LoadVideoFromCache',
           'PackEgoExoInputs', 'RandomTemporalCrop', 'SampleClipFrames', 'context_frame_indices', 'sample_clip_indices']
