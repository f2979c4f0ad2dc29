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

Where colour carries a meaning (right and wrong, the chosen head) the figure says it a second way too: a ✓ or ✗, a
marker symbol, a dash, a label. The colours of the tab10 and plotly sets the figures used before map to their
nearest Okabe-Ito colour, so the words on the pages ("the red frame", "green: right") still name what is drawn:
blue -> BLUE, orange -> ORANGE, green -> BLUISH_GREEN, red -> VERMILLION, purple -> REDDISH_PURPLE,
light blue and cyan -> SKY_BLUE.

Every figure function of llama_edu.viz goes through labels.localized_figure, which gives a figure that sets no
colour list of its own CATEGORIES as its colorway (readable() does the same for any figure the app shows), so a
trace without a colour takes the next Okabe-Ito colour, never plotly's or Streamlit's default. Colour scales are set
on every heatmap by name (colorscale(SEQUENTIAL), ...): plotly has no layout-wide default for them.
`problems(spec)` is the check: every colour of a figure's JSON in a named set or neutral, nothing left to a default.
"""

from __future__ import annotations

import re

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
BLUE, VERMILLION, BLUISH_GREEN, ORANGE = (OKABE_ITO[n] for n in ("blue", "vermillion", "bluish_green", "orange"))
REDDISH_PURPLE, SKY_BLUE, YELLOW, BLACK = (OKABE_ITO[n] for n in ("reddish_purple", "sky_blue", "yellow", "black"))
WHITE = "#ffffff"
GREY = "#7f7f7f"  # neutral marks: "not this one", reference lines
LIGHT_GREY, DARK_GREY = "#bdbdbd", "#555555"

# Meanings, the same in every figure. Each comes with a second cue where it matters (✓ / ✗, a symbol, a label).
RIGHT, WRONG = BLUISH_GREEN, VERMILLION  # a right and a wrong answer (✓ and ✗ beside them)
HIGHLIGHT = VERMILLION  # the one chosen (a head, a token) among others drawn in BLUE or GREY

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


def rgba(colour: str, alpha: float) -> str:
    """A colour of the palette made translucent ("rgba(213, 94, 0, 0.2)"), for HTML chips and bands that must read
    on Streamlit's light and dark themes alike. The check reads past the alpha: it is still the named colour."""
    r, g, b = channels(colour)
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def text_on(fill: str) -> str:
    """Black or white, whichever stands out more on `fill` (WCAG 2 contrast): the text inside a coloured box."""
    from .readable import contrast_ratio  # here: readable imports this module

    return BLACK if contrast_ratio(BLACK, fill) >= contrast_ratio(WHITE, fill) else WHITE


def apply_colorway(layout: dict) -> None:
    """A figure's layout (a dict) given CATEGORIES as its colorway unless it has one: traces without a colour of their
    own then take Okabe-Ito colours, not plotly's or Streamlit's."""
    if not layout.get("colorway"):
        layout["colorway"] = list(CATEGORIES)


# ---- the check: every colour of a figure is named here --------------------------------------------------------------
_NAMES = {"white": "#ffffff", "black": "#000000", "grey": "#808080", "gray": "#808080", "transparent": "#000000"}
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_RGB = re.compile(r"rgba?\(([^)]*)\)")


def channels(colour: str) -> tuple[int, int, int]:
    """(r, g, b) of 0..255 for "#rgb", "#rrggbb", "#rrggbbaa", "rgb(r, g, b)", "rgba(r, g, b, a)" (alpha left out),
    white, black, grey or gray. ValueError for anything else (a CSS name such as "orange" is none of the sets)."""
    text = _NAMES.get(colour.strip().lower(), colour.strip())
    if _HEX.fullmatch(text):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(2 * d for d in digits)
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    match = _RGB.fullmatch(text.replace(" ", ""))
    if match:
        values = match.group(1).split(",")
        if len(values) in (3, 4):
            return tuple(round(float(v)) for v in values[:3])
    raise ValueError(f"not a colour the palette check reads: {colour!r}")


def _sets_by_colour() -> dict[tuple[int, int, int], set[str]]:
    found: dict[tuple[int, int, int], set[str]] = {}
    for name, colours in NAMED_SETS.items():
        for colour in colours:
            found.setdefault(channels(colour), set()).add(name)
    return found


_SETS_OF = _sets_by_colour()


def is_neutral(colour: str) -> bool:
    """Black, white or a grey: the three channels equal."""
    r, g, b = channels(colour)
    return r == g == b


def sets_of(colour: str) -> set[str]:
    """The named sets `colour` belongs to ({"neutral"} for black, white and greys; empty: none)."""
    if is_neutral(colour):
        return {"neutral"}
    return set(_SETS_OF.get(channels(colour), ()))


# Trace types whose colour comes from a colour scale, and those whose colour comes from the colorway.
_SCALE_TRACES = {"heatmap", "contour", "histogram2d", "histogram2dcontour", "surface", "densitymap",
                 "densitymapbox", "choropleth", "choroplethmap", "choroplethmapbox", "image"}


def problems(spec: dict) -> list[str]:
    """Where a figure (its JSON: fig.to_dict(), or Streamlit's chart spec) uses a colour that is in none of the named
    sets and is not neutral, a colour scale that mixes sets, or leaves a trace's colour to a default (plotly's, or
    the Streamlit theme's, which the template carries; the template itself is not read). Empty: the figure draws
    only palette colours."""
    found: list[str] = []
    layout = spec.get("layout") or {}
    frames = [frame.get("data") or [] for frame in spec.get("frames") or []]
    for path, value in _colour_values({"layout": {k: v for k, v in layout.items() if k != "template"},
                                       "data": spec.get("data") or [], "frames": frames}):
        if path.endswith("colorscale"):
            found += _scale_problems(path, value)
            continue
        for colour in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(colour, str):
                continue  # a number: drawn through a colour scale, checked there
            try:
                if not sets_of(colour):
                    found.append(f"{path}: {colour} is in no named set")
            except ValueError as err:
                found.append(f"{path}: {err}")
    for i, trace in enumerate(spec.get("data") or []):
        found += [f"data[{i}] ({trace.get('type', 'scatter')}): {gap}" for gap in _defaults_left(trace, layout)]
    return found


def _colour_values(node, path: str = ""):
    """(path, value) of every colour, colour list, colorway and colour scale in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if key.endswith("color") or key in ("colorway", "colorscale"):
                if isinstance(value, (str, list, tuple)):
                    yield here, value
                continue
            yield from _colour_values(value, here)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _colour_values(value, f"{path}[{i}]")


def _scale_problems(path: str, scale) -> list[str]:
    if isinstance(scale, str):
        return [f"{path}: a scale named {scale!r} is resolved by plotly.js; give its colours (palette.colorscale)"]
    shared = None
    for _, colour in scale:
        try:
            sets = sets_of(colour)
        except ValueError as err:
            return [f"{path}: {err}"]
        if not sets:
            return [f"{path}: {colour} is in no named set"]
        if "neutral" not in sets:
            shared = sets if shared is None else shared & sets
    if shared is not None and not shared:
        return [f"{path}: its colours come from more than one named set"]
    return []


def _defaults_left(trace: dict, layout: dict) -> list[str]:
    """What of this trace plotly would colour by a default."""
    kind = trace.get("type", "scatter")
    marker = trace.get("marker") or {}
    if kind in _SCALE_TRACES:
        axis = layout.get(trace["coloraxis"], {}) if trace.get("coloraxis") else {}
        return [] if trace.get("colorscale") or axis.get("colorscale") else ["no colour scale: plotly's default"]
    gaps = []
    if isinstance(marker.get("color"), (list, tuple)) and any(not isinstance(c, str) for c in marker["color"]):
        axis = layout.get(marker["coloraxis"], {}) if marker.get("coloraxis") else {}
        if not (marker.get("colorscale") or axis.get("colorscale")):
            gaps.append("marker colours are numbers with no colour scale: plotly's default")
    if layout.get("colorway"):
        return gaps
    line = trace.get("line") or {}
    mode = trace.get("mode", "markers" if kind == "scatter" else "")
    if kind == "scatter" and mode == "text":
        return gaps
    if not (marker.get("color") is not None or line.get("color") or trace.get("fillcolor")):
        gaps.append("no colour and no colorway: the default colours")
    elif kind == "scatter" and "lines" in mode and not line.get("color") and marker.get("color") is None:
        gaps.append("its line has no colour and there is no colorway")
    return gaps
