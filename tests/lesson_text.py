"""What a lesson says, for the tests that check its numbers against the model (tests/test_lesson*.py): a step's or a
quiz question's words in English and German, and whether a number stands in both. German swaps the separators
(0.76 is 0,76 and 4,096 is 4.096; in a formula 8{,}32)."""

from __future__ import annotations

import re

import yaml

from llama_edu.lessons import LESSONS_DIR, Lesson, load_lessons, parse_lesson, translate


def every_lesson() -> dict[str, dict[str, Lesson]]:
    """{language: {lesson id: Lesson}} of every lesson, as the app loads them."""
    return {lang: {lesson.id: lesson for lesson in load_lessons(lang=lang)} for lang in ("en", "de")}


def some_lessons(files: dict[str, str]) -> dict[str, dict[str, Lesson]]:
    """The same for these lessons only ({id: file name in lessons/}): a lesson being written elsewhere does not stop
    the tests of the others."""
    english = {key: parse_lesson(yaml.safe_load((LESSONS_DIR / name).read_text(encoding="utf-8")), where=name)
               for key, name in files.items()}
    return {"en": english, "de": {key: translate(english[key], LESSONS_DIR / "de" / name)
                                  for key, name in files.items()}}


def fold(text: str) -> str:
    """Whitespace folded to single spaces: YAML's line breaks are not the lesson's."""
    return " ".join(text.split())


def readers(lessons: dict[str, dict[str, Lesson]]):
    """(step, quiz) for these lessons:
    step(lesson id, English title) -> (English, German) text and notice of that step;
    quiz(lesson id, start of the English question) -> (English, German) question, options and explanation."""
    def step(lesson_id: str, english_title: str) -> tuple[str, str]:
        english = lessons["en"][lesson_id]
        index = next(i for i, s in enumerate(english.steps) if s.title == english_title)
        return tuple(fold(f"{s.text} {s.notice or ''}") for s in (english.steps[index],
                                                                   lessons["de"][lesson_id].steps[index]))

    def quiz(lesson_id: str, english_question: str) -> tuple[str, str]:
        english = lessons["en"][lesson_id]
        index = next(i for i, q in enumerate(english.quiz) if q.question.startswith(english_question))
        return tuple(fold(" ".join([q.question, *q.options, q.explanation]))
                     for q in (english.quiz[index], lessons["de"][lesson_id].quiz[index]))

    return step, quiz


def german(number: str) -> str:
    """0.76 -> 0,76 and 4,096 -> 4.096: German swaps the decimal and the thousands separators."""
    return number.translate({ord("."): ",", ord(","): "."})


def number_pattern(number: str) -> re.Pattern:
    # Not part of a longer number: "0.7" must not match "0.76", nor "10" match "10,000" or "110".
    return re.compile(rf"(?<![\d.,]){re.escape(number)}(?![.,]?\d)")


def assert_quoted(number: str, texts: tuple[str, str]) -> None:
    """The number, as English writes it, stands in the English text, and as German writes it in the German one."""
    english, german_text = texts
    assert number_pattern(number).search(english), f"{number} is not in the English text: {english}"
    in_german = [german(number), number.replace(".", "{,}")]  # 8,32 in text, 8{,}32 in a formula
    assert any(number_pattern(n).search(german_text) for n in in_german), \
        f"{in_german[0]} is not in the German text: {german_text}"
