"""Token text for plotly: escaped (plotly reads a little HTML) and made unique (plotly merges equal categories).
And numbers inside translated sentences, written the way each language writes them."""

from __future__ import annotations

from ..i18n import language
from ..literal import for_plotly as plotly_text  # noqa: F401 - the figures' name for it

# English 4,096.5 is German 4.096,5: swap the two separators in one pass.
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def position_labels(pieces: list[str]) -> list[str]:
    """ "3:▁cat": position first, so a token that repeats ("▁the" twice) stays two entries. Not escaped: for a
    picker's options, and for sentences and titles that escape what they are given (text.say, the viz titles)."""
    return [f"{i}:{p}" for i, p in enumerate(pieces)]


def token_labels(pieces: list[str]) -> list[str]:
    """position_labels escaped for a plotly axis (plotly merges equal categories, hence the position)."""
    return [plotly_text(label) for label in position_labels(pieces)]


def number(value: float, spec: str = "", lang: str = "en") -> str:
    """value formatted with a format spec (",", ".2f", ".0%"...) for prose: titles, legends, captions.

    German swaps the separators (4.096 tokens, 2,83) and puts a space before "%" (DIN 5008). Numbers plotly
    formats itself (hover templates, ticks) and value labels on bars and cells keep plotly's own format, so a
    figure never shows the same number two ways.
    """
    text = format(value, spec)
    if language(lang) != "de":
        return text
    text = text.translate(_GERMAN_SEPARATORS)
    return text[:-1] + "\u00a0%" if text.endswith("%") else text
