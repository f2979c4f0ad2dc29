"""Projector mode: every figure of every page reaches the mode's least font size (14 px, 20 px in presenter mode), the
switches work from the sidebar and from a link, and the lessons page hides quiz answers in presenter mode."""

import pytest
from apphelpers import assert_no_exception, figures, open_link, open_page
from figure_fonts import too_small

from app.pages import page_specs
from llama_edu.lessons import load_lessons
from llama_edu.viz.readable import HIGH_CONTRAST, NORMAL_MIN_PX, PRESENTER_MIN_PX

PAGES = [f"views/{spec.path.name}" for spec in page_specs()]


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("page", PAGES, ids=[spec.url_path for spec in page_specs()])
def test_every_figure_on_every_page_is_large_enough(page, presenter):
    at = open_page(page, timeout=120, presenter=presenter)
    assert_no_exception(at)
    min_px = PRESENTER_MIN_PX if presenter else NORMAL_MIN_PX
    small = {i: too_small(spec, min_px) for i, spec in enumerate(figures(at))}
    assert not any(small.values()), {i: places[:6] for i, places in small.items() if places}


def test_high_contrast_figures_are_black_on_white():
    at = open_page("views/attention.py", timeout=120, contrast=True)
    specs = figures(at)
    assert specs
    for spec in specs:
        layout = spec["layout"]
        assert layout["paper_bgcolor"] == HIGH_CONTRAST["background"]
        assert layout["font"]["color"] == layout["xaxis"]["tickfont"]["color"] == HIGH_CONTRAST["text"]


def test_a_projector_link_opens_in_presenter_mode_and_the_sidebar_switch_leaves_it():
    at = open_link("views/rope.py", presenter="1")
    assert at.toggle(key="_widget_presenter").value is True
    assert all(spec["layout"]["xaxis"]["tickfont"]["size"] >= PRESENTER_MIN_PX for spec in figures(at))
    at.toggle(key="_widget_presenter").set_value(False).run()
    assert "presenter" not in at.query_params
    assert at.session_state["presenter"] is False


def test_the_switches_are_written_to_the_url_for_a_link_to_copy():
    at = open_page("views/overview.py")
    assert "presenter" not in at.query_params and "contrast" not in at.query_params
    at.toggle(key="_widget_presenter").set_value(True).run()
    at.toggle(key="_widget_contrast").set_value(True).run()
    assert at.query_params["presenter"] in ("1", ["1"]) and at.query_params["contrast"] in ("1", ["1"])


def test_a_presenter_link_to_a_lesson_quiz_hides_the_answers():
    lesson = load_lessons()[1]
    at = open_link("views/lessons.py", lesson=lesson.id, step="quiz", presenter="1")
    at.radio(key=f"quiz_{lesson.id}_0").set_value(lesson.quiz[0].answer).run()
    assert not at.success and not at.error
