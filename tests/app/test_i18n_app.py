"""The app in English and German: every text key exists in both languages, every page renders in both, the
language comes from the URL (?lang=de), is chosen in the sidebar, survives a page switch and is written back to the
URL; an unknown code falls back to English. The reference for what German looks like is app.yaml itself."""

import ast

import pytest
from apphelpers import APP, assert_no_exception
from streamlit.testing.v1 import AppTest

from app.pages import SECTIONS, VIEWS, page_specs
from llama_edu import i18n
from llama_edu.lessons import load_lessons

# Every page, as the app finds them (the PAGE dictionary of each file in app/views/): a new page is tested here
# without editing this file. Each names a heading it always shows; the heading must differ between English and
# German (the attention page's title is "Attention" in both, so it names a subheader). The lessons page has none:
# it is checked by its lesson.
PAGES = [f"views/{spec.path.name}" for spec in page_specs()]
HEADING = {f"views/{spec.path.name}": spec.heading for spec in page_specs() if spec.heading}
LESSONS_PAGE = "views/lessons.py"


def open_app(page: str, timeout: float = 120, **query) -> AppTest:
    """The app on `page` with these URL query parameters, as a browser opening a link would start it."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    return at


def headings(at: AppTest) -> list[str]:
    return [h.value for h in [*at.title, *at.header, *at.subheader]]


def text(key: str, lang: str) -> str:
    """A text of the app (app.yaml) by its key there ("overview.title"), or any table's by its full key."""
    return i18n.t(key if key.split(".")[0] in TABLES else f"app.{key}", lang)


TABLES = {key.split(".")[0] for key in i18n.strings()}  # "app", "viz", ...: the string files


def literal_keys(node: ast.expr) -> set[str]:
    """The strings an argument can be: "a", or both branches of "a" if x else "b"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return literal_keys(node.body) | literal_keys(node.orelse)
    return set()


def keys_in_app() -> set[str]:
    """Every key the app's code passes to say() or plain() (or core_idea() and go_deeper(), which pass it on), and
    the titles and headings its pages declare."""
    keys = {key for spec in page_specs() for key in (spec.title, spec.heading) if key}
    keys |= {f"app.nav.{section}" for section in SECTIONS}
    for path in APP.parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("say", "plain", "core_idea", "go_deeper") and node.args:
                keys |= literal_keys(node.args[0])
    return keys


def test_every_text_has_english_and_german_with_the_same_placeholders():
    assert i18n.problems() == []


def test_every_key_the_app_asks_for_exists():
    """Caught here, not only when a rarely drawn branch (a GPU note, a failed check) first runs in class."""
    keys = keys_in_app()
    assert len(keys) > 100
    assert sorted(k for k in keys if k not in i18n.strings()) == []


def test_every_page_is_checked():
    assert sorted(PAGES) == sorted([*HEADING, LESSONS_PAGE]) and len(PAGES) == len(list(VIEWS.glob("*.py")))


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
@pytest.mark.parametrize("page", list(HEADING))
def test_every_page_renders_in_each_language(page, lang):
    at = open_app(page, lang=lang)
    assert_no_exception(at)
    other = next(code for code in i18n.LANGUAGES if code != lang)
    assert text(HEADING[page], lang) in headings(at)
    assert text(HEADING[page], other) not in headings(at)
    assert at.sidebar.segmented_control[0].value == lang
    assert at.query_params["lang"] == lang


def test_a_german_page_has_no_english_notice_or_sidebar():
    at = open_app("views/overview.py", lang="de")
    assert at.info[-1].value.startswith("**Worauf du achten solltest.**")
    assert at.sidebar.text_area[0].help == text("common.prompt_help", "de")
    assert not any("What to notice" in box.value for box in at.info)


def test_an_unknown_language_falls_back_to_english():
    at = open_app("views/overview.py", lang="xx")
    assert_no_exception(at)
    assert text("overview.title", "en") in headings(at)
    assert at.query_params["lang"] == "en"  # the URL is corrected, like a bad lesson link


def test_the_language_survives_a_page_switch_and_stays_in_the_url():
    at = open_app("views/overview.py", lang="de")
    at.query_params.clear()  # what st.navigation does to the URL when the student clicks another page
    at.switch_page("views/tokens.py").run()
    assert_no_exception(at)
    assert text("tokens.title", "de") in headings(at)
    assert at.query_params["lang"] == "de"


def test_choosing_german_in_the_sidebar_switches_the_page_and_the_url():
    at = open_app("views/rope.py")
    assert text("rope.title", "en") in headings(at) and at.query_params["lang"] == "en"
    at.sidebar.segmented_control[0].set_value("de").run()
    assert_no_exception(at)
    assert text("rope.title", "de") in headings(at) and at.query_params["lang"] == "de"
    at.query_params.clear()
    at.switch_page("views/gqa.py").run()
    assert text("gqa.title", "de") in headings(at) and at.query_params["lang"] == "de"


def test_the_lessons_page_keeps_lesson_step_and_language_in_the_url():
    lesson = load_lessons()[2]
    at = open_app(LESSONS_PAGE, lang="de", lesson=lesson.id, step="2")
    assert_no_exception(at)
    assert at.query_params == {"lang": "de", "lesson": lesson.id, "step": "2"}
    at.button(key="lesson_next").click().run()
    assert at.query_params == {"lang": "de", "lesson": lesson.id, "step": "3"}
    assert at.button(key="lesson_next").label == text("lessons.next", "de")


def test_switching_language_inside_a_lesson_keeps_the_step_and_the_score():
    english = load_lessons()[3]
    at = open_app(LESSONS_PAGE, lesson=english.id, step="quiz")
    at.radio(key=f"quiz_{english.id}_0").set_value(english.quiz[0].answer).run()
    at.sidebar.segmented_control[0].set_value("de").run()
    assert_no_exception(at)
    assert at.query_params["lesson"] == english.id and at.query_params["step"] == "quiz"
    german = load_lessons(lang="de")[3]
    assert german.title in [t.value for t in at.title]
    assert at.radio(key=f"quiz_{english.id}_0").value == english.quiz[0].answer
    assert any(c.value.startswith("Bisher 1 von") for c in at.caption)


# Runs every lesson in German, step by step: it fails (naming the file) while a lessons/de/ file is missing or does
# not match its English lesson.
@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in load_lessons()])
def test_every_lesson_clicks_through_in_german(lesson_id):
    lesson = next(each for each in load_lessons(lang="de") if each.id == lesson_id)
    at = open_app(LESSONS_PAGE, lang="de", lesson=lesson_id)
    assert_no_exception(at)
    assert lesson.title in [t.value for t in at.title]
    for step in range(1, len(lesson.steps) + 1):
        assert at.query_params["step"] == str(step) and at.query_params["lang"] == "de"
        assert any(lesson.steps[step - 1].title in h.value for h in at.subheader)
        at.button(key="lesson_next").click().run()
        assert_no_exception(at)
    assert at.query_params["step"] == "quiz"
    assert text("lessons.quiz_title", "de") in headings(at)
    assert [r.label for r in at.radio] == [q.question for q in lesson.quiz]
