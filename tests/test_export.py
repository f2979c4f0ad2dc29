"""Take it home: figures as PNG and SVG files drawn offline (llama_edu/export.py), their file names, and the bertviz
view as one self-contained HTML file (app/elements/attention.py).

The tests that render start one chromium (Debian's, as the browser tests) for the whole module: ~3 s, then ~0.2 s a
file. They are marked slow; the rest check what is computed without a browser.
"""

import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path
from xml.etree import ElementTree

import plotly.graph_objects as go
import pytest

from llama_edu import export

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Attention in layer 3, head 1"
HAS_CHROMIUM = export.browser_path() is not None
SVG = "{http://www.w3.org/2000/svg}"


def heatmap(height: int | None = None) -> go.Figure:
    return go.Figure(go.Heatmap(z=[[0.1, 0.9], [0.6, 0.4]], x=["▁The", "▁cat"], y=["▁The", "▁cat"]),
                     layout={"title": TITLE, "height": height, "xaxis_title": "input token j"})


def read_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, decompressed scanlines) of a PNG, checked the way the PNG specification lays it out: the
    8-byte signature, then chunks of length, type, data and CRC-32 (each CRC right), IHDR first, IEND last, and IDAT
    data that inflates to exactly one filter byte plus one row of pixels per line."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body, (crc,) = data[at + 8:at + 8 + length], struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0
    rows = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(rows) == height * (1 + width * {0: 1, 2: 3, 4: 2, 6: 4}[colour])
    return width, height, rows


@pytest.mark.slow
@pytest.mark.skipif(not HAS_CHROMIUM and not os.environ.get("CI"), reason="chromium is not installed")
class TestRendered:
    def test_png_is_a_slide_sized_png(self):
        width, height, rows = read_png(export.figure_bytes(heatmap(), "png"))
        # 1280x720 CSS px (a figure with no height of its own) at scale 2
        assert (width, height) == (2 * export.WIDTH_PX, 2 * export.HEIGHT_PX) == (2560, 1440)
        assert len(set(rows)) > 16  # a drawing, not a blank page

    def test_png_keeps_the_figures_own_height_and_takes_a_size(self):
        assert read_png(export.figure_bytes(heatmap(height=450), "png"))[:2] == (2560, 900)
        assert read_png(export.figure_bytes(heatmap(), "png", width=640, height=360, scale=1))[:2] == (640, 360)

    def test_svg_parses_and_holds_the_figures_title_and_labels(self):
        root = ElementTree.fromstring(export.figure_bytes(heatmap(), "svg"))
        assert root.tag == f"{SVG}svg" and root.get("width") == str(export.WIDTH_PX)
        texts = {"".join(node.itertext()) for node in root.iter(f"{SVG}text")}
        assert TITLE in texts and "input token j" in texts and "▁cat" in texts

    def test_svg_refers_to_nothing_outside_the_file(self):
        data = export.figure_bytes(heatmap(), "svg").decode()
        root = ElementTree.fromstring(data)
        links = [value for node in root.iter() for name, value in node.attrib.items() if name.endswith("href")]
        assert links and all(link.startswith(("data:", "#")) for link in links), links[:3]  # the heatmap's pixels
        assert "http://" not in data.replace("http://www.w3.org/", "") and "https://" not in data
        assert "@import" not in data

    def test_the_exported_figure_is_not_changed(self):
        fig = heatmap()
        before = fig.to_json()
        export.figure_bytes(fig, "svg")
        assert fig.to_json() == before

    def test_renders_with_no_network_at_all(self):
        # A process in a network namespace of its own has no network at all (not even loopback up): a renderer that
        # fetched anything (MathJax or plotly.js from a CDN) would fail or time out here.
        if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"], check=False).returncode != 0:
            pytest.skip("no network namespaces here (unshare -rn)")
        code = ("from llama_edu import export; import plotly.graph_objects as go; "
                "print(len(export.figure_bytes(go.Figure(go.Bar(y=[1, 2]), layout=dict(title='x')), 'png')))")
        done = subprocess.run(["unshare", "-rn", sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, cwd=ROOT, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert int(done.stdout.split()[-1]) > 1000

    def test_one_chromium_serves_every_export_until_stopped_or_idle(self, monkeypatch):
        renderer = export.renderer()
        export.figure_bytes(heatmap(), "svg")
        first = renderer.chromium_pids()
        export.figure_bytes(heatmap(), "png")
        assert first and renderer.chromium_pids() == first
        renderer.stop()  # as at exit
        assert not renderer.running and renderer.chromium_pids() == []
        monkeypatch.setattr(export, "IDLE_STOP_S", 0.5)
        export.figure_bytes(heatmap(), "svg")  # started again on demand
        assert renderer.running
        deadline = time.time() + 15
        while renderer.running and time.time() < deadline:
            time.sleep(0.2)
        assert not renderer.running  # given back after IDLE_STOP_S without an export


def test_a_missing_chromium_is_a_clear_error_without_server_paths(monkeypatch, tmp_path):
    missing = tmp_path / "no" / "chromium"
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    assert export.browser_path() is None
    for renderer in (export.Renderer(), export.Renderer(browser=str(missing))):
        with pytest.raises(export.ExportError) as raised:
            renderer.render(export.print_spec(heatmap()), {"format": "png", "width": 100, "height": 100, "scale": 1})
        assert raised.value.reason == "no_browser"
        assert str(tmp_path) not in str(raised.value) and "chromium" in str(raised.value)
        assert not renderer.running


def test_formats_and_sizes_outside_the_limits_are_refused():
    with pytest.raises(ValueError):
        export.figure_bytes(heatmap(), "pdf")
    with pytest.raises(ValueError):
        export.figure_bytes(heatmap(), "png", width=100_000)


def test_check_refuses_what_is_not_the_file_asked_for():
    with pytest.raises(export.ExportError):
        export.check(b"<html></html>", "png")
    with pytest.raises(export.ExportError):
        export.check(b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "svg")
    export.check(b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "svg")


def test_the_file_gets_streamlits_light_colours_and_a_bold_title():
    import plotly.io as pio
    import streamlit  # noqa: F401 - registers Streamlit's template, with its placeholder colours

    fig = go.Figure(go.Scatter(y=[1, 2]), layout={"title": TITLE, "template": pio.templates["streamlit"]})
    spec = export.print_spec(fig)
    text = str(spec)
    assert not any(placeholder in text for placeholder in export.PLACEHOLDERS)  # "#000001" would draw near-black
    assert spec["layout"]["title"]["text"] == f"<b>{TITLE}</b>"
    assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == export.BACKGROUND
    assert fig.layout.title.text == TITLE  # the figure itself (cached, shared) is untouched


def test_the_figures_own_settings_win_over_the_file_look():
    fig = go.Figure(layout={"plot_bgcolor": "#000000", "font": {"size": 20}})
    spec = export.print_spec(fig)
    assert spec["layout"]["plot_bgcolor"] == "#000000" and spec["layout"]["font"]["size"] == 20


@pytest.mark.parametrize("title, key, stem", [
    (TITLE, "attn_pattern", "attention-in-layer-3-head-1"),
    ("<b>Größe</b> der Schicht<br>über <sub>alle</sub> Köpfe", "k", "groesse-der-schicht-ueber-alle-koepfe"),
    ("../../etc/passwd", "k", "etc-passwd"),
    (None, "attn_pattern", "attn-pattern"),
    ("→ ✓", "overview_params", "overview-params"),
])
def test_file_names_come_from_the_title_and_are_safe(title, key, stem):
    from app.take_home import file_stem

    assert file_stem(go.Figure(layout={"title": title}), key) == stem
    assert file_stem({"layout": {"title": {"text": title}}}, key) == stem


def test_the_bertviz_file_is_the_served_view_with_its_libraries_inside():
    import torch

    from app.elements.attention import LIBRARIES_URL, standalone_bertviz
    from llama_edu.viz import bertviz_offline

    attentions = (torch.softmax(torch.randn(1, 2, 3, 3, generator=torch.Generator().manual_seed(0)), -1).double(),)
    tokens = ["The", " cat", " sat"]
    served = bertviz_offline.head_view_html(attentions, tokens, libraries_at=LIBRARIES_URL)
    inlined = bertviz_offline.head_view_html(attentions, tokens)
    kept = standalone_bertviz(served, LIBRARIES_URL)
    assert kept == inlined  # exactly what make_offline writes without a server to load from
    assert "src=" not in kept and bertviz_offline.jquery_js()[:200] in kept
    assert standalone_bertviz(inlined, None) is inlined


def test_a_failed_download_is_noted_for_the_next_run_and_not_sent(monkeypatch):
    from app import take_home

    def fail(fig, fmt):
        raise export.ExportError("timeout", "rendering took more than 35 s")

    failures = {}
    monkeypatch.setattr(export, "figure_bytes", fail)
    with pytest.raises(export.ExportError):  # Streamlit then sends no file and says the download failed
        take_home._deferred(heatmap(), "attn_mask", "png", failures)()
    assert failures == {"attn_mask": ("png", "timeout")}
    monkeypatch.setattr(export, "figure_bytes", lambda fig, fmt: b"<svg/>")
    assert take_home._deferred(heatmap(), "attn_mask", "svg", failures)() == b"<svg/>"
    assert failures == {}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_figure_has_one_control_that_opens_on_png_and_svg(lang):
    from streamlit.testing.v1 import AppTest

    from llama_edu.i18n import t

    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=300)
    at.session_state["lang"] = lang
    at.session_state["attn_mask__download"] = True  # the causal mask's control, opened
    at.session_state["_take_home_failures"] = {"attn_mask": ("svg", "busy")}
    at.switch_page("views/attention.py")
    at.run()
    assert not at.exception
    popovers, charts = at.get("popover"), at.get("plotly_chart")
    assert len(popovers) == len(charts) > 3  # one per figure, never two
    assert {p.proto.popover.label for p in popovers} == {t("take_home.figure.label", lang)}
    labels = [b.proto.label for b in at.get("download_button")]
    # Only the open control holds its buttons (the others cost a popover each); bertviz's view has its own.
    assert labels == [t("take_home.figure.png", lang), t("take_home.figure.svg", lang),
                      t("take_home.bertviz.download", lang)]
    captions = " ".join(c.value for c in at.caption)
    assert t("take_home.error.busy", lang) in captions  # the last failed download, said in the session's language


class StuckRenderer(export.Renderer):
    """A Renderer whose 'chromium' is a stand-in on the real event-loop thread: calc_fig runs `render`."""

    def __init__(self, render):
        super().__init__(browser="/stand-in")
        self.render_fn = render

    def _start(self):
        import asyncio
        import threading

        outer = self

        class StandIn:
            subprocess = None

            async def calc_fig(self, spec, opts):
                return await outer.render_fn()

            async def close(self):
                pass

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._kaleido = StandIn()


def test_a_render_that_hangs_is_given_up_in_bounded_time(monkeypatch):
    import asyncio

    monkeypatch.setattr(export, "RENDER_WAIT_S", 0.5)
    renderer = StuckRenderer(lambda: asyncio.sleep(60))
    started = time.time()
    with pytest.raises(export.ExportError) as raised:
        renderer.render({}, {})
    assert raised.value.reason == "timeout" and time.time() - started < 5
    assert not renderer.running  # the next export starts a fresh chromium


def test_a_failing_render_says_so_without_the_servers_paths():
    async def fail():
        raise RuntimeError("/srv/llama-edu/secret/path: crashed")

    renderer = StuckRenderer(fail)
    with pytest.raises(export.ExportError) as raised:
        renderer.render({}, {})
    assert raised.value.reason == "failed" and "/srv" not in str(raised.value)
    assert isinstance(raised.value.__cause__, RuntimeError)  # kept for the server's log


def test_an_export_waits_its_turn_but_not_for_ever(monkeypatch):
    monkeypatch.setattr(export, "LOCK_WAIT_S", 0.2)
    renderer = StuckRenderer(lambda: None)
    renderer._lock.acquire()  # another student's export, still running
    try:
        with pytest.raises(export.ExportError) as raised:
            renderer.render({}, {})
        assert raised.value.reason == "busy"
    finally:
        renderer._lock.release()
