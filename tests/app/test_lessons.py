"""The lesson page: every lesson can be clicked through from the first step to the quiz without an exception;
the location is in the URL; answers get feedback; presenter mode hides answers until revealed."""

import pytest
from apphelpers import APP, assert_no_exception
from streamlit.testing.v1 import AppTest

from llama_edu.lessons import load_lessons

PAGE = "views/lessons.py"
LESSONS = load_lessons()


def open_lessons(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(query)
    at.switch_page(PAGE)
    at.run()
    return at


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_click_through_every_step_to_the_quiz(lesson):
    at = open_lessons(lesson=lesson.id)
    assert_no_exception(at)
    for step in range(1, len(lesson.steps) + 1):
        assert at.query_params["lesson"] == lesson.id and at.query_params["step"] == str(step)
        assert any(lesson.steps[step - 1].title in h.value for h in at.subheader)
        at.button(key="lesson_next").click().run()
        assert_no_exception(at)
    assert at.query_params["step"] == "quiz"
    assert len(at.radio) == len(lesson.quiz)


def test_a_shared_link_opens_that_step_and_bad_links_are_corrected():
    lesson = LESSONS[6]
    at = open_lessons(lesson=lesson.id, step="3")
    assert any(lesson.steps[2].title in h.value for h in at.subheader)
    at = open_lessons(lesson="no-such-lesson", step="999")
    assert_no_exception(at)
    assert at.query_params["lesson"] == LESSONS[0].id and at.query_params["step"] == str(len(LESSONS[0].steps))


def test_back_returns_to_the_previous_step():
    at = open_lessons(lesson=LESSONS[0].id, step="2")
    at.button(key="lesson_back").click().run()
    assert at.query_params["step"] == "1"


def test_quiz_gives_instant_feedback_and_keeps_the_score():
    lesson = LESSONS[3]
    at = open_lessons(lesson=lesson.id, step="quiz")
    q = lesson.quiz[0]
    at.radio(key=f"quiz_{lesson.id}_0").set_value(q.answer).run()
    assert at.success and q.explanation[:30] in at.success[0].value
    assert score(at) == f"1 of {len(lesson.quiz)} right so far (kept for this session)."
    q1 = lesson.quiz[1]
    at.radio(key=f"quiz_{lesson.id}_1").set_value((q1.answer + 1) % len(q1.options)).run()
    assert at.error and q1.options[q1.answer] in at.error[0].value
    assert score(at) == f"1 of {len(lesson.quiz)} right so far (kept for this session)."


def score(at) -> str:
    return next(c.value for c in at.caption if "right so far" in c.value)


def test_presenter_mode_hides_answers_until_revealed():
    lesson = LESSONS[1]
    at = open_lessons(lesson=lesson.id, step="quiz")
    at.toggle(key="_widget_presenter").set_value(True).run()  # the sidebar's switch, the same on every page
    at.radio(key=f"quiz_{lesson.id}_0").set_value(lesson.quiz[0].answer).run()
    assert not at.success and not at.error
    at.toggle(key=f"reveal_{lesson.id}_0").set_value(True).run()
    assert at.success or at.error


@pytest.mark.parametrize("step", ["²", "9" * 5000, "", "٣", "-1", "1.5", "0", "quiz!", "%00"],
                         ids=["superscript two", "5000 nines", "empty", "arabic three", "negative", "decimal", "zero",
                              "near quiz", "percent zero"])
def test_any_step_in_a_link_is_corrected_with_a_message(step):
    # "²".isdigit() is True and int("²") raises; int() of 5,000 digits raises past Python's digit limit.
    lesson = LESSONS[2]
    at = open_lessons(lesson=lesson.id, step=step)
    assert_no_exception(at)
    assert at.query_params["step"] in ("1", str(len(lesson.steps)))
    shown = at.query_params["step"]
    assert any(f"this lesson has steps 1 to {len(lesson.steps)}, so here is step {shown}" in i.value for i in at.info)
    assert all(len(i.value) < 400 for i in at.info)  # the link's value is quoted shortened


def test_an_unknown_lesson_in_a_link_says_so_in_german():
    at = open_lessons(lesson="**no** such [lesson](x)", step="2", lang="de")
    assert_no_exception(at)
    assert at.query_params["lesson"] == LESSONS[0].id
    message = next(i.value for i in at.info if "Dieser Link" in i.value)
    assert r"\*\*no\*\* such \[lesson\]\(x\)" in message  # the URL's text is quoted literally, not as markdown
