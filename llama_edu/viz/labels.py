"""Token text for plotly: escaped (plotly reads a little HTML) and made unique (plotly merges equal categories).
And figures whose numbers are written the way their language writes them."""

from __future__ import annotations

import functools

from ..i18n import language, number  # noqa: F401 - the figures' way to write a number in a sentence
from ..literal import for_plotly as plotly_text  # noqa: F401 - the figures' name for it
from . import palette


def position_labels(pieces: list[str], first: int = 0) -> list[str]:
    """ "3:▁cat": position first, so a token that repeats ("▁the" twice) stays two entries. Not escaped: for a
    picker's options, and for sentences and titles that escape what they are given (text.say, the viz titles).
    first: the position of pieces[0], for the pieces of a window (app.common.token_window)."""
    return [f"{i}:{p}" for i, p in enumerate(pieces, start=first)]


def token_labels(pieces: list[str], first: int = 0) -> list[str]:
    """position_labels escaped for a plotly axis (plotly merges equal categories, hence the position)."""
    return [plotly_text(label) for label in position_labels(pieces, first)]


# Plotly's `separators`: the decimal mark, then the thousands separator. Every number plotly formats itself (axis
# ticks, hover and cell templates such as %{z:.3f}) follows it: 0.125 and 4,096 in English, 0,125 and 4.096 in German.
SEPARATORS = {"en": ".,", "de": ",."}


def localized_figure(draw):
    """For a figure function taking lang=: its figure writes numbers the way that language does, and a trace without
    a colour of its own takes the palette's next category colour (palette.apply_colorway), not a default one."""
    @functools.wraps(draw)
    def localized(*args, **kwargs):
        fig = draw(*args, **kwargs)
        layout = {"separators": SEPARATORS[language(kwargs.get("lang", "en"))]}
        if not fig.layout.colorway:
            palette.apply_colorway(layout)
        fig.update_layout(layout)
        return fig
    return localized
