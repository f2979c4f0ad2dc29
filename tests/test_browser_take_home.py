"""Take it home, in a real browser on the real server: a figure's PNG and SVG downloads and the bertviz view's HTML
download give valid files, and the HTML file draws in a browser that may fetch nothing at all.

Uses tests/test_browser.py's server (streamlit run app/main.py on a free loopback port) and Debian's chromium.
"""

import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_browser import block_outside, browser, server, wait_until_rendered  # noqa: F401 - fixtures used by name
from test_export import read_png

from llama_edu.i18n import t

pytestmark = pytest.mark.slow  # a real server driven by a real browser
CONTROL = '[class*="__download"]'  # app/take_home.py: each figure's popover (its key ends in "__download")


def test_a_figure_downloads_as_png_and_svg_and_bertviz_as_an_offline_page(server, browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    outside = block_outside(context)
    page = context.new_page()
    page.goto(f"{server}/attention")
    wait_until_rendered(page)
    # One control per figure, never two.
    assert page.locator(CONTROL).count() == page.locator('[data-testid="stPlotlyChart"]').count() > 3

    page.get_by_role("button", name=t("take_home.figure.label", "en"), exact=True).first.click()  # opens: a rerun
    png = download(page, t("take_home.figure.png", "en"), tmp_path)
    svg = download(page, t("take_home.figure.svg", "en"), tmp_path)
    html = download(page, t("take_home.bertviz.download", "en"), tmp_path)
    assert not outside, f"requests left the machine: {outside[:5]}"
    context.close()

    width, height, rows = read_png(png.read_bytes())  # every chunk's CRC checked, the pixels inflated
    assert png.suffix == ".png" and width == 2560 and height >= 600  # 1280 CSS px at scale 2
    assert len(set(rows)) > 16  # a drawing, not a blank page

    assert svg.suffix == ".svg"
    root = ElementTree.fromstring(svg.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len([node for node in root.iter("{http://www.w3.org/2000/svg}text") if "".join(node.itertext())]) > 3

    text = html.read_text(encoding="utf-8")
    assert html.suffix == ".html" and text.startswith("<!DOCTYPE html>") and " src=" not in text
    assert_draws_offline(browser, html)


def download(page, label: str, folder: Path) -> Path:
    """Click the button `label` (the first one), wait for the file it sends, and keep it in folder."""
    button = page.get_by_role("button", name=label).first
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=120_000) as started:  # the first image starts chromium on the server: ~3 s
        button.click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def assert_draws_offline(chromium, html: Path) -> None:
    """Open the downloaded file in a browser that may load nothing but the file itself; bertviz must draw SVG."""
    context = chromium.new_context()
    requested = []

    def only_the_file(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_file)
    page = context.new_page()
    page.goto(html.as_uri())
    deadline, drawn = time.time() + 30, 0
    while time.time() < deadline and drawn <= 10:
        drawn = page.evaluate("() => document.querySelectorAll('svg rect, svg line, svg text').length")
        page.wait_for_timeout(300)
    context.close()
    assert drawn > 10, "the downloaded bertviz view drew nothing with the network blocked"
    assert not requested, f"the downloaded file asked for: {requested[:5]}"
