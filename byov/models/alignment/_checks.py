"""Argument checks shared by the alignment losses."""
import numbers

import torch

from byov.utils.errors import UserInputError


def check_positive(name, value, owner):
    """Raise a ValueError naming ``owner`` unless ``value`` is a positive number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f'{owner}: {name} must be a positive number, got {value!r}.')


def check_pair(embeds_a, embeds_b, owner):
    """Check a pair of embedded clips ``[B, N, E]`` and ``[B, M, E]``."""
    if embeds_a.dim() != 3 or embeds_b.dim() != 3:
        raise ValueError(
            f'{owner} takes two embedded clips [B, T, E]; got shapes '
            f'{tuple(embeds_a.shape)} and {tuple(embeds_b.shape)}.')
    if embeds_a.shape[0] != embeds_b.shape[0] or embeds_a.shape[2] != embeds_b.shape[2]:
        raise ValueError(
            f'{owner}: the two clips must share batch size and width; got '
            f'{tuple(embeds_a.shape)} and {tuple(embeds_b.shape)}.')
    if embeds_a.shape[1] < 1 or embeds_b.shape[1] < 1:
        raise ValueError(f'{owner}: clips must have at least one frame.')


class AlignmentOptionError(UserInputError, ValueError):
    """An option of an alignment objective (or its inputs) is not usable; the message
    names the option and the fix."""


def check_steps(name, steps, batch, length, owner, device, dtype):
    """``steps`` as ``[B, T]`` of ``dtype`` (default ``0..T-1``), or an error naming it."""
    if steps is None:
        return torch.arange(length, device=device, dtype=dtype).expand(batch, length)
    steps = torch.as_tensor(steps, device=device).to(dtype)
    if steps.shape != (batch, length):
        raise AlignmentOptionError(
            f'{owner}: {name} must be [B, T] = {(batch, length)} (the sampled frame '
            f'indices of the clip), got {tuple(steps.shape)}.')
    return steps


def check_lengths(lengths, batch, owner, device, dtype):
    """``lengths`` as ``[B, 2]`` of ``dtype``, None if not given, or an error naming it."""
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths, device=device).to(dtype)
    if lengths.shape != (batch, 2) or not bool((lengths > 0).all()):
        raise AlignmentOptionError(
            f'{owner}: lengths must be [B, 2] positive frame counts of the two videos '
            f'(the pair samples\' video_lengths), got {tuple(lengths.shape)}.')
    return lengths


def check_pair_steps(embeds_a, embeds_b, steps_a, steps_b, lengths, owner):
    """The time inputs of a loss that places both clips' frames in their videos
    (``uses_pair_frame_inds``): ``steps_a [B, N]`` and ``steps_b [B, M]`` in the
    embeddings' dtype and device (default ``0..T-1``), ``lengths [B, 2]`` or None."""
    batch, n, m = embeds_a.shape[0], embeds_a.shape[1], embeds_b.shape[1]
    dtype, device = embeds_a.dtype, embeds_a.device
    return (check_steps('steps_a', steps_a, batch, n, owner, device, dtype),
            check_steps('steps_b', steps_b, batch, m, owner, device, dtype),
            check_lengths(lengths, batch, owner, device, dtype))
