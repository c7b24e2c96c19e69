"""byov's transforms: clip sampling, loading from the frame cache, packing."""
from .formatting import PackEgoExoInputs
from .loading import LoadClipFromCache, LoadVideoFromCache
from .sampling import SampleClipFrames, sample_clip_indices

__all__ = ['LoadClipFromCache', 'LoadVideoFromCache', 'PackEgoExoInputs',
           'SampleClipFrames', 'sample_clip_indices']
