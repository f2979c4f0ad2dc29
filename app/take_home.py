"""Take it home: a small Download control under every figure (show_figure calls figure_downloads), with a PNG and an
SVG of the figure drawn on the server with no network (llama_edu/export.py).

Nothing is drawn until a student clicks: each button holds a callable (st.download_button's deferred data) that
Streamlit runs, in a thread of its own, only on the click. A page run costs one small popover per figure, whatever
the number of figures; the figure object is shared (cached), not copied. A click does not rerun the page.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app.text import say
from llama_edu import export

FAILURES_KEY = "_take_home_failures"  # session state: {figure key: (format, reason)} of this session's last failures
STYLE_KEY = "_take_home_style_run"  # session state: the run that has sent CSS already
SUFFIX = "__download"  # the popover's key is the chart's key + SUFFIX
MAX_NAME = 60  # characters of a file name's stem
# Each control sits at the right, close under its figure, in a row lower than a button's usual 2.5rem: with it a figure
# takes ~1.4rem (22 px) more of the page, not the 3.5rem of a plain button under it. One rule for every control.
CSS = f"""div[class*="{SUFFIX} "], div[class$="{SUFFIX}"] {{align-self: flex-end; margin-top: -1rem; position: relative;
z-index: 1;}}
div[class*="{SUFFIX} "] button, div[class$="{SUFFIX}"] button {{min-height: 1.4rem; padding-top: 0; padding-bottom: 0;}}"""


def figure_downloads(fig, key: str, where=None) -> None:
    """A small "Download" popover at the right under the figure, holding a PNG button (slide-sized: WIDTH_PX wide at
    scale PNG_SCALE) and an SVG button. key: the figure's chart key (unique on the page). where: its container (a
    column, the sidebar), as for show_figure.

    What a page run costs per figure: one popover (its buttons are made only while it is open: opening it reruns the
    page once) and no image; a click renders one file, in Streamlit's download thread, without rerunning the page."""
    _style_once()
    popover = (where or st).popover(say("take_home.figure.label"), icon=":material/download:", type="tertiary",
                                    help=say("take_home.figure.help"), key=f"{key}{SUFFIX}", on_change="rerun")
    if not popover.open:
        return
    with popover:
        if not _browser_found():
            st.caption(say("take_home.figure.no_browser"))
            return
        failures = st.session_state.setdefault(FAILURES_KEY, {})
        stem = file_stem(fig, key)
        for fmt in export.FORMATS:
            st.download_button(say(f"take_home.figure.{fmt}"), _deferred(fig, key, fmt, failures),
                               file_name=f"{stem}.{fmt}", mime=export.MIME[fmt], key=f"{key}{SUFFIX}_{fmt}",
                               on_click="ignore", icon=":material/image:", width="stretch")
        width, height = export.WIDTH_PX * export.PNG_SCALE, _height(fig) * export.PNG_SCALE
        st.caption(say("take_home.figure.size", width=width, height=height))
        if key in failures:
            fmt, reason = failures[key]
            st.caption(say("take_home.figure.failed", format=fmt.upper(), reason=say(f"take_home.error.{reason}")))


def _style_once() -> None:
    """CSS once per page run (a style-only st.html takes no room on the page). A run is told apart by the script
    context's cursors, which Streamlit makes anew for every run; without a context the style is sent every time."""
    ctx = get_script_run_ctx()
    run = id(ctx.cursors) if ctx is not None and hasattr(ctx, "cursors") else None
    if run is None or st.session_state.get(STYLE_KEY) != run:
        st.html(f"<style>{CSS}</style>")
        st.session_state[STYLE_KEY] = run


def _deferred(fig, key: str, fmt: str, failures: dict):
    """What the button runs when clicked (in Streamlit's thread, outside the page run): the file's bytes. A failure
    is noted for the next run of the page (Streamlit itself shows only a general message under the button) and
    raised again, so no broken file is downloaded."""
    def make() -> bytes:
        try:
            data = export.figure_bytes(fig, fmt)
        except export.ExportError as error:
            failures[key] = (fmt, error.reason)
            raise
        failures.pop(key, None)
        return data
    return make


@functools.cache
def _browser_found() -> bool:
    """Whether this server has a chromium to draw with (looked up once per process; a missing one is installed by
    the teacher with the server stopped)."""
    return export.browser_path() is not None


def _height(fig) -> int:
    height = _layout_value(fig, "height")
    return int(height) if height else export.HEIGHT_PX


def _layout_value(fig, name: str):
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    return layout.get(name) if isinstance(layout, dict) else getattr(layout, name, None)


def file_stem(fig, key: str) -> str:
    """A file name (without extension) from the figure's title, else its key: lower-case ASCII letters, digits and
    hyphens ("Attention in layer 3, head 1" -> "attention-in-layer-3-head-1"), safe on every system."""
    title = _layout_value(fig, "title")
    text = title.get("text") if isinstance(title, dict) else getattr(title, "text", title)
    stem = _slug(text if isinstance(text, str) else "")
    return stem or _slug(key) or "figure"


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def _slug(text: str) -> str:
    text = re.sub(r"<[^>]*>", " ", text)  # plotly's markup: <b>, <br>, <sub>
    text = unicodedata.normalize("NFKD", text.translate(_GERMAN)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_NAME].rstrip("-")
