"""The lessons page without a mouse, and the handout a student takes home, in a real browser on the real server.

Back and Next answer → and ← (a keyboard) and PageDown and PageUp (a presenter's clicker); typing in the prompt box
never changes the step; a quiz question is answered with Tab and the arrow keys alone, with a visible focus ring;
the downloaded handout opens with every request refused and draws every figure. The server, browser and render
wait are tests/test_browser.py's.
"""

import time
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import SCREENSHOTS, browser, server, wait_until_rendered  # noqa: F401  (fixtures)

from llama_edu.i18n import t
from llama_edu.lessons import load_lessons

pytestmark = pytest.mark.slow  # a real server driven by a real browser

ATTENTION, GENERATION = (next(lesson for lesson in load_lessons() if lesson.id == name)
                         for name in ("attention", "generation"))


def step_in_url(page) -> str:
    return parse_qs(urlparse(page.url).query).get("step", [""])[0]


def press_and_wait(page, key: str, step: str, timeout_s: float = 60) -> None:
    """Press `key` where the focus is, then wait until the URL names `step` and the page has drawn it."""
    page.keyboard.press(key)
    deadline = time.time() + timeout_s
    while step_in_url(page) != step:
        assert time.time() < deadline, f"{key} did not lead to step {step}: the URL names {step_in_url(page)!r}"
        page.wait_for_timeout(200)
    wait_until_rendered(page)


def open_lesson(browser, server, query: str):  # noqa: F811  (the imported fixtures' names)
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.goto(f"{server}/lessons?{query}")
    wait_until_rendered(page)
    return context, page


def test_arrow_keys_and_a_clickers_page_keys_move_between_steps(server, browser):  # noqa: F811
    assert not any(step.element for step in GENERATION.steps[1:3])  # two steps of text: quick to draw
    context, page = open_lesson(browser, server, "lesson=generation&step=2")
    page.locator("h1").first.click()  # the focus on the page, not in an input
    press_and_wait(page, "ArrowRight", "3")
    press_and_wait(page, "ArrowLeft", "2")
    press_and_wait(page, "PageDown", "3")
    press_and_wait(page, "PageUp", "2")
    context.close()


def test_typing_in_the_prompt_box_never_changes_the_step(server, browser):  # noqa: F811
    context, page = open_lesson(browser, server, "lesson=generation&step=2")
    box = page.locator('[data-testid="stSidebar"] textarea').first
    box.click()
    page.keyboard.press("End")
    for key in ("ArrowLeft", "ArrowRight", "PageDown", "PageUp", "Home", "End"):
        page.keyboard.press(key)
    page.keyboard.type(" again")
    page.wait_for_timeout(1500)  # long enough for a shortcut's rerun to have changed the URL
    assert step_in_url(page) == "2"
    assert box.input_value().endswith(" again")
    context.close()


def test_a_quiz_question_is_answered_with_the_keyboard_alone(server, browser):  # noqa: F811
    question = ATTENTION.quiz[0]
    assert question.answer > 0  # reached with the arrow keys from the first option
    context, page = open_lesson(browser, server, "lesson=attention&step=quiz")
    page.locator("h1").first.click()
    for _ in range(80):  # Tab through the page until the focus is on the first question's options
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "radio":
            break
    else:
        raise AssertionError("Tab never reached a quiz answer")
    group = page.evaluate("() => document.activeElement.closest('[role=radiogroup]').getAttribute('aria-label')")
    assert group == question.question  # a screen reader names the question
    for _ in range(question.answer):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(300)
    wait_until_rendered(page)
    focused = page.locator('[data-testid="stRadioOption"][data-focus-visible="true"]')
    assert focused.count() == 1 and question.options[question.answer] in focused.inner_text()
    ring = focused.evaluate("e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]")
    assert ring[0] == "solid" and ring[1] >= 2, ring
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    assert success.count() == 1 and question.explanation.split()[-3] in success.inner_text()  # a word of it
    assert step_in_url(page) == "quiz"
    page.screenshot(path=str(SCREENSHOTS / "lesson_quiz_keyboard.png"))
    context.close()


def test_the_handout_downloads_and_opens_offline_with_every_figure_drawn(server, browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.goto(f"{server}/lessons?lesson=attention&handout=1")
    wait_until_rendered(page, timeout_s=180)
    headings = page.locator('[data-testid="stMain"] h3').all_inner_texts()
    assert [f"{n}. {step.title}" for n, step in enumerate(ATTENTION.steps, 1)] == headings[:len(ATTENTION.steps)]
    on_page = page.locator('[data-testid="stPlotlyChart"]').count()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lessons_handout_mode.png"))
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=t("handout.download", "en")).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    context.close()
    assert path.name == "llama-edu-attention-en.html"
    text = path.read_text(encoding="utf-8")
    assert text.count("class='figure-data'") == on_page > 0
    (SCREENSHOTS / "handout_size.txt").write_text(f"{path.stat().st_size} bytes, {on_page} figures\n")

    offline = browser.new_context(viewport={"width": 900, "height": 1200}, offline=True)
    requested = []

    def refuse(route):
        requested.append(route.request.url)
        route.continue_() if route.request.url == path.as_uri() else route.abort()

    offline.route("**/*", refuse)
    page = offline.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function(f"() => document.querySelectorAll('.plotly-figure .main-svg').length >= {on_page}",
                           timeout=60_000)
    drawn = page.evaluate("() => [...document.querySelectorAll('.plotly-figure')].map("
                          "f => f.querySelectorAll('.main-svg .trace, .main-svg image, .main-svg path').length)")
    assert len(drawn) == on_page and all(count > 0 for count in drawn), drawn
    assert requested == [path.as_uri()] and not errors, (requested[:5], errors[:3])
    titles = page.locator("h2").all_inner_texts()
    assert all(any(step.title in title for title in titles) for step in ATTENTION.steps)
    page.screenshot(path=str(SCREENSHOTS / "handout_attention.png"), full_page=True)
    offline.close()

