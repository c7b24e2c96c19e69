"""VAVA: optimal-transport alignment with a virtual frame and temporal priors.

Reference: Liu et al., "Learning to Align Sequential Actions in the Wild" (CVPR 2022), in
the form AE2 trains it (``models/vava_loss.py`` of zihuixue/AlignEgoExo, ``all_loss``
with its defaults). For a pair X ``[N, E]``, Y ``[M, E]``:

1. Both clips get a virtual frame in front (index 0), where frames with no counterpart
   may go; its squared distance to everything is ``zeta``.
2. Two priors on the ``(N+1) x (M+1)`` grid (1-based positions i/(N+1), j/(M+1)), each a
   mixture ``phi * consistency + (1 - phi) * optimality``: ``consistency`` favours the
   diagonal i/(N+1) = j/(M+1); ``optimality`` favours, for each frame of X, its nearest
   frame of Y (argmin of the mean squared distance; no gradient). ``P`` uses Gaussians
   of width ``prior_sigma`` on distances scaled by ``1/sqrt(1/(N+1)^2 + 1/(M+1)^2)``,
   ``S`` uses ``lambda1 / (d^2 + 1)``. Virtual-frame cells take a fixed value set by
   ``virtual_distance``. ``phi = clip(0.999 ** floor(sqrt(step + 1)), 0.001, 0.999)``
   moves from the diagonal prior towards the nearest-neighbour prior as training goes.
3. Kernel ``K = P * exp((S - D) / lambda2)``, clamped to [1e-15, 1e20], with D the
   squared Euclidean distances; Sinkhorn with uniform marginals 1/(N+1), 1/(M+1),
   ``num_iters`` (20) iterations, gradients through the iterations.
   ``vava = sum(T * D) / ((N+1)(M+1))`` with T the transport plan.
4. Intra-clip regulariser (contrastive-IDM) on each clip: frames further apart than
   ``intra_window`` (15) are pushed at least ``intra_margin`` (2.0) apart in mean squared
   distance, closer frames are pulled together with weight ``1 / ((i - j)^2 + 1)``.

``loss = 0.5 * (C_X + C_Y) + vava / (N * M)``, averaged over the batch.
``lambda1`` is multiplied by ``N + M`` and ``lambda2`` by ``N * M / 4``, as in the
reference.

Simplification: the reference also adds ``0.0001 * cross_entropy`` of the best and worst
matches, but it builds that term with ``torch.tensor([...])`` from loss values, which cuts
it from the graph: it is a constant that carries no gradient. It is left out here, so the
reported loss value differs from the reference's by that constant; the gradients are the
same.
"""
import math
import warnings

import torch

from byov.registry import MODELS
from ._checks import check_positive
from .base import BaseAlignmentLoss


def sinkhorn(kernel, num_iters):
    """Sinkhorn scaling of ``kernel [B, N, M]`` to uniform marginals 1/N and 1/M.

    Follows the reference's order: ``num_iters`` rounds of ``v = b / K^T u``,
    ``u = a / K v``, then one more of each, so the plan ``u K v`` meets the row
    marginals exactly and the column marginals to the convergence reached.

    Returns:
        ``(u [B, N], v [B, M])``.
    """
    n, m = kernel.shape[-2:]
    u = kernel.new_full(kernel.shape[:-1], 1.0 / n)
    for _ in range(num_iters + 1):
        v = (1.0 / m) / torch.matmul(kernel.transpose(1, 2), u[..., None])[..., 0]
        u = (1.0 / n) / torch.matmul(kernel, v[..., None])[..., 0]
    return u, v


@MODELS.register_module()
class VAVALoss(BaseAlignmentLoss):
    """VAVA alignment loss as AE2 trains it (``--loss vava``).

    Args:
        num_iters (int): Sinkhorn iterations (``maxIter``), 20.
        lambda1 (float): weight of the prior S, times N + M, 1.0.
        lambda2 (float): entropic temperature, times N * M / 4, 0.1.
        virtual_distance (float): sets the prior value of virtual-frame cells, 5.0.
        zeta (float): squared distance of the virtual frame, 0.5.
        prior_sigma (float): width of the Gaussian prior P (``delta`` of ``vava_loss``), 2.0.
        intra_margin (float): margin of the intra-clip term (``lambda3``), 2.0.
        intra_window (int): frames further apart are pushed apart (``delta`` of
            ``all_loss``), 15.
        loss_weight (float): factor on the returned loss, 1.0.

    Inputs: ``embeds_a [B, N, E]``, ``embeds_b [B, M, E]``; ``global_step`` (optional),
    the training iteration that sets ``phi``; by default it is read from mmengine's
    ``MessageHub`` ('iter', which the runner updates), 0 outside a runner.
    Output: a scalar.
    """

    def __init__(self, num_iters=20, lambda1=1.0, lambda2=0.1, virtual_distance=5.0,
                 zeta=0.5, prior_sigma=2.0, intra_margin=2.0, intra_window=15,
                 loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        name = type(self).__name__
        if isinstance(num_iters, bool) or not isinstance(num_iters, int) or num_iters < 1:
            raise ValueError(f'{name}: num_iters must be an int >= 1, got {num_iters!r}.')
        if isinstance(intra_window, bool) or not isinstance(intra_window, int) \
                or intra_window < 0:
            raise ValueError(f'{name}: intra_window must be an int >= 0, got {intra_window!r}.')
        for key, value in dict(lambda1=lambda1, lambda2=lambda2,
                               virtual_distance=virtual_distance,
                               prior_sigma=prior_sigma).items():
            check_positive(key, value, name)
        for key, value in dict(zeta=zeta, intra_margin=intra_margin).items():
            if not value >= 0:
                raise ValueError(f'{name}: {key} must be >= 0, got {value!r}.')
        self.num_iters = num_iters
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.virtual_distance = virtual_distance
        self.zeta = zeta
        self.prior_sigma = prior_sigma
        self.intra_margin = intra_margin
        self.intra_window = intra_window

    @staticmethod
    def mixing_weight(global_step):
        """``phi``: weight of the diagonal prior at training iteration ``global_step``."""
        phi = 0.999 ** int(math.sqrt(global_step + 1.0))
        return min(max(phi, 0.001), 0.999)

    def _gaussian(self, d):
        sigma = self.prior_sigma
        return torch.exp(-d.pow(2) / (2 * sigma ** 2)) / (sigma * math.sqrt(2 * math.pi))

    def priors(self, nearest, n, m, phi):
        """Priors ``P`` and ``S``, ``[B, N+1, M+1]``, for clips of n and m real frames.

        ``nearest [B, n]``: for each frame of X the index of its nearest frame of Y.
        """
        n1, m1 = n + 1, m + 1
        lambda1 = self.lambda1 * (n + m)
        rows = torch.arange(1, n1 + 1, device=nearest.device, dtype=torch.float64) / n1
        cols = torch.arange(1, m1 + 1, device=nearest.device, dtype=torch.float64) / m1
        # column each row of the grid should match: 1/(M+1) for the virtual row, then
        # (nearest + 1)/(M+1) for frame k of X, exactly as the reference writes it (this
        # counts positions from 1 without the virtual frame, one column before the
        # neighbour's own column on the padded grid)
        target = torch.cat([nearest.new_zeros(nearest.shape[0], 1), nearest], dim=1)
        target = (target.double() + 1) / m1                                # [B, n1]
        d_diagonal = (rows[:, None] - cols[None, :]).abs()                  # [n1, m1]
        d_nearest = (cols[None, None, :] - target[..., None]).abs()         # [B, n1, m1]

        scale = math.sqrt(1.0 / n1 ** 2 + 1.0 / m1 ** 2)
        prior_p = (phi * self._gaussian(d_diagonal / scale)
                   + (1 - phi) * self._gaussian(d_nearest / scale))
        prior_s = (phi * lambda1 / (d_diagonal.pow(2) + 1)
                   + (1 - phi) * lambda1 / (d_nearest.pow(2) + 1))
        # cells that pair a real frame with the virtual one take fixed values
        virtual = torch.zeros(n1, m1, dtype=torch.bool, device=nearest.device)
        virtual[0, 1:] = True
        virtual[1:, 0] = True
        threshold = 1.5 * 2.0 * self.virtual_distance / (n1 + m1)
        p_virtual = self._gaussian(torch.tensor(threshold / scale, dtype=torch.float64))
        s_virtual = lambda1 / (threshold ** 2 + 1)
        prior_p = prior_p.masked_fill(virtual, p_virtual.item())
        prior_s = prior_s.masked_fill(virtual, s_virtual)
        return prior_p, prior_s

    def transport(self, embeds_a, embeds_b, phi):
        """Sinkhorn solution of the VAVA problem.

        Returns:
            ``(kernel, dist, u, v)``: ``kernel`` and ``dist`` are ``[B, N+1, M+1]``
            (index 0 is the virtual frame); the plan is ``u[:, :, None] * kernel * v[:, None]``.
        """
        n, m = embeds_a.shape[1], embeds_b.shape[1]
        with torch.no_grad():
            nearest = (embeds_a[:, :, None] - embeds_b[:, None]).pow(2).mean(-1).argmin(-1)
        prior_p, prior_s = self.priors(nearest, n, m, phi)
        prior_p = prior_p.to(embeds_a.dtype)
        prior_s = prior_s.to(embeds_a.dtype)

        sq_dist = (embeds_a.pow(2).sum(-1, keepdim=True) + embeds_b.pow(2).sum(-1)[:, None]
                   - 2 * torch.matmul(embeds_a, embeds_b.transpose(1, 2)))
        dist = torch.nn.functional.pad(sq_dist, (1, 0, 1, 0), value=self.zeta)
        lambda2 = self.lambda2 * n * m / 4.0
        kernel = (prior_p * torch.exp((prior_s - dist) / lambda2)).clamp(1e-15, 1e20)
        u, v = sinkhorn(kernel, self.num_iters)
        return kernel, dist, u, v

    def intra_clip(self, embeds):
        """Contrastive-IDM regulariser of one clip ``[B, T, E]`` -> ``[B]``."""
        t = embeds.shape[1]
        if t - 1 <= self.intra_window:
            warnings.warn(
                f'VAVALoss: in a {t}-frame clip no two frames are more than '
                f'intra_window={self.intra_window} apart, so the intra-clip term only pulls '
                f'frames together and the embeddings can collapse; set intra_window below '
                f'{t - 1} (AE2: 15 for 32-frame clips).', stacklevel=2)
        steps = torch.arange(t, device=embeds.device, dtype=embeds.dtype)
        gap = steps[:, None] - steps[None, :]
        weight = 1.0 / (gap.pow(2) + 1)
        far = (gap.abs() > self.intra_window).to(embeds.dtype)
        dist = (embeds[:, :, None] - embeds[:, None]).pow(2).mean(-1)      # [B, T, T]
        terms = far * (self.intra_margin - dist).clamp(min=0) + (1 - far) * weight * dist
        return terms.mean(dim=(1, 2))

    def forward(self, embeds_a, embeds_b, global_step=None):
        self.check_pair(embeds_a, embeds_b)
        if global_step is None:
            from mmengine.logging import MessageHub
            global_step = MessageHub.get_current_instance().get_info('iter', 0)
        phi = self.mixing_weight(global_step)
        n, m = embeds_a.shape[1], embeds_b.shape[1]

        kernel, dist, u, v = self.transport(embeds_a, embeds_b, phi)
        plan = u[:, :, None] * kernel * v[:, None, :]
        vava = (plan * dist).sum(dim=(1, 2)) / ((n + 1) * (m + 1))
        intra = 0.5 * (self.intra_clip(embeds_a) + self.intra_clip(embeds_b))
        return self.loss_weight * (intra + vava / (n * m)).mean()
