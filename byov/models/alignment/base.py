"""The contract of an alignment objective, written down and checked at build (as
:class:`~byov.models.base.BaseTemporalEncoder` for a backbone)."""
import inspect

import torch
from torch import nn

from ..base import _check_part
from ._checks import check_pair, check_positive


class BaseAlignmentLoss(nn.Module):
    """An alignment objective (``AlignmentModel``'s ``loss``): the two embedded views of B
    training pairs -> one scalar to minimise.

    What the model passes, ``forward(embeds_a, embeds_b, **extras)``:
        ``embeds_a [B, N, E]`` and ``embeds_b [B, M, E]``: the per-frame embeddings of
        view a and view b of each pair, in temporal order, with gradients (N = M =
        ``model.num_frames`` in training; a loss may accept N != M). ``extras`` only when
        the loss asks for them:
        ``steps [B, N]`` (int64, on the embeddings' device) when the class sets
        ``uses_frame_inds = True``: the indices in its video of each sampled frame of view
        a (the data samples' ``frame_inds``). Data samples without ``frame_inds`` pass no
        ``steps``, so ``steps`` must default (e.g. to ``0..N-1``).
        ``steps_a [B, N]``, ``steps_b [B, M]`` (int64) and ``lengths [B, 2]`` (int64, the
        frame counts of the two videos, the pair samples' ``video_lengths``) when the
        class sets ``uses_pair_frame_inds = True``: the sampled frame indices of both
        views and where they come from (CARL's and LAV's objectives compare time steps
        of the two views or positions within a video). Each is passed only when every
        data sample carries it, so each must default.
        ``labels_a [B, N]`` and ``labels_b [B, M]`` (int64, on the embeddings' device)
        when the class sets ``uses_labels = True``: the phase labels of the sampled
        frames of view a and view b (the pair samples' ``gt_labels [2, T]``). Labels
        cannot be made up, so the model refuses data samples without them.
        ``video_names`` (a list of B ``(name_a, name_b)`` tuples, the pair samples'
        ``video_names``) when the class sets ``uses_video_names = True`` (a loss that
        keeps running statistics per video or take, ``ActorObserverLoss``).
        Further keyword arguments with defaults are the loss's own (VAVA's
        ``global_step``); the model never passes them.

    What it returns: a 0-dimensional tensor, already multiplied by ``loss_weight``, that
    gradients flow through. The model logs it as ``loss_align`` and checks its shape.

    Attributes a subclass sets (``super().__init__`` does):
        loss_weight (float): the factor on the returned loss (> 0).
    Class attributes:
        uses_frame_inds (bool): whether ``forward`` takes ``steps`` (False).
        uses_pair_frame_inds (bool): whether ``forward`` takes ``steps_a``, ``steps_b``
            and ``lengths`` (False).
        uses_labels (bool): whether ``forward`` takes ``labels_a`` and ``labels_b``
            (False): a supervised objective, for reference rows only.
        uses_video_names (bool): whether ``forward`` takes ``video_names`` (False).
        needs_synchronised_pairs (bool): whether frame t of view a and frame t of view b
            must show the same moment of one take (False; multi-view TCN and
            ActorObserverNet): the model refuses training pairs that a dataset did not
            mark ``pairing='synchronised'`` (``SynchronisedEgoExoPairDataset``).

    A loss with a trainable head on the embeddings takes an ``in_channels`` argument
    (E): ``AlignmentModel`` fills it with the embedding width when the config leaves it
    unset, and checks a value given. The head's parameters are the model's
    (``loss_module.*`` in its state dict) but not part of the evaluated embedding.

    A subclass calls ``super().__init__(loss_weight=...)``, validates its own options
    with errors that name them, and implements ``forward``; :meth:`check_pair` checks the
    two clips. ``AlignmentModel`` refuses a loss that is not a ``BaseAlignmentLoss``, does
    not set ``loss_weight``, names its first two ``forward`` arguments otherwise, sets
    ``uses_frame_inds`` without taking ``steps``, or ``uses_labels`` without taking
    ``labels_a`` and ``labels_b``.
    """

    ATTRIBUTES = ('loss_weight',)
    FORWARD_ARGS = ('embeds_a', 'embeds_b')
    uses_frame_inds = False
    uses_pair_frame_inds = False
    uses_labels = False
    uses_video_names = False
    needs_synchronised_pairs = False

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        check_positive('loss_weight', loss_weight, type(self).__name__)
        self.loss_weight = loss_weight

    def forward(self, embeds_a: torch.Tensor, embeds_b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def check_pair(self, embeds_a: torch.Tensor, embeds_b: torch.Tensor):
        """Refuse clips that are not ``[B, N, E]`` and ``[B, M, E]`` of one B and E."""
        check_pair(embeds_a, embeds_b, type(self).__name__)

    @classmethod
    def check(cls, module, option: str, owner: str):
        """Raise a TypeError naming ``option`` unless ``module`` fulfils the contract."""
        _check_part(module, cls, option, owner, cls.ATTRIBUTES, cls.FORWARD_ARGS)
        params = inspect.signature(module.forward).parameters
        takes_steps = 'steps' in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        takes_labels = all(k in params for k in ('labels_a', 'labels_b')) or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if module.uses_labels and not takes_labels:
            raise TypeError(
                f'{owner}: {option} {type(module).__name__} sets uses_labels = True but its '
                f'forward takes ({", ".join(params)}); add labels_a and labels_b arguments '
                '(the phase labels of the sampled frames of view a [B, N] and view b '
                '[B, M]) or set uses_labels = False.')
        pair_args = ('steps_a', 'steps_b', 'lengths')
        takes_pair_steps = all(k in params for k in pair_args) or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if module.uses_pair_frame_inds and not takes_pair_steps:
            raise TypeError(
                f'{owner}: {option} {type(module).__name__} sets uses_pair_frame_inds = True '
                f'but its forward takes ({", ".join(params)}); add steps_a=None, '
                'steps_b=None and lengths=None arguments (the sampled frame indices of '
                'both views and the two videos\' lengths) or set uses_pair_frame_inds = '
                'False.')
        if module.uses_video_names and not (
                'video_names' in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                               for p in params.values())):
            raise TypeError(
                f'{owner}: {option} {type(module).__name__} sets uses_video_names = True '
                f'but its forward takes ({", ".join(params)}); add a video_names=None '
                'argument or set uses_video_names = False.')
        if module.uses_frame_inds and not takes_steps:
            raise TypeError(
                f'{owner}: {option} {type(module).__name__} sets uses_frame_inds = True but '
                f'its forward takes ({", ".join(params)}), no steps; add a steps=None '
                'argument (the sampled frame indices of view a, [B, N]) or set '
                'uses_frame_inds = False.')
