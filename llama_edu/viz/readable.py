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

import math
import re
from typing import TYPE_CHECKING

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
# the ratio of every pair that is drawn; app/common.py uses the same colours for the page.
HIGH_CONTRAST = {"text": "#000000", "background": "#ffffff", "grid": "#6e6e6e", "link": "#0b3d91"}
AAA_CONTRAST = 7.0
_SCRIPT = re.compile(r"<su[bp]>", re.IGNORECASE)


def readable(fig: go.Figure, min_px: int = NORMAL_MIN_PX, *, high_contrast: bool = False, copy: bool = True) -> go.Figure:
    """A copy of `fig` in which no text (title, axis ticks and titles, annotations, legend, colorbars, text drawn on
    traces) is smaller than `min_px`; sizes already larger stay as they are. With `high_contrast`, text is black on
    white (a light text the figure puts on a dark shape gets a black box behind it) and axes are drawn in black.
    copy=False changes `fig` itself: for a figure just drawn and not yet shared (copying validates every value
    again, a third of the function's time)."""
    import plotly.graph_objects as go  # here, not at the top: app/common.py imports this module on every page

    if copy:
        fig = go.Figure(fig)  # a figure may be cached and shared by every student's session
    layout = fig.layout
    def least(*texts) -> int:  # a text with sub- or superscripts needs a larger size for them to reach min_px
        scripts = any(isinstance(text, str) and _SCRIPT.search(text) for text in texts)
        return math.ceil(min_px / SCRIPT_SCALE) if scripts else min_px

    # Larger type needs more room: a figure whose own text was smaller grows taller by as much (at most by half),
    # so rows of labels, subplot titles and the space between subplots (a fraction of the height) keep fitting.
    grow = min(max(min_px / max(layout.font.size or PLOTLY_DEFAULT_PX, NORMAL_MIN_PX), 1.0), MAX_GROW)
    if grow > 1:
        layout.height = round((layout.height or PLOTLY_DEFAULT_HEIGHT) * grow)
        if layout.margin.t is not None:
            layout.margin.t = round(layout.margin.t * grow)
    _raise(layout.font, min_px)
    if layout.title.text:
        _raise(layout.title.font, max(round(min_px * TITLE_SCALE), least(layout.title.text)))
    for axis in _axes(fig):
        tick_px = least(*(axis.ticktext or ()))
        if axis.type == "log":
            # plotly writes the digits between powers of ten (2, 3, ... 9) at 75%: they go, the powers stay. In
            # "power" format it writes 10 at 125% and its exponent at 70% of that.
            axis.minorloglabels = "none"
            if axis.exponentformat == "power":
                tick_px = max(tick_px, math.ceil(min_px / (LOG_POWER_SCALE * SCRIPT_SCALE)))
        _raise(axis.tickfont, tick_px)
        _raise(axis.title.font, least(axis.title.text))
    for annotation in layout.annotations:
        _raise(annotation.font, least(annotation.text))
    for shape in layout.shapes:
        if shape.label.text:
            _raise(shape.label.font, least(shape.label.text))
    _raise(layout.legend.font, least(*(trace.name for trace in fig.data)))
    _raise(layout.legend.title.font, least(layout.legend.title.text))
    for colorbar in _colorbars(fig):
        _raise(colorbar.tickfont, min_px)
        _raise(colorbar.title.font, least(colorbar.title.text))
    for trace in fig.data:
        texts = trace.text if "text" in trace and isinstance(trace.text, (list, tuple)) else [getattr(trace, "text", "")]
        for name in ("textfont", "insidetextfont", "outsidetextfont"):
            if name in trace and (name == "textfont" or trace[name].size is not None):
                _raise(trace[name], least(*texts))
    # Bar text shrinks to fit its bar unless told not to go below a size (bars, pies, funnels).
    layout.uniformtext.minsize = max(layout.uniformtext.minsize or 0, min_px)
    layout.uniformtext.mode = layout.uniformtext.mode or "show"
    if high_contrast:
        _high_contrast(fig)
    return fig


def _raise(font, min_px: int) -> None:
    """Raise one font's size (a number, or one per point) to min_px; unset counts as plotly's default."""
    size = font.size
    if isinstance(size, (list, tuple)):
        font.size = [max(s if s is not None else PLOTLY_DEFAULT_PX, min_px) for s in size]
    elif size is None or size < min_px:
        font.size = min_px


def _axes(fig: go.Figure) -> list:
    """Every cartesian axis: those in the layout, and those a trace refers to that the layout has not named yet."""
    for trace in fig.data:
        for letter in ("x", "y"):
            ref = getattr(trace, f"{letter}axis", None)
            name = ref.replace(letter, f"{letter}axis", 1) if ref else None
            if name and name not in fig.layout:
                fig.layout[name] = {}
    return [*fig.select_xaxes(), *fig.select_yaxes()]


def _colorbars(fig: go.Figure) -> list:
    """Every colorbar: of each shared colour axis, of each trace with its own scale, of marker colour scales."""
    names = {name for name in fig.layout.to_plotly_json() if re.fullmatch(r"coloraxis\d*", name)}
    names |= {trace.coloraxis for trace in fig.data if "coloraxis" in trace and trace.coloraxis}
    bars = [fig.layout[name].colorbar for name in sorted(names)]
    for trace in fig.data:
        if "colorbar" in trace and not ("coloraxis" in trace and trace.coloraxis):
            bars.append(trace.colorbar)
        marker = getattr(trace, "marker", None)
        if marker is not None and "colorbar" in marker and marker.showscale:
            bars.append(marker.colorbar)
    return bars


def _high_contrast(fig: go.Figure) -> None:
    text, background = HIGH_CONTRAST["text"], HIGH_CONTRAST["background"]
    layout = fig.layout
    layout.update(paper_bgcolor=background, plot_bgcolor=background)
    layout.font.color = text
    layout.title.font.color = text
    for axis in _axes(fig):
        axis.update(color=text, linecolor=text, tickcolor=text, gridcolor=HIGH_CONTRAST["grid"], showline=True)
        axis.tickfont.color = text
        axis.title.font.color = text
    layout.legend.font.color = text
    layout.legend.title.font.color = text
    for colorbar in _colorbars(fig):
        colorbar.tickfont.color = text
        colorbar.title.font.color = text
        colorbar.outlinecolor = text
    for annotation in layout.annotations:
        colour = annotation.font.color
        if colour is not None and _is_light(colour):
            annotation.bgcolor = text  # light text drawn on a coloured shape: give it a black box to stand on
        elif annotation.bgcolor is None or contrast_ratio(text, annotation.bgcolor) < AAA_CONTRAST:
            annotation.font.color = text
            annotation.bgcolor = None
    for trace in fig.data:
        # Text on bars and lines sits on the white background: black. A heatmap's cell numbers keep plotly's
        # automatic colour, chosen per cell against that cell's colour.
        if "textfont" in trace and trace.type != "heatmap":
            trace.textfont.color = text


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
