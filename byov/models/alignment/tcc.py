"""Temporal cycle-consistency (TCC) loss, cycle-back regression.

Reference: Dwibedi et al., "Temporal Cycle-Consistency Learning" (CVPR 2019), as used by
AE2 (``models/tcc_loss.py`` of zihuixue/AlignEgoExo): L2 similarity, ``regression_mse_var``,
variance lambda 0.001, indices normalised by the sequence length, temperature 0.1. Per pair
AE2 cycles from the first clip to the second and back (one direction only), and so does
this module.
"""
import torch

from byov.registry import MODELS
from ._checks import check_positive
from .base import BaseAlignmentLoss


def scaled_l2_similarity(x, y, temperature):
    """``-||x_i - y_j||^2 / E / temperature``: ``x [B, N, E]``, ``y [B, M, E]`` -> ``[B, N, M]``."""
    sq_dist = (x.pow(2).sum(-1, keepdim=True) + y.pow(2).sum(-1).unsqueeze(1)
               - 2 * torch.matmul(x, y.transpose(1, 2))).clamp(min=0)
    return -sq_dist / x.shape[-1] / temperature


@MODELS.register_module()
class TCCLoss(BaseAlignmentLoss):
    """Cycle-back regression TCC loss (AE2's ``--loss tcc``).

    For every frame i of ``a``: soft nearest neighbour in ``b``
    ``nn_i = softmax_j(sim(a_i, b_j)) @ b``, then ``beta_i = softmax_k(sim(nn_i, a_k))``.
    With the (normalised) time stamps ``t`` of ``a``:
    ``mu_i = sum_k beta_ik t_k``, ``var_i = sum_k beta_ik (t_k - mu_i)^2`` and
    ``loss = mean_i [(t_i - mu_i)^2 / var_i + variance_lambda * log var_i]``,
    averaged over the batch as well.

    Args:
        temperature (float): similarity temperature (``tcc_temp``), 0.1.
        variance_lambda (float): weight of the log-variance term, 0.001.
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs:
        embeds_a ``[B, N, E]``, embeds_b ``[B, M, E]``;
        steps (optional) ``[B, N]``: frame indices of ``a`` in its video (AE2 uses the
            sampled indices); default ``0..N-1``;
        seq_lens (optional) ``[B]``: length of ``a``'s video, to normalise ``steps``;
            default N. The loss is invariant to this normalisation up to a constant
            (``(t - mu)^2 / var`` is scale-free and ``log var`` shifts), so its gradient
            does not depend on it.
    Output: a scalar.

    Note that the cycle a -> b -> a does not see the order of b's frames: permuting b
    leaves the loss unchanged. Deviation from the reference: the predicted variance is
    floored at ``min_variance`` (1e-12), so that a cycle that lands on one frame with
    certainty gives a finite loss instead of NaN.
    """

    uses_frame_inds = True  # AlignmentModel passes the sampled frame indices as ``steps``
    min_variance = 1e-12  # floor of the predicted variance, far below any real one

    def __init__(self, temperature=0.1, variance_lambda=0.001, loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        check_positive('temperature', temperature, name)
        if not variance_lambda >= 0:
            raise ValueError(f'{name}: variance_lambda must be >= 0, got {variance_lambda!r}.')
        self.temperature = temperature
        self.variance_lambda = variance_lambda

    def forward(self, embeds_a, embeds_b, steps=None, seq_lens=None):
        self.check_pair(embeds_a, embeds_b)
        batch, n, _ = embeds_a.shape
        if steps is None:
            steps = torch.arange(n, device=embeds_a.device).expand(batch, n)
        steps = torch.as_tensor(steps, device=embeds_a.device).to(embeds_a.dtype)
        if steps.shape != (batch, n):
            raise ValueError(f'{type(self).__name__}: steps must be [B, N] = {(batch, n)}, '
                             f'got {tuple(steps.shape)}.')
        if seq_lens is None:
            seq_lens = torch.full((batch,), n, device=embeds_a.device)
        steps = steps / torch.as_tensor(seq_lens, device=steps.device).to(steps.dtype)[:, None]

        # a -> b: soft nearest neighbours; b -> a: cycle back onto the frames of a.
        alpha = torch.softmax(scaled_l2_similarity(embeds_a, embeds_b, self.temperature), -1)
        nn_embeds = torch.matmul(alpha, embeds_b)                          # [B, N, E]
        beta = torch.softmax(scaled_l2_similarity(nn_embeds, embeds_a, self.temperature), -1)

        pred_time = (beta * steps[:, None, :]).sum(-1)                     # [B, N]
        pred_var = (beta * (steps[:, None, :] - pred_time[..., None]).pow(2)).sum(-1)
        # floor: a one-hot cycle (variance 0) gives NaN in the reference
        log_var = torch.log(pred_var.clamp(min=self.min_variance))
        sq_error = (steps - pred_time).pow(2)
        loss = torch.exp(-log_var) * sq_error + self.variance_lambda * log_var
        return self.loss_weight * loss.mean()
