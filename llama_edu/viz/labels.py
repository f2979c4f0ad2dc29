"""Token text for plotly: escaped (plotly reads a little HTML) and made unique (plotly merges equal categories).
And numbers inside translated sentences, written the way each language writes them."""

from __future__ import annotations

from ..i18n import language

# English 4,096.5 is German 4.096,5: swap the two separators in one pass.
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def plotly_text(text: str) -> str:
    """Escape &, < and >: plotly would read the BOS piece "<s>" as a strike-through tag and hide it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def token_labels(pieces: list[str]) -> list[str]:
    """ "3:▁cat": position first, so a token that repeats ("▁the" twice) keeps two rows on an axis."""
    return [f"{i}:{plotly_text(p)}" for i, p in enumerate(pieces)]


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
