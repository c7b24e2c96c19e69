"""CARL's sequence contrastive loss (SCL).

Reference: Chen et al., "Frame-wise Action Representations for Long Videos via Sequence
Contrastive Learning" (CVPR 2022), ``algos/scl.py`` of minghchen/CARL_code with the
defaults of its ``utils/config.py``. CARL trains on two augmented views of ONE video; in
byov these come from :class:`~byov.datasets.SameVideoPairDataset`.

For a pair of views a (N frames at time steps ``s``) and b (M frames at steps ``u``)
of videos of lengths ``L_a`` and ``L_b``, with (optionally projected and) L2-normalised
embeddings ``z``:

- logits ``l_ij = z_i . z_j / temperature``;
- time distance of frame i of a to frame j of b: ``d_ij = |s_i / L_a * L_b - u_j|``
  (view a's step rescaled to view b's length; the other direction alike);
- prior ``y_ij = exp(-d_ij^2 / (2 variance)) / sum_j' exp(-d_ij'^2 / (2 variance))``;
- prediction ``p_ij = exp(l_ij) / sum_{j' in b} exp(l_ij') + 1e-6``: the negatives
  are the other view's frames only (CARL's ``'single_noself'``: not the frame's own
  view, not the other videos of the batch);
- ``loss = sum over both directions and all rows i of KL(y_i || p_i) / (B (N + M))``
  (summed, then divided by the number of frames, as the reference).
"""
import torch
import torch.nn.functional as F
from torch import nn

from byov.registry import MODELS
from ._checks import AlignmentOptionError, check_pair_steps, check_positive
from .base import BaseAlignmentLoss


@MODELS.register_module()
class SequenceContrastiveLoss(BaseAlignmentLoss):
    """CARL's sequence contrastive loss between two views of one video (SCL).

    Args:
        temperature (float): logit temperature (``SCL.SOFTMAX_TEMPERATURE``), 0.1.
        variance (float): variance of the Gaussian prior on the time distance, in frames
            (``SCL.LABEL_VARIENCE``), 10.0.
        normalize (bool): L2-normalise the (projected) embeddings first, True: CARL's
            model normalises its output before the loss.
        projection (bool): a projection head before the loss, True (CARL's
            ``MODEL.PROJECTION``): ``Linear(E, hidden) - BatchNorm - ReLU -
            Linear(hidden, E)``, part of the loss, not of the evaluated embedding.
        projection_hidden (int): the head's hidden width (CARL's ``PROJECTION_SIZE``), 128.
        in_channels (int | None): E; None: ``AlignmentModel`` sets it (needed only with
            ``projection``).
        eps (float): added to the predicted probabilities before the log, 1e-6 (as the
            reference).
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs:
        embeds_a ``[B, N, E]``, embeds_b ``[B, M, E]``;
        steps_a ``[B, N]``, steps_b ``[B, M]``: sampled frame indices (default
            ``0..N-1`` and ``0..M-1``: two clips of one video sampled alike);
        lengths ``[B, 2]``: frame counts of the two videos; default: equal lengths
            (no rescaling), exact for two views of one video.
    Output: a scalar.

    Differences from the reference: no frame masks (byov's clips have no padded
    frames), the softmax is computed stably (``softmax`` then ``+ eps``, the same value
    as the reference's ``exp / sum + eps``), and the embeddings come from byov's
    backbone (CARL: ResNet-50 + transformer, 128-d).
    """

    uses_pair_frame_inds = True  # AlignmentModel passes steps_a, steps_b and lengths

    def __init__(self, temperature=0.1, variance=10.0, normalize=True, projection=True,
                 projection_hidden=128, in_channels=None, eps=1e-6, loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        check_positive('temperature', temperature, name)
        check_positive('variance', variance, name)
        if not eps >= 0:
            raise AlignmentOptionError(f'{name}: eps must be >= 0, got {eps!r}.')
        self.temperature = temperature
        self.variance = variance
        self.normalize = bool(normalize)
        self.eps = eps
        self.in_channels = in_channels
        self.head = None
        if projection:
            for option, value in (('in_channels', in_channels),
                                  ('projection_hidden', projection_hidden)):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise AlignmentOptionError(
                        f'{name}: {option} must be a positive int with projection=True, '
                        f'got {value!r}; leave in_channels out of an AlignmentModel config '
                        '(the model sets it to the embedding width), give it when building '
                        'the loss alone, or set projection=False.')
            self.head = nn.Sequential(
                nn.Linear(in_channels, projection_hidden), nn.BatchNorm1d(projection_hidden),
                nn.ReLU(inplace=True), nn.Linear(projection_hidden, in_channels))

    def project(self, embeds):
        """``[B, T, E]`` -> the vectors the loss compares (head, then L2 norm)."""
        if self.head is not None:
            embeds = self.head(embeds.flatten(0, 1)).unflatten(0, embeds.shape[:2])
        return F.normalize(embeds, dim=-1) if self.normalize else embeds

    def _direction(self, z_x, z_y, steps_x, steps_y, len_x, len_y):
        """Summed KL of the rows of view x against view y, ``[B]``."""
        logits = torch.matmul(z_x, z_y.transpose(1, 2)) / self.temperature
        if len_x is None:
            rescaled = steps_x
        else:
            rescaled = steps_x / len_x[:, None] * len_y[:, None]
        distance = (rescaled[:, :, None] - steps_y[:, None, :]).abs()
        prior = torch.exp(-distance.pow(2) / (2 * self.variance))
        total = prior.sum(-1, keepdim=True)
        # a row whose prior underflows to 0 everywhere has no target (the reference's
        # safe_div turns 0/0 into 0)
        target = torch.where(total > 0, prior / total.clamp(min=torch.finfo(prior.dtype).tiny),
                             torch.zeros_like(prior))
        log_pred = torch.log(torch.softmax(logits, dim=-1) + self.eps)
        return F.kl_div(log_pred, target, reduction='none').sum((1, 2))

    def forward(self, embeds_a, embeds_b, steps_a=None, steps_b=None, lengths=None):
        self.check_pair(embeds_a, embeds_b)
        name = type(self).__name__
        batch, n, _ = embeds_a.shape
        m = embeds_b.shape[1]
        steps_a, steps_b, lengths = check_pair_steps(embeds_a, embeds_b, steps_a, steps_b,
                                                     lengths, name)
        len_a, len_b = (None, None) if lengths is None else (lengths[:, 0], lengths[:, 1])
        z = self.project(torch.cat([embeds_a, embeds_b], 1))
        z_a, z_b = z[:, :n], z[:, n:]
        kl = (self._direction(z_a, z_b, steps_a, steps_b, len_a, len_b)
              + self._direction(z_b, z_a, steps_b, steps_a, len_b, len_a))
        return self.loss_weight * kl.sum() / (batch * (n + m))
