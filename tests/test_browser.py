"""A real browser on the real server: every page renders, nothing leaves the machine, bertviz draws offline.

Starts `streamlit run app/main.py` on a free loopback port and drives Debian's chromium with Playwright (the PyPI
package; `playwright install` would try to download a browser). Screenshots go to build/screenshots/.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow  # a real server driven by a real browser, page by page

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"
PAGES = {"overview": "", "lessons": "lessons?lesson=attention&step=4", "tokens": "tokens", "architectures": "architectures",
         "norms": "norms", "rope": "rope", "attention": "attention", "layers": "layers",
         "gqa": "gqa", "swiglu": "swiglu", "kv_cache": "kv_cache", "generation": "generation",
         "compare": "compare", "learning": "learning", "train": "train", "compare_de": "compare?lang=de",
         # German, as a link a teacher hands out (?lang=de): the words change, nothing else may.
         "attention_de": "attention?lang=de", "lessons_de": "lessons?lesson=attention-across-layers&step=2&lang=de"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start:\n" + proc.stdout.read().decode(errors="replace")[-3000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def wait_until_rendered(page, timeout_s: float = 90) -> None:
    """Until the script run has finished and everything it sent is drawn, for several checks in a row (the
    "running" widget appears only after a short delay, so a single check can pass before the run starts)."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    deadline, calm = time.time() + timeout_s, 0
    while calm < 4:
        if time.time() > deadline:
            raise AssertionError("the page did not finish rendering")
        calm = calm + 1 if page.evaluate(SETTLED) else 0
        page.wait_for_timeout(300)


def block_outside(context) -> list[str]:
    """Abort every request of this browser context that would leave the machine; returns the list they are noted in."""
    outside = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_errors_or_outside_requests(server, browser, name):
    # A tall window, so each screenshot shows the whole page (Streamlit scrolls inside its own container).
    context = browser.new_context(viewport={"width": 1400, "height": 4200})
    page = context.new_page()
    outside = block_outside(context)
    page.goto(f"{server}/{PAGES[name]}")
    wait_until_rendered(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    exceptions = page.query_selector_all('[data-testid="stException"]')
    assert not exceptions, [e.inner_text()[:500] for e in exceptions]
    assert not outside, f"requests left the machine: {outside[:5]}"
    if name.startswith("attention"):
        assert_bertviz_drew(page)
    if name.endswith("_de"):
        assert "lang=de" in page.url
        english, german = expected_heading(name)
        text = page.inner_text("body")
        assert german in text and english not in text, (english, german)
    context.close()


def expected_heading(name: str) -> tuple[str, str]:
    """(English, German) of a heading the German page must show in German."""
    from llama_edu.i18n import t
    from llama_edu.lessons import load_lessons

    headings = {"attention_de": "app.attention.mask_title", "compare_de": "compare.title"}
    if name in headings:
        return t(headings[name], "en"), t(headings[name], "de")
    step = lambda lang: next(l for l in load_lessons(lang=lang) if l.id == "attention-across-layers").steps[1]  # noqa: E731
    return step("en").title, step("de").title


def assert_bertviz_drew(page) -> None:
    """bertviz draws SVG inside its iframe; with its CDN scripts blocked it would draw nothing."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => document.querySelectorAll('svg rect, svg line, svg text').length") > 10:
                    return
            except Exception:  # noqa: BLE001 - a frame may be navigating; try again
                pass
        page.wait_for_timeout(500)
    raise AssertionError("the bertviz view drew no SVG")


def test_a_markdown_prompt_fetches_nothing_and_shows_as_typed(server, browser):
    # A prompt with a blank line, then an image: the Generation page showed it as HTML inside markdown, the blank
    # line ended the HTML, and the browser fetched the image. Every request is watched, loopback ones included.
    from llama_edu.i18n import t

    prompt = "**The** cat :red[sat] $x^2$\n\n![t](http://127.0.0.9/x.png) the mat"
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    context.route("**/*", lambda route: route.abort() if "127.0.0.9" in route.request.url else route.continue_())
    page = context.new_page()
    page.goto(f"{server}/generation")
    wait_until_rendered(page)
    page.locator('[data-testid="stSidebar"] textarea').first.fill(prompt)
    page.keyboard.press("Control+Enter")
    wait_until_rendered(page)
    page.get_by_role("button", name=t("app.generation.next_token", "en")).click()
    wait_until_rendered(page)
    page.screenshot(path=str(SCREENSHOTS / "markdown_prompt.png"), full_page=True)
    assert not [url for url in requested if "127.0.0.9" in url]
    main = page.inner_text('[data-testid="stMain"]')
    assert "**The** cat :red[sat] $x^2$" in main and "![t](http://127.0.0.9/x.png) the mat" in main
    context.close()
