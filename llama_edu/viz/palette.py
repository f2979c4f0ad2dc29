"""The colours of every figure, drawn from named colour-blind-safe sets.

About one boy in twelve and one girl in two hundred cannot tell red from green; a class of thirty often has one.
Every colour a figure uses comes from here, and tests/test_palette.py walks every figure of every page and checks
that each colour scale and each colour is one of these:

- categories (lines, bars, marks): Okabe and Ito's eight colours ("Color Universal Design", 2008), chosen so that
  the common colour-vision deficiencies (protan, deutan, tritan) still tell them apart;
- one quantity from low to high (attention weights, probabilities): viridis, or cividis, which was built so that a
  viewer with deuteranopia sees the same scale as everyone else (Nuñez, Anderton and Renslow, 2018);
- a signed quantity around zero (differences, weights): ColorBrewer's RdBu or PuOr, both marked colour-blind safe
  by ColorBrewer (Harrower and Brewer, 2003): they vary in lightness, not only in hue.

Black, white and greys are allowed beside them (text, grid lines, masked cells, backgrounds).
"""

from __future__ import annotations

import plotly.colors as pc

# Okabe-Ito, in their published order; black is the eighth.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
# The order a figure takes categories in: the strongest contrasts first (yellow is weak on white, so it comes last).
CATEGORIES = [OKABE_ITO[name] for name in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple",
                                            "sky_blue", "black", "yellow")]
GREY = "#7f7f7f"  # neutral marks: "not this one", reference lines

SEQUENTIAL = "Viridis"  # plotly's name; the colours are pc.sequential.Viridis
SEQUENTIAL_ALT = "Cividis"
DIVERGING = "RdBu"  # ColorBrewer's, via plotly.colors.diverging.RdBu
DIVERGING_ALT = "PuOr"

# name -> its colours (as plotly lists them), for the palette test and for figures that need explicit stops.
NAMED_SETS: dict[str, list[str]] = {
    "Okabe-Ito": list(OKABE_ITO.values()),
    "Viridis": pc.sequential.Viridis,
    "Cividis": pc.sequential.Cividis,
    "RdBu": pc.diverging.RdBu,
    "PuOr": pc.diverging.PuOr,
}


def colorscale(name: str, reverse: bool = False) -> list[list]:
    """A named set as an explicit plotly colour scale [[0, c0], ..., [1, cn]], so a figure's JSON names its colours
    (a scale given by name only is resolved by plotly.js, where "RdBu" is not ColorBrewer's)."""
    colours = NAMED_SETS[name][::-1] if reverse else NAMED_SETS[name]
    return pc.make_colorscale(colours)


def category(i: int) -> str:
    """The i-th category colour (it cycles after eight)."""
    return CATEGORIES[i % len(CATEGORIES)]
