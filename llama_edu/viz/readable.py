"""Figures a back row can read: every text of a plotly figure raised to a minimum size, and a high-contrast look.

One place for what every figure needs on a projector, applied to whatever a figure function returns
(app/common.py: show_figure). The figure functions keep choosing their own sizes; this only raises what is too
small. Sizes are CSS pixels at the page's 100% zoom: at 1280x720, 14 px is the least a back row reads, and a
projector in a large room wants 20 (presenter mode).

Every place is written explicitly, never left to inherit layout.font: Streamlit draws figures with its own template,
which sets 12 px for tick labels, legends and colorbars, and a template's value wins over inheritance.
Hover labels are left alone: they appear next to the pointer of whoever points, not for the room.
"""

from __future__ import annotations

import functools
import math
import re
from typing import TYPE_CHECKING

from . import palette

if TYPE_CHECKING:
    import plotly.graph_objects as go

PLOTLY_DEFAULT_PX = 12  # what plotly (and Streamlit's template) uses where a figure sets no size
NORMAL_MIN_PX = 14  # a laptop, or a projector in a small room
PRESENTER_MIN_PX = 20  # a projector in a lecture hall
TITLE_SCALE = 1.2  # a title's minimum, relative to the text's: it must still stand out
PLOTLY_DEFAULT_HEIGHT = 450  # px, where a figure sets none
MAX_GROW = 1.5
SCRIPT_SCALE = 0.7  # plotly draws <sub> and <sup> at 70% of the text's size
LOG_POWER_SCALE = 1.25  # and a log axis's 10^n at 125% (its exponent then at 0.875)

# High contrast: text on background at least 7:1 (WCAG 2 level AAA), here 21:1. tests/test_viz_readable.py checks
# the ratio of every pair that is drawn; app/common.py uses the same colours for the page. The figures' own colours
# stay the palette's (palette.py: colour-blind safe in both modes); text, axes and grid are black, white and grey.
HIGH_CONTRAST = {"text": "#000000", "background": "#ffffff", "grid": "#6e6e6e", "link": "#0b3d91"}
AAA_CONTRAST = 7.0
_SCRIPT = re.compile(r"<su[bp]>", re.IGNORECASE)


def readable(fig: go.Figure, min_px: int = NORMAL_MIN_PX, *, high_contrast: bool = False) -> go.Figure:
    """A copy of `fig` in which no text (title, axis ticks and titles, annotations, legend, colorbars, text drawn on
    traces) is smaller than `min_px`; sizes already larger stay as they are. With `high_contrast`, text is black on
    white (a light text the figure puts on a dark shape gets a black box behind it) and axes are drawn in black.

    It works on the figure's plain dictionary (to_dict) and builds the result from it once, unvalidated: the figure
    was validated when drawn, and what is changed here are sizes and colours. Setting them one by one on plotly's
    objects cost 10-25 ms a figure, most of a page visit's figure work (tests check the result validates)."""
    import plotly.graph_objects as go  # here, not at the top: app/common.py imports this module on every page

    spec = fig.to_dict()  # a deep copy: the figure given may be cached and shared by every student's session
    layout, traces = spec.setdefault("layout", {}), spec.get("data", [])
    palette.apply_colorway(layout)  # a trace without a colour takes Okabe-Ito's, not Streamlit's theme colours

    def least(*texts) -> int:  # a text with sub- or superscripts needs a larger size for them to reach min_px
        scripts = any(isinstance(text, str) and _SCRIPT.search(text) for text in texts)
        return math.ceil(min_px / SCRIPT_SCALE) if scripts else min_px

    # Larger type needs more room: a figure whose own text was smaller grows taller by as much (at most by half),
    # so rows of labels, subplot titles and the space between subplots (a fraction of the height) keep fitting.
    font = _child(layout, "font")
    grow = min(max(min_px / max(font.get("size") or PLOTLY_DEFAULT_PX, NORMAL_MIN_PX), 1.0), MAX_GROW)
    if grow > 1:
        layout["height"] = round((layout.get("height") or PLOTLY_DEFAULT_HEIGHT) * grow)
        if layout.get("margin", {}).get("t") is not None:
            layout["margin"]["t"] = round(layout["margin"]["t"] * grow)
    _raise(font, min_px)
    title = _child(layout, "title")
    if title.get("text"):
        _raise(_child(title, "font"), max(round(min_px * TITLE_SCALE), least(title["text"])))
    for axis in _axes(spec):
        tick_px = least(*(axis.get("ticktext") or ()))
        if axis.get("type") == "log":
            # plotly writes the digits between powers of ten (2, 3, ... 9) at 75%: they go, the powers stay. In
            # "power" format it writes 10 at 125% and its exponent at 70% of that.
            axis["minorloglabels"] = "none"
            if axis.get("exponentformat") == "power":
                tick_px = max(tick_px, math.ceil(min_px / (LOG_POWER_SCALE * SCRIPT_SCALE)))
        _raise(_child(axis, "tickfont"), tick_px)
        axis_title = _child(axis, "title")
        _raise(_child(axis_title, "font"), least(axis_title.get("text")))
    for annotation in layout.get("annotations", []):
        _raise(_child(annotation, "font"), least(annotation.get("text")))
    for shape in layout.get("shapes", []):
        label = shape.get("label", {})
        if label.get("text"):
            _raise(_child(label, "font"), least(label["text"]))
    legend = _child(layout, "legend")
    _raise(_child(legend, "font"), least(*(trace.get("name") for trace in traces)))
    legend_title = _child(legend, "title")
    _raise(_child(legend_title, "font"), least(legend_title.get("text")))
    for colorbar in _colorbars(spec):
        _raise(_child(colorbar, "tickfont"), min_px)
        colorbar_title = _child(colorbar, "title")
        _raise(_child(colorbar_title, "font"), least(colorbar_title.get("text")))
    for trace in traces:
        text = trace.get("text", "")
        texts = text if isinstance(text, (list, tuple)) else [text]
        for name in ("textfont", "insidetextfont", "outsidetextfont"):
            if name in trace or (name == "textfont" and _has(trace, "textfont")):
                _raise(_child(trace, name), least(*texts))
    # Bar text shrinks to fit its bar unless told not to go below a size (bars, pies, funnels).
    uniformtext = _child(layout, "uniformtext")
    uniformtext["minsize"] = max(uniformtext.get("minsize") or 0, min_px)
    uniformtext["mode"] = uniformtext.get("mode") or "show"
    if high_contrast:
        _high_contrast(spec)
    return go.Figure(spec, _validate=False)


def _child(parent: dict, name: str) -> dict:
    """parent[name], made an empty dict where it is not set (plotly's objects answer every property the same way)."""
    value = parent.get(name)
    if not isinstance(value, dict):
        value = parent[name] = {}
    return value


def _has(trace: dict, prop: str) -> bool:
    """Whether plotly's trace type (scatter when unnamed) has this property."""
    return prop in _trace_props(trace.get("type", "scatter"))


@functools.cache
def _trace_props(trace_type: str) -> frozenset[str]:
    import plotly.graph_objects as go
    from plotly.validator_cache import ValidatorCache

    class_name = ValidatorCache.get_validator("", "data").class_strs_map[trace_type]
    return frozenset(getattr(go, class_name)._valid_props)


def _raise(font: dict, min_px: int) -> None:
    """Raise one font's size (a number, or one per point) to min_px; unset counts as plotly's default."""
    size = font.get("size")
    if isinstance(size, (list, tuple)) or hasattr(size, "tolist"):
        font["size"] = [max(s if s is not None else PLOTLY_DEFAULT_PX, min_px) for s in list(size)]
    elif size is None or size < min_px:
        font["size"] = min_px


_AXIS = re.compile(r"([xy])axis(\d*)")


def _axes(spec: dict) -> list[dict]:
    """Every cartesian axis: x and y (which plotly always draws for cartesian traces), those the layout names, and
    those a trace refers to ("x2") that the layout has not named yet."""
    layout = spec["layout"]
    names = {"xaxis", "yaxis"} | {name for name in layout if _AXIS.fullmatch(name)}
    for trace in spec.get("data", []):
        for letter in ("x", "y"):
            ref = trace.get(f"{letter}axis")
            if ref:
                names.add(ref.replace(letter, f"{letter}axis", 1))
    ordered = sorted(names, key=lambda n: (n[0], int(_AXIS.fullmatch(n).group(2) or 1)))  # as plotly lists them
    return [_child(layout, name) for name in ordered]


def _colorbars(spec: dict) -> list[dict]:
    """Every colorbar: of each shared colour axis, of each trace with its own scale, of marker colour scales."""
    layout = spec["layout"]
    traces = spec.get("data", [])
    names = {name for name in layout if re.fullmatch(r"coloraxis\d*", name)}
    names |= {trace["coloraxis"] for trace in traces if trace.get("coloraxis")}
    bars = [_child(_child(layout, name), "colorbar") for name in sorted(names)]
    for trace in traces:
        if _has(trace, "colorbar") and not trace.get("coloraxis"):
            bars.append(_child(trace, "colorbar"))
        marker = trace.get("marker")
        if isinstance(marker, dict) and marker.get("showscale"):
            bars.append(_child(marker, "colorbar"))
    return bars


def _high_contrast(spec: dict) -> None:
    text, background = HIGH_CONTRAST["text"], HIGH_CONTRAST["background"]
    layout = spec["layout"]
    layout.update(paper_bgcolor=background, plot_bgcolor=background)
    _child(layout, "font")["color"] = text
    _child(_child(layout, "title"), "font")["color"] = text
    for axis in _axes(spec):
        axis.update(color=text, linecolor=text, tickcolor=text, gridcolor=HIGH_CONTRAST["grid"], showline=True)
        _child(axis, "tickfont")["color"] = text
        _child(_child(axis, "title"), "font")["color"] = text
    legend = _child(layout, "legend")
    _child(legend, "font")["color"] = text
    _child(_child(legend, "title"), "font")["color"] = text
    for colorbar in _colorbars(spec):
        _child(colorbar, "tickfont")["color"] = text
        _child(_child(colorbar, "title"), "font")["color"] = text
        colorbar["outlinecolor"] = text
    for annotation in layout.get("annotations", []):
        colour = annotation.get("font", {}).get("color")
        if colour is not None and _is_light(colour):
            # Light text drawn on a coloured shape: white on a black box of its own (a light palette colour such
            # as vermillion reaches only 5:1 on black).
            _child(annotation, "font")["color"] = background
            annotation["bgcolor"] = text
        elif colour is not None:
            # Text the figure coloured itself, maybe dark text on a coloured shape (palette.text_on: black on the
            # overview's orange and green boxes, 6-9:1): black on a white box of its own reaches 21:1 on any shape.
            _child(annotation, "font")["color"] = text
            annotation["bgcolor"] = background
        elif annotation.get("bgcolor") is None or contrast_ratio(text, annotation["bgcolor"]) < AAA_CONTRAST:
            _child(annotation, "font")["color"] = text
            annotation.pop("bgcolor", None)
    for trace in spec.get("data", []):
        # Text on bars and lines sits on the white background: black. A heatmap's cell numbers keep plotly's
        # automatic colour, chosen per cell against that cell's colour.
        if _has(trace, "textfont") and trace.get("type", "scatter") != "heatmap":
            _child(trace, "textfont")["color"] = text


# ---- WCAG 2 contrast ------------------------------------------------------------------------------------------
_NAMED = {"white": "#ffffff", "black": "#000000"}


def rgb(colour: str) -> tuple[float, float, float]:
    """#rrggbb, #rgb, rgb(r, g, b) or rgba(...) (alpha ignored), white or black, as 0..1 channels."""
    colour = _NAMED.get(colour.strip().lower(), colour.strip())
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(2 * d for d in digits)
        return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))
    match = re.fullmatch(r"rgba?\(([^)]*)\)", colour.replace(" ", ""))
    if not match:
        raise ValueError(f"not a colour this knows: {colour!r}")
    return tuple(float(v) / 255 for v in match.group(1).split(",")[:3])


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance: sRGB channels linearised, weighted 0.2126 R + 0.7152 G + 0.0722 B."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio (lighter + 0.05) / (darker + 0.05): 1 (same colour) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _is_light(colour: str) -> bool:
    return contrast_ratio(colour, "#000000") > contrast_ratio(colour, "#ffffff")
