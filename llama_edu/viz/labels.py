"""Token text for plotly: escaped (plotly reads a little HTML) and made unique (plotly merges equal categories)."""

from __future__ import annotations


def plotly_text(text: str) -> str:
    """Escape &, < and >: plotly would read the BOS piece "<s>" as a strike-through tag and hide it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def token_labels(pieces: list[str]) -> list[str]:
    """ "3:▁cat": position first, so a token that repeats ("▁the" twice) keeps two rows on an axis."""
    return [f"{i}:{plotly_text(p)}" for i, p in enumerate(pieces)]
