"""The reconstruction loss of BYOV (docs/method.md section 5)."""
import torch
from torch import nn

from byov.registry import MODELS


@MODELS.register_module()
class MaskedReconstructionLoss(nn.Module):
    """Mean squared error averaged over channels, then over the masked frames only.

    Args:
        loss_weight (float): multiplier of the loss.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """``pred, target: [B, T, D]``; ``mask: [B, T]``, 1 = masked (scored), 0 = kept.
        Returns a scalar: ``sum(mask * mse) / sum(mask)`` over the whole batch.

        Computed in float32 whatever the inputs' precision (under mixed precision the
        prediction arrives in float16), so squares and sums neither overflow nor lose
        digits."""
        per_frame = ((pred.float() - target.float()) ** 2).mean(dim=-1)  # [B, T]
        mask = mask.float()
        return self.loss_weight * (per_frame * mask).sum() / mask.sum()
