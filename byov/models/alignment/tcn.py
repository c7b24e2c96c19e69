"""Time-contrastive networks (TCN): n-pairs between anchor frames and their positives.

Reference: Sermanet et al., "Time-Contrastive Networks: Self-Supervised Learning from
Video" (ICRA 2018). Two variants, one loss with a ``mode``:

- ``'single_view'``, as CARL (``algos/tcn.py`` of minghchen/CARL_code) and LAV train it:
  one clip, its even frames are anchors, its odd frames their positives;
- ``'multi_view'``, as the multi-view TCN of the paper's public code (``research/tcn``,
  ``MVTCNNpairsEstimator``): the anchors are the frames of one view, the positives the
  frames of the other view taken at the same moments, so it needs synchronised pairs.

Both use the same n-pairs loss with its L2 regulariser (``npairs_loss``).
"""
import torch
import torch.nn.functional as F

from byov.registry import MODELS
from byov.utils.errors import UserInputError
from .base import BaseAlignmentLoss

TCN_MODES = ('single_view', 'multi_view')


class TCNClipLengthError(UserInputError, ValueError):
    """A clip cannot be split into anchor/positive pairs (odd length, or two views of
    different lengths in multi-view mode)."""


def npairs_loss(anchors: torch.Tensor, positives: torch.Tensor,
                reg_lambda: float) -> torch.Tensor:
    """n-pairs loss of K anchors and their K positives, per sequence.

    ``loss = CE(anchors @ positives^T, labels = 0..K-1) + 0.25 * reg_lambda *
    (mean_k ||anchor_k||^2 + mean_k ||positive_k||^2)``: every other positive of the
    sequence is a negative of an anchor, and the regulariser keeps the norms (and so the
    logits) from growing.

    Args:
        anchors: ``[S, K, E]``, positives: ``[S, K, E]`` (S sequences).
        reg_lambda: weight of the squared-norm regulariser.

    Returns:
        ``[S]``: the loss of each sequence.
    """
    logits = torch.matmul(anchors, positives.transpose(1, 2))              # [S, K, K]
    targets = torch.arange(anchors.shape[1], device=anchors.device)
    xent = F.cross_entropy(logits.flatten(0, 1), targets.repeat(anchors.shape[0]),
                           reduction='none').view(anchors.shape[:2]).mean(1)
    reg = anchors.pow(2).sum(-1).mean(1) + positives.pow(2).sum(-1).mean(1)
    return xent + 0.25 * reg_lambda * reg


@MODELS.register_module()
class TCNLoss(BaseAlignmentLoss):
    """Time-contrastive n-pairs loss, single-view or multi-view.

    With ``npairs(A, P) = CE(A P^T, 0..K-1) + 0.25 * reg_lambda * (mean ||a||^2 +
    mean ||p||^2)`` (:func:`npairs_loss`):

    - ``mode='single_view'``: each of the 2B clips (view a and view b of every pair, each
      on its own) gives ``npairs(clip[0::2], clip[1::2])``: frame 2k is an anchor, frame
      2k+1 its positive, the other odd frames its negatives; the loss is the mean over
      the 2B clips. Needs an even clip length.
    - ``mode='multi_view'``: each pair gives ``npairs(a, b)``: frame t of view a is an
      anchor, frame t of view b (the same moment, seen by the other camera) its positive,
      the other frames of b its negatives; the mean over the B pairs. Needs pairs of
      synchronised clips (``SynchronisedEgoExoPairDataset``); the model refuses others.

    Source: CARL's ``TCN.npairs_loss`` (minghchen/CARL_code ``algos/tcn.py``, the same as
    TensorFlow's ``npairs_loss`` that the TCN and TCC code use) and its config
    (``TCN.REG_LAMBDA`` 0.002, ``TCN.POSITIVE_WINDOW`` 5).

    Args:
        mode (str): ``'single_view'`` (default) or ``'multi_view'``.
        reg_lambda (float): weight of the squared-norm term, 0.002.
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs: ``embeds_a [B, T, E]``, ``embeds_b [B, T, E]``. Output: a scalar.

    What differs here: CARL draws each positive 1-5 frames before its anchor; in byov the
    clip comes from the shared clip sampler (``SampleClipFrames``: T frames at random,
    sorted), so the positive of frame 2k is the next sampled frame 2k+1, on average L / T
    frames later in a video of L frames (a few frames for AE2's clips of 32 frames), and
    the temporal encoder sees the clip in time order (CARL's interleaved anchor-positive
    order runs backwards within each pair). The anchors are the even frames, as in
    CARL's code.
    """

    def __init__(self, mode='single_view', reg_lambda=0.002, loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        if mode not in TCN_MODES:
            raise ValueError(f'{name}: mode must be one of {TCN_MODES}, got {mode!r}.')
        if isinstance(reg_lambda, bool) or not isinstance(reg_lambda, (int, float)) \
                or not reg_lambda >= 0:
            raise ValueError(f'{name}: reg_lambda must be a number >= 0, got {reg_lambda!r}.')
        self.mode = mode
        self.reg_lambda = reg_lambda
        # the model refuses pairs that are not synchronised takes in multi-view mode
        self.needs_synchronised_pairs = mode == 'multi_view'

    def forward(self, embeds_a, embeds_b):
        self.check_pair(embeds_a, embeds_b)
        name = type(self).__name__
        if self.mode == 'multi_view':
            if embeds_a.shape[1] != embeds_b.shape[1]:
                raise TCNClipLengthError(
                    f"{name}(mode='multi_view') pairs frame t of view a with frame t of "
                    f'view b, so both clips need the same length; got '
                    f'{embeds_a.shape[1]} and {embeds_b.shape[1]} frames.')
            loss = npairs_loss(embeds_a, embeds_b, self.reg_lambda)
        else:
            for clip in (embeds_a, embeds_b):
                if clip.shape[1] % 2:
                    raise TCNClipLengthError(
                        f"{name}(mode='single_view') splits each clip into (anchor, "
                        'positive) pairs of consecutive frames and needs an even clip '
                        f'length, got {clip.shape[1]} frames; set clip_len in the dataset '
                        'config to an even number.')
            loss = torch.cat([npairs_loss(clip[:, 0::2], clip[:, 1::2], self.reg_lambda)
                              for clip in (embeds_a, embeds_b)])
        return self.loss_weight * loss.mean()
