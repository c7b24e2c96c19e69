"""A supervised reference objective: per-frame phase classification of both views.

Not an alignment method and not part of AE2: it trains the same stem and backbone as the
alignment baselines with the phase labels that the evaluation uses, so its row in a
comparison is an upper reference (a "ceiling") for what the backbone can learn at that
budget. The linear head lives in the loss and is dropped for evaluation: the evaluated
embedding is the backbone's output, as for every other row.
"""
import torch
import torch.nn.functional as F
from torch import nn

from byov.registry import MODELS
from byov.utils.errors import UserInputError
from .base import BaseAlignmentLoss


class LabelRangeError(UserInputError, ValueError):
    """A training label lies outside ``[0, num_classes)`` of a supervised objective."""


@MODELS.register_module()
class PhaseClassificationLoss(BaseAlignmentLoss):
    """Cross-entropy of a linear phase classifier on every frame of both views.

    ``logits = head(embeds)`` with ``head = Linear(E, num_classes)`` on each frame of view
    a and view b; ``loss = loss_weight * mean over the B * (N + M) frames of
    cross_entropy(logits, label)``.

    Args:
        num_classes (int): phases of the dataset (the synthetic benchmark: 5; AE2's
            tasks: 2 to 4). A label outside ``[0, num_classes)`` raises
            :class:`LabelRangeError`.
        in_channels (int | None): E, the embedding width; None: ``AlignmentModel``
            passes its backbone's ``embed_dims`` (or the frame width without backbone).
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs:
        embeds_a ``[B, N, E]``, embeds_b ``[B, M, E]``;
        labels_a ``[B, N]``, labels_b ``[B, M]``: int64 phase labels of the sampled
            frames (required: the model passes the pair samples' ``gt_labels``).
    Output: a scalar.
    """

    uses_labels = True  # AlignmentModel passes labels_a and labels_b

    def __init__(self, num_classes: int, in_channels=None, loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        for option, value in (('num_classes', num_classes), ('in_channels', in_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name}: {option} must be a positive int, got {value!r}'
                    + ('; set model.loss.num_classes to the number of phases of the '
                       'dataset (the synthetic benchmark has 5).' if option == 'num_classes'
                       else '; leave it out of the config (AlignmentModel sets it to the '
                       'embedding width).'))
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.head = nn.Linear(in_channels, num_classes)

    def _check_labels(self, labels, embeds, view):
        name = type(self).__name__
        if labels is None:
            raise ValueError(
                f'{name}: no labels for view {view}; it is a supervised objective and '
                'needs the pair samples\' gt_labels [2, T] (PackEgoExoInputs packs them '
                'from the clips\' labels and frame_inds).')
        labels = torch.as_tensor(labels, device=embeds.device)
        if labels.shape != embeds.shape[:2] or labels.dtype.is_floating_point:
            raise ValueError(f'{name}: labels_{view} must be integer [B, N] = '
                             f'{tuple(embeds.shape[:2])}, got {labels.dtype} '
                             f'{tuple(labels.shape)}.')
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= self.num_classes:
            raise LabelRangeError(
                f'{name}: a label of view {view} is {low if low < 0 else high}, outside '
                f'[0, num_classes={self.num_classes}); set model.loss.num_classes to the '
                'number of phases of the dataset (labels 0 .. num_classes-1).')
        return labels.long()

    def forward(self, embeds_a, embeds_b, labels_a=None, labels_b=None):
        self.check_pair(embeds_a, embeds_b)
        labels = torch.cat([self._check_labels(labels_a, embeds_a, 'a').reshape(-1),
                            self._check_labels(labels_b, embeds_b, 'b').reshape(-1)])
        embeds = torch.cat([embeds_a.flatten(0, 1), embeds_b.flatten(0, 1)])
        return self.loss_weight * F.cross_entropy(self.head(embeds), labels)
