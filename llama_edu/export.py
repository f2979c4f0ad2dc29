"""A plotly figure as a PNG or SVG file a student can take home, rendered on this machine with no network.

plotly draws in a browser, so an image file needs one too: kaleido (plotly's exporter) drives a headless chromium
(Debian's, the one the browser tests use; found on PATH or at $BROWSER_PATH) that loads plotly.js from the installed
plotly package. MathJax is off (kaleido would fetch it from a CDN), so nothing is fetched from anywhere.

Starting chromium takes ~2.5 s; a chromium kept open renders a figure in ~0.2 s. This process therefore keeps one
chromium (Renderer), started by the first export and stopped when the process exits or has exported nothing for ten
minutes. One Streamlit process serves a whole class, and each download runs in a thread of its own: exports take
turns (a lock), each wait and each render is bounded in time, and anything that goes wrong is an ExportError whose
message names no path of the server.

    png = figure_bytes(fig, "png")                       # 1280 px wide at scale 2: 2560 px, sharp on a slide
    svg = figure_bytes(fig, "svg", width=900, height=500)

The file shows the figure as the app draws it: its own titles, fonts and sizes (already made readable), on the
light look Streamlit gives figures (white background, its colours where the figure sets none; see print_spec).
This module has no Streamlit import: the lesson handout and scripts call figure_bytes too.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import json
import os
import shutil
import threading
from typing import Literal
from xml.etree import ElementTree

FORMATS = ("png", "svg")
MIME = {"png": "image/png", "svg": "image/svg+xml"}
# A slide's size: 1280x720 CSS px. A PNG is drawn at twice that (2560 px wide) so it stays sharp on a projector
# and in print; an SVG scales by itself.
WIDTH_PX, HEIGHT_PX, PNG_SCALE = 1280, 720, 2
MAX_SIDE_PX, MAX_SCALE = 4000, 4  # CSS px of a side, and pixels per CSS px
MAX_PIXELS = 40_000_000  # of an image: chromium holds it as 4 bytes a pixel (160 MB) while it encodes the PNG
# Bounds, in seconds. Starting chromium on two busy cores took up to ~10 s; one render ~0.2 s (a 64-token heatmap
# grid ~1 s). An export waits at most LOCK_WAIT_S for the ones before it: thirty students clicking at once wait
# ~6 s for the last one.
START_TIMEOUT_S, RENDER_TIMEOUT_S, LOCK_WAIT_S = 45, 30, 60
RENDER_WAIT_S = RENDER_TIMEOUT_S + 5  # kaleido gives up on a render after RENDER_TIMEOUT_S; this is the last resort
# chromium's memory: ~320 MB (PSS) after its first figure, ~550 MB after 40 more; it is given back after
# IDLE_STOP_S without an export, and renewed after RECYCLE_AFTER exports.
IDLE_STOP_S, RECYCLE_AFTER = 600, 200
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ExportError(RuntimeError):
    """An export that did not produce a file. `reason` says why, for a message in the student's language:
    "no_browser" (no chromium on this server), "busy" (too many exports waiting), "timeout", "failed"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def figure_bytes(fig, fmt: Literal["png", "svg"] = "png", *, width: int | None = None, height: int | None = None,
                 scale: float | None = None) -> bytes:
    """The figure as a PNG or SVG file's bytes, rendered offline by this process's chromium (started on first use).

    fig: a plotly Figure (or its dict), as shown (made readable by llama_edu.viz.readable already).
    width, height: CSS px of the drawing; default WIDTH_PX, and the figure's own height where it sets one (its rows
    and labels were laid out for it), else HEIGHT_PX. scale: pixels per CSS px of a PNG (default PNG_SCALE); an SVG
    is always drawn at 1 (it scales by itself).
    The bytes are checked (PNG signature and size, SVG root element) before they are returned. Raises ExportError
    (reason "no_browser", "busy", "timeout" or "failed"; a message without server paths) and ValueError for a
    format or size this module does not make. Thread-safe; one export at a time per process."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {FORMATS}")
    spec = print_spec(fig)
    layout = spec.get("layout", {})
    width = int(width or WIDTH_PX)
    height = int(height or layout.get("height") or HEIGHT_PX)
    scale = 1 if fmt == "svg" else float(scale or PNG_SCALE)
    if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX and 0 < scale <= MAX_SCALE
            and width * height * scale**2 <= MAX_PIXELS):
        raise ValueError(f"{width}x{height} px at scale {scale}: at most {MAX_SIDE_PX} px a side, scale {MAX_SCALE} "
                         f"and {MAX_PIXELS:,} pixels")
    data = renderer().render(spec, {"format": fmt, "width": width, "height": height, "scale": scale})
    check(data, fmt, round(width * scale), round(height * scale))
    return data


def check(data: bytes, fmt: str, width: int | None = None, height: int | None = None) -> None:
    """Raise ExportError("failed") unless data is a PNG (of width x height pixels, give or take one for a scale's
    rounding, where given) or an SVG document."""
    if fmt == "png":
        ok = data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
        if ok and width is not None:
            ok = all(abs(got - wanted) <= 1 for got, wanted in zip(png_size(data), (width, height)))
    else:
        try:
            ok = ElementTree.fromstring(data).tag in ("svg", "{http://www.w3.org/2000/svg}svg")
        except ElementTree.ParseError:
            ok = False
    if not ok:
        raise ExportError("failed", f"the renderer returned no valid {fmt.upper()} file")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk (bytes 16-24, big-endian)."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# ---- the look: Streamlit's light figure look, so the file shows what the page showed ---------------------------------
# Streamlit draws every figure with its own template ("streamlit", registered when streamlit is imported, which makes
# it plotly's default template in the app). That template holds placeholder colours ("#000001" ...) that the page's
# JavaScript replaces with the theme's colours; a file must get real colours. These are Streamlit's light theme's
# (chart colours and greys of Streamlit 1.67's frontend); the figure's own settings win over all of them.
_CATEGORICAL = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0",
                "#d5dae5"]
_SEQUENTIAL = ["#e4f5ff", "#c7ebff", "#a6dcff", "#83c9ff", "#60b4ff", "#3d9df3", "#1c83e1", "#0068c9", "#0054a3",
               "#004280"]
_DIVERGING = ["#7d353b", "#bd4043", "#ff4b4b", "#ff8c8c", "#ffc7c7", "#a6dcff", "#60b4ff", "#1c83e1", "#0054a3",
              "#004280"]
TEXT, GRID, BACKGROUND = "#31333F", "#e6eaf1", "#ffffff"
# #000032-#000040: increasing, decreasing, total (waterfall and candlestick), a border grey, grey 70, grey 90 (text),
# background, faded text, background mix. Replaced in the figure's JSON text, as the page's JavaScript does.
_OTHERS = ["#29b09d", "#ff2b2b", "#0068c9", "#a3a8b8", "#808495", TEXT, BACKGROUND, "#f0f2f6", "#f0f2f6"]
PLACEHOLDERS = {f"#{i:06d}": colour for i, colour in enumerate(_CATEGORICAL + _SEQUENTIAL + _DIVERGING, start=1)}
PLACEHOLDERS.update({f"#{i:06d}": colour for i, colour in zip((32, 33, 34, 35, 36, 37, 38, 39, 40), _OTHERS)})


def _scale(colours: list[str]) -> list[list]:
    return [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]


FONT_FAMILY = '"Source Sans Pro", "Source Sans 3", "Helvetica Neue", Arial, sans-serif'  # Streamlit's, else a sans

_PRINT_LAYOUT = {
    "font": {"family": FONT_FAMILY, "color": TEXT},
    "title": {"font": {"color": TEXT}, "x": 0, "xanchor": "left", "xref": "paper"},
    "paper_bgcolor": BACKGROUND, "plot_bgcolor": BACKGROUND,
    "xaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID, "showgrid": False, "zeroline": False,
              "automargin": True},
    "yaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID, "automargin": True},
    "legend": {"bordercolor": "rgba(0,0,0,0)", "borderwidth": 0},
    "colorway": _CATEGORICAL,
    "colorscale": {"sequential": _scale(_SEQUENTIAL), "sequentialminus": _scale(_SEQUENTIAL),
                   "diverging": _scale(_DIVERGING)},
}


def print_spec(fig) -> dict:
    """The figure as a plain dictionary, ready to render: its template's placeholder colours replaced by the light
    theme's, its template's layout given the light look (outside the app a figure carries plotly's own template,
    with a blue-grey plot area), and its title bold, as the page shows it. The figure's own layout wins over all of
    it. A new dictionary: the figure given (often cached and shared by every student) is not changed."""
    import plotly.io as pio

    text = fig.to_json() if hasattr(fig, "to_json") else pio.to_json(fig, validate=False)
    for placeholder, colour in PLACEHOLDERS.items():
        if placeholder in text:
            text = text.replace(placeholder, colour)
    spec = json.loads(text)
    layout = spec.setdefault("layout", {})
    template = layout.setdefault("template", {})
    template["layout"] = _merged(template.get("layout") or {}, _PRINT_LAYOUT)
    title = layout.get("title")
    if isinstance(title, str):
        title = layout["title"] = {"text": title}
    if isinstance(title, dict) and title.get("text") and "<b>" not in title["text"]:
        title["text"] = f"<b>{title['text']}</b>"
    return spec


def _merged(under: dict, over: dict) -> dict:
    """over's values, and under's where over has none (nested dictionaries merged the same way)."""
    merged = dict(under)
    for key, value in over.items():
        merged[key] = _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


# ---- the renderer: one chromium per process ----------------------------------------------------------------------
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def browser_path() -> str | None:
    """The chromium the renderer starts: $BROWSER_PATH where it is set (kaleido's own variable; a path that is not
    there counts as none, never silently another browser), else the first of BROWSERS on PATH; None if none."""
    path = os.environ.get("BROWSER_PATH") or next(filter(None, map(shutil.which, BROWSERS)), None)
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


class Renderer:
    """One headless chromium (through kaleido) on a thread of its own with its own event loop, started by the first
    render and kept for the next: one export at a time (a lock), each bounded in time. It is stopped after a failure
    (the next export starts a fresh chromium), after IDLE_STOP_S without an export (its ~300-500 MB go back to the
    server between classes) and after RECYCLE_AFTER exports (chromium's memory grows slowly with every page it
    draws). browser: a chromium executable (default: browser_path())."""

    def __init__(self, browser: str | None = None):
        self.browser = browser
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._registered = False
        self._renders = 0
        self._idle: threading.Timer | None = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render(self, spec: dict, opts: dict) -> bytes:
        """kaleido's bytes for the figure dictionary `spec` with opts (format, width, height, scale)."""
        if not self._lock.acquire(timeout=LOCK_WAIT_S):
            raise ExportError("busy", "too many exports are waiting; try again in a minute")
        try:
            if self._kaleido is None:
                self._start()
            try:
                data = self._call(self._kaleido.calc_fig(spec, opts=opts), RENDER_WAIT_S)
            except ExportError:
                self._stop()
                raise
            self._renders += 1
            if self._renders >= RECYCLE_AFTER:
                self._stop()
            else:
                self._stop_when_idle()
            return data
        finally:
            self._lock.release()

    def _stop_when_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = threading.Timer(IDLE_STOP_S, self._idle_stop)
        self._idle.daemon = True
        self._idle.start()

    def _idle_stop(self) -> None:
        # Not while an export runs or waits: that one restarts the timer when it is done.
        if self._lock.acquire(blocking=False):
            try:
                self._stop()
            finally:
                self._lock.release()

    def stop(self) -> None:
        """Close chromium and the renderer's thread (the next render starts them again). Called at exit."""
        with self._lock:
            self._stop()

    def _start(self) -> None:
        browser = self.browser or browser_path()
        if browser is None or not os.path.isfile(browser):
            raise ExportError("no_browser", "no chromium on this server (install the chromium package)")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="figure-export", daemon=True)
        self._thread.start()

        async def open_kaleido():
            import kaleido

            # mathjax=False: kaleido would otherwise load MathJax from a CDN. plotly.js comes from the plotly package.
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, path=browser)
            await k.open()
            return k

        try:
            self._kaleido = self._call(open_kaleido(), START_TIMEOUT_S)
        except ExportError as error:
            self._stop()
            raise ExportError("no_browser", f"chromium could not be started on this server ({error})") from error
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True

    def _call(self, coroutine, timeout_s: float):
        """Run coroutine on the renderer's loop and wait for it at most timeout_s; failures become ExportError."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:  # the builtin TimeoutError from Python 3.11 on
            future.cancel()
            raise ExportError("timeout", f"rendering took more than {timeout_s:.0f} s") from None
        except Exception as error:  # kaleido and chromium raise many kinds; the cause is kept
            # The cause stays for the server's log (raise ... from); the message a student may see has no path.
            raise ExportError("failed", f"rendering failed ({type(error).__name__})") from error

    def _stop(self) -> None:
        if self._idle is not None and self._idle is not threading.current_thread():
            self._idle.cancel()
        kaleido, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = self._idle = None
        self._renders = 0
        if loop is None:
            return
        if kaleido is not None:
            try:
                asyncio.run_coroutine_threadsafe(kaleido.close(), loop).result(timeout=10)
            except Exception:  # noqa: BLE001 - closing is best effort; the process is killed below if still there
                _kill(kaleido)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()

    def chromium_pids(self) -> list[int]:
        """The chromium process's id (its children are under it), or [] when none runs: for tests and measuring."""
        process = getattr(self._kaleido, "subprocess", None)
        return [process.pid] if process is not None and process.poll() is None else []


def _kill(kaleido) -> None:
    process = getattr(kaleido, "subprocess", None)
    if process is not None and process.poll() is None:
        process.kill()


_RENDERER: Renderer | None = None
_RENDERER_LOCK = threading.Lock()


def renderer() -> Renderer:
    """This process's renderer (made on first use; its chromium starts with the first render)."""
    global _RENDERER
    with _RENDERER_LOCK:
        if _RENDERER is None:
            _RENDERER = Renderer()
        return _RENDERER
