"""Argument checks shared by the alignment losses."""
import numbers


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
