"""Lesson files: they parse, and everything they reference (live elements, code objects) exists."""

from pathlib import Path

import pytest
import yaml

from llama_edu.lessons import LessonError, load_lessons, parse_lesson, resolve_code, source_of

APP = Path(__file__).resolve().parents[1] / "app"
LESSONS = load_lessons()


def known_elements() -> set[str]:
    from app.elements import load_all

    return set(load_all())


def test_there_are_at_least_ten_lessons_in_teaching_order():
    assert len(LESSONS) >= 10
    titles = " ".join(lesson.title.lower() for lesson in LESSONS)
    for topic in ["rmsnorm", "swiglu", "rotary", "attention", "grouped-query", "kv cache", "training"]:
        assert topic in titles, topic
    assert [lesson.path.name[:2] for lesson in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_every_lesson_is_complete(lesson):
    assert 3 <= len(lesson.steps) <= 8 and len(lesson.quiz) >= 3
    assert all(step.text.strip() for step in lesson.steps)
    for q in lesson.quiz:
        assert len(q.options) >= 2 and q.explanation.strip()


def test_every_referenced_element_exists():
    elements = known_elements()
    missing = {(lesson.id, step.element) for lesson in LESSONS for step in lesson.steps
               if step.element and step.element not in elements}
    assert not missing


def test_every_referenced_code_object_exists_and_shows_its_real_source():
    for lesson in LESSONS:
        for step in lesson.steps:
            if step.code:
                obj = resolve_code(step.code)
                assert source_of(step.code).lstrip().startswith(("def ", "class ", "@")), step.code
                assert callable(obj)


def test_a_broken_lesson_is_refused_with_its_place_named():
    good = yaml.safe_load(LESSONS[0].path.read_text())
    bad = {**good, "quiz": [{**good["quiz"][0], "answer": 9}]}
    with pytest.raises(LessonError, match="question 1: answer 9"):
        parse_lesson(bad, where="x.yaml")
    with pytest.raises(LessonError, match="step 1: missing 'text'"):
        parse_lesson({**good, "steps": [{"title": "t"}]}, where="x.yaml")
