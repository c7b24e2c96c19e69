"""A user's plugin module living outside the byov package (imported via custom_imports)."""
import torch
from mmengine.evaluator import BaseMetric

from byov.registry import MASKING, METRICS


@METRICS.register_module()
class UserFrameCountMetric(BaseMetric):
    """Counts evaluated frames; enough to prove a user metric plugs in."""

    default_prefix = 'user'

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            self.results.append(len(sample['gt_labels']))

    def compute_metrics(self, results):
        return dict(frames=int(sum(results)))


@MASKING.register_module()
class UserKeepFirstMasking:
    """Keeps the first frames and masks the rest (a user's masking strategy)."""

    def __init__(self, ratio=0.5):
        self.ratio = ratio

    def __call__(self, batch_size, num_frames, device=None, generator=None):
        keep = max(1, int(num_frames * (1 - self.ratio)))
        ids = torch.arange(num_frames, device=device).expand(batch_size, -1)
        return ids[:, :keep]
