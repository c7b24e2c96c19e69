"""byov's transforms: clip sampling, loading from the frame or feature cache, packing."""
from .boxes import LoadClipBoxes, LoadVideoBoxes, PackEgoExoBoxInputs
from .scene_state import LoadClipSceneState, LoadVideoSceneState
from .features import LoadClipFeatures, LoadVideoFeatures
from .formatting import PackEgoExoInputs
from .loading import LoadClipFromCache, LoadVideoFromCache
from .temporal_crop import RandomTemporalCrop
from .sampling import (SampleClipFrames, context_frame_indices, sample_clip_indices,
                       synchronised_indices)

__all__ = ['LoadClipBoxes', 'LoadClipSceneState', 'LoadVideoBoxes', 'LoadVideoSceneState',
           'PackEgoExoBoxInputs', 'LoadClipFeatures', 'LoadClipFromCache',
           'LoadVideoFeatures', 'LoadVideoFromCache', 'PackEgoExoInputs',
           'RandomTemporalCrop', 'SampleClipFrames', 'context_frame_indices',
           'sample_clip_indices', 'synchronised_indices']
