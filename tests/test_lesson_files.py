"""Lesson files: they parse, and everything they reference (live elements, code objects) exists."""

from pathlib import Path

import pytest
import yaml

from llama_edu.lessons import Focus, LessonError, load_lessons, parse_lesson, resolve_code, source_of

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


def test_a_focus_names_a_layer_and_head_of_an_element_and_translations_keep_it(tmp_path):
    good = yaml.safe_load((LESSONS[0].path.parent / "07-attention.yaml").read_text())
    focused = next(i for i, s in enumerate(good["steps"]) if "focus" in s)
    step = good["steps"][focused]
    assert parse_lesson(good).steps[focused].focus == Focus(layer=step["focus"]["layer"], head=step["focus"]["head"])
    for focus, problem in [([3, 0], "must be a mapping"), ({"head": 0}, "must be a mapping"),
                           ({"layer": 3, "heads": 0}, "must be a mapping"), ({"layer": -1}, "0 or more"),
                           ({"layer": "3"}, "0 or more"), ({"layer": True}, "0 or more")]:
        steps = [*good["steps"][:focused], {**step, "focus": focus}, *good["steps"][focused + 1:]]
        with pytest.raises(LessonError, match=f"step {focused + 1}: .*{problem}"):
            parse_lesson({**good, "steps": steps}, where="x.yaml")
    without_element = {k: v for k, v in step.items() if k != "element"}
    with pytest.raises(LessonError, match="needs an element"):
        parse_lesson({**good, "steps": [without_element]}, where="x.yaml")
    # A translation holds words only; a focus there must be the English one.
    (tmp_path / "de").mkdir()
    (tmp_path / "07-attention.yaml").write_text(yaml.safe_dump(good))
    german = yaml.safe_load((LESSONS[0].path.parent / "de" / "07-attention.yaml").read_text())
    german["steps"][focused]["focus"] = {"layer": 0, "head": 1}
    (tmp_path / "de" / "07-attention.yaml").write_text(yaml.safe_dump(german, allow_unicode=True))
    with pytest.raises(LessonError, match="focus differs from the English"):
        load_lessons(tmp_path, lang="de")
    german["steps"][focused]["focus"] = step["focus"]
    (tmp_path / "de" / "07-attention.yaml").write_text(yaml.safe_dump(german, allow_unicode=True))
    assert load_lessons(tmp_path, lang="de")[0].steps[focused].focus == parse_lesson(good).steps[focused].focus
