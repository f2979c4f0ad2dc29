"""Where a plotly figure draws text, and at what size: the reference the readable() tests and the page walk check
against, written from plotly's figure reference, not from readable() itself.

A size the figure leaves unset counts as 12 px: plotly's default, and what Streamlit's template writes for tick
labels, legends and colorbars (a template's value wins over the layout's font). Hover labels are not counted: they
show next to one pointer, not to the room.
"""

from __future__ import annotations

import re

UNSET_PX = 12
SCRIPT = 0.7  # plotly draws <sub> and <sup> at 70% of the font
CARTESIAN = {"scatter", "bar", "heatmap", "histogram", "box", "violin", "contour", "scattergl"}


def _size(font: dict | None) -> list[float]:
    size = (font or {}).get("size")
    if size is None:
        return [UNSET_PX]
    return [s if s is not None else UNSET_PX for s in size] if isinstance(size, list) else [size]


def text_sizes(spec: dict) -> list[tuple[str, float]]:
    """(where, px) for every text a figure (its JSON: fig.to_plotly_json() or a chart's proto.spec) draws."""
    layout, data = spec.get("layout", {}), spec.get("data", [])
    found: list[tuple[str, float]] = []

    def add(where: str, font: dict | None, *texts) -> None:
        scale = SCRIPT if any(isinstance(t, str) and re.search(r"<su[bp]>", t, re.IGNORECASE) for t in texts) else 1
        found.extend((where, px * scale) for px in _size(font))

    add("layout.font", layout.get("font"))
    title = layout.get("title") or {}
    if title.get("text"):
        add("title", title.get("font"), title["text"])
    axes = {name for name in layout if re.fullmatch(r"[xy]axis\d*", name)}
    for trace in data:
        if trace.get("type", "scatter") in CARTESIAN:
            for letter in "xy":
                ref = trace.get(f"{letter}axis", letter)
                axes.add(ref.replace(letter, f"{letter}axis", 1))
    for name in sorted(axes):
        axis = layout.get(name, {})
        if axis.get("visible", True) and axis.get("showticklabels", True):
            add(f"{name}.tickfont", axis.get("tickfont"), *(axis.get("ticktext") or []))
            if axis.get("type") == "log":
                # plotly writes 2 ... 9 between the powers of ten at 75% (unless minorloglabels is "none"), and in
                # "power" format 10 at 125% with its exponent at 70% of that
                tick = _size(axis.get("tickfont"))[0]
                if axis.get("minorloglabels") != "none":
                    found.append((f"{name}.minor log labels", 0.75 * tick))
                if axis.get("exponentformat") == "power":
                    found.append((f"{name}.exponents", 1.25 * SCRIPT * tick))
        axis_title = axis.get("title") or {}
        if axis_title.get("text"):
            add(f"{name}.title", axis_title.get("font"), axis_title["text"])
    for i, annotation in enumerate(layout.get("annotations", [])):
        if annotation.get("text"):
            add(f"annotations[{i}]", annotation.get("font"), annotation["text"])
    for i, shape in enumerate(layout.get("shapes", [])):
        if (shape.get("label") or {}).get("text"):
            add(f"shapes[{i}].label", shape["label"].get("font"))
    legend = layout.get("legend", {})
    if layout.get("showlegend", True) is not False:
        add("legend", legend.get("font"), *(trace.get("name") for trace in data))
    colour_axes = {name for name in layout if re.fullmatch(r"coloraxis\d*", name)}
    for i, trace in enumerate(data):
        kind = trace.get("type", "scatter")
        if trace.get("coloraxis"):
            colour_axes.add(trace["coloraxis"])
        elif kind in ("heatmap", "contour") and trace.get("showscale", True):
            add(f"data[{i}].colorbar", (trace.get("colorbar") or {}).get("tickfont"))
        marker = trace.get("marker") or {}
        if marker.get("showscale"):
            add(f"data[{i}].marker.colorbar", (marker.get("colorbar") or {}).get("tickfont"))
        has_text = trace.get("text") is not None or trace.get("texttemplate")
        if has_text and (kind != "scatter" or "text" in trace.get("mode", "")):
            add(f"data[{i}].textfont", trace.get("textfont"))
    for name in sorted(colour_axes):
        if layout.get(name, {}).get("showscale", True):
            add(f"{name}.colorbar", (layout.get(name, {}).get("colorbar") or {}).get("tickfont"))
    # And any size written anywhere else (a legend title, a colorbar title, bar text inside or outside).
    found.extend(_explicit_sizes({"layout": {k: v for k, v in layout.items() if k != "template"}, "data": data}))
    return found


def _explicit_sizes(node, where: str = "") -> list[tuple[str, float]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "hoverlabel":
                continue
            if key.endswith("font") and isinstance(value, dict) and value.get("size") is not None:
                found.extend((f"{where}.{key}", px) for px in _size(value))
            found.extend(_explicit_sizes(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, (dict, list)):
                found.extend(_explicit_sizes(value, f"{where}[{i}]"))
    return found


def too_small(spec: dict, min_px: float) -> list[tuple[str, float]]:
    return [(where, px) for where, px in text_sizes(spec) if px < min_px]
