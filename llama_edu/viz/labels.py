"""Token text for plotly: escaped (plotly reads a little HTML) and made unique (plotly merges equal categories)."""

from __future__ import annotations

from ..i18n import number  # noqa: F401 - the figures' way to write a number in a sentence
from ..literal import for_plotly as plotly_text  # noqa: F401 - the figures' name for it


def position_labels(pieces: list[str]) -> list[str]:
    """ "3:▁cat": position first, so a token that repeats ("▁the" twice) stays two entries. Not escaped: for a
    picker's options, and for sentences and titles that escape what they are given (text.say, the viz titles)."""
    return [f"{i}:{p}" for i, p in enumerate(pieces)]


def token_labels(pieces: list[str]) -> list[str]:
    """position_labels escaped for a plotly axis (plotly merges equal categories, hence the position)."""
    return [plotly_text(label) for label in position_labels(pieces)]
