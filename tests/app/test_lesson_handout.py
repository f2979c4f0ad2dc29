"""The lessons page's handout mode (?handout=1): every step of a lesson on one page, in English and German, with
the download button; the Handout button opens it and the Lesson button returns to the step the student was on."""

import pytest
from apphelpers import assert_no_exception, open_link

from app.handout import FIGURES_KEY
from llama_edu.lessons import load_lessons

PAGE = "views/lessons.py"


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in load_lessons()])
def test_every_lesson_draws_on_one_page_without_an_exception(lesson_id):
    """All elements of a lesson share one page here (each with its step's key): none may clash with another."""
    lesson = next(each for each in load_lessons() if each.id == lesson_id)
    at = open_link(PAGE, lesson=lesson_id, handout="1")
    assert_no_exception(at)
    assert [h.value for h in at.subheader][:len(lesson.steps)] == [f"{n}. {s.title}" for n, s in
                                                                   enumerate(lesson.steps, 1)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_handout_mode_draws_every_step_and_the_download(lang):
    lesson = next(each for each in load_lessons(lang=lang) if each.id == "attention")
    at = open_link(PAGE, lesson=lesson.id, handout="1", lang=lang)
    assert_no_exception(at)
    headings = [h.value for h in at.subheader]
    for n, step in enumerate(lesson.steps, 1):
        assert f"{n}. {step.title}" in headings
    assert len(at.get("plotly_chart")) >= 4  # attention_steps, heatmap, ablation, sink: each draws at least one
    assert [b for b in at.get("download_button") if b.proto.id and "handout_download" in b.proto.id]
    assert FIGURES_KEY not in at.session_state  # the recorder is gone once the steps are drawn
    assert not [b for b in at.button if b.key == "lesson_next"]  # one page: no Back and Next


def test_the_handout_button_opens_it_and_returns_to_the_same_step():
    at = open_link(PAGE, lesson="attention", step="4")
    at.button(key="handout_toggle").click().run()
    assert at.query_params["handout"] == "1" and at.query_params["step"] == "4"
    assert_no_exception(at)
    at.button(key="handout_toggle").click().run()
    assert "handout" not in at.query_params and at.query_params["step"] == "4"
    assert [b for b in at.button if b.key == "lesson_next"]
