"""Frame encoders, the per-frame image models a stem runs: frozen ones map normalised
frames ``[B, T, 3, H, W]`` to patch tokens ``[B, T, N, D]``; box-reading ones
(``reads_boxes = True``) also take the per-frame boxes ``[B, T, S, 10]``
(:mod:`byov.box_inputs`), or scene-state tables in their place (:mod:`byov.scene_state`);
AE2's trainable ones (``AE2ResNetEncoder``, ``ObjectCentricEncoder``) return frame
vectors ``[B, T, E]`` themselves. ``ResNetFrameEncoder`` is a frozen torchvision-layout
ResNet (random or ImageNet weights: the papers' Random / ImageNet features rows)."""
from .ae2_encoder import AE2ResNetEncoder
from .base import BaseFrameEncoder
from .box_geometry import BoxGeometryEncoder
from .hf_clip import CLIPVisionEncoder, CLIPWeightsUnavailableError
from .object_centric import ObjectCentricEncoder
from .resnet import ResNetFrameEncoder, ResNetWeightsError, ResNetWeightsUnavailableError
from .roi_align import roi_align
from .scene_state import SceneStateEncoder
from .tiny import TinyPatchEncoder

__all__ = ['AE2ResNetEncoder', 'BaseFrameEncoder', 'BoxGeometryEncoder', 'CLIPVisionEncoder',
           'CLIPWeightsUnavailableError', 'ObjectCentricEncoder', 'ResNetFrameEncoder',
           'ResNetWeightsError', 'ResNetWeightsUnavailableError', 'SceneStateEncoder',
           'TinyPatchEncoder', 'roi_align']
