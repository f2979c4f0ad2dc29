"""Lessons are data: YAML files in lessons/, read and checked here (no Streamlit), rendered by the app.

A lesson is a sequence of short steps, each with text, optionally one live element (a name the app knows) and
optionally the source of a real function (`code: llama_edu.model.RMSNorm.forward`, shown with inspect.getsource,
so the code a student reads can never drift from the code that runs), followed by a short quiz. A step whose text
names a head declares it (`focus: {layer: 3, head: 0}`), and its element opens on that head.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


@dataclass(frozen=True)
class Focus:
    """The layer (and head) a step's element opens on: the one its text names."""
    layer: int
    head: int | None = None


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    element: str | None = None
    code: str | None = None
    notice: str | None = None
    focus: Focus | None = None


@dataclass(frozen=True)
class Question:
    question: str
    options: list[str]
    answer: int
    explanation: str


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    minutes: int
    summary: str
    steps: list[Step]
    quiz: list[Question] = field(default_factory=list)
    path: Path | None = None


class LessonError(ValueError):
    """A lesson file that does not follow the format; the message names the file and the field."""


def _require(data: dict, key: str, kind, where: str):
    if key not in data:
        raise LessonError(f"{where}: missing {key!r}")
    if not isinstance(data[key], kind):
        raise LessonError(f"{where}: {key!r} must be {getattr(kind, '__name__', kind)}, got {type(data[key]).__name__}")
    return data[key]


def parse_lesson(data: dict, where: str = "lesson") -> Lesson:
    if not isinstance(data, dict):
        raise LessonError(f"{where}: a lesson file must hold a mapping")
    steps = []
    for i, s in enumerate(_require(data, "steps", list, where)):
        at = f"{where}, step {i + 1}"
        if not isinstance(s, dict):
            raise LessonError(f"{at}: a step must be a mapping")
        steps.append(Step(title=_require(s, "title", str, at), text=_require(s, "text", str, at),
                          element=s.get("element"), code=s.get("code"), notice=s.get("notice"),
                          focus=parse_focus(s, at)))
    if not steps:
        raise LessonError(f"{where}: a lesson needs at least one step")
    quiz = []
    for i, q in enumerate(data.get("quiz") or []):
        at = f"{where}, question {i + 1}"
        options = _require(q, "options", list, at)
        answer = _require(q, "answer", int, at)
        if not 0 <= answer < len(options):
            raise LessonError(f"{at}: answer {answer} is not an index into its {len(options)} options")
        quiz.append(Question(question=_require(q, "question", str, at), options=[str(o) for o in options],
                             answer=answer, explanation=_require(q, "explanation", str, at)))
    return Lesson(id=_require(data, "id", str, where), title=_require(data, "title", str, where),
                  minutes=int(data.get("minutes", 10)), summary=str(data.get("summary", "")), steps=steps, quiz=quiz)


def parse_focus(step: dict, where: str) -> Focus | None:
    """A step's `focus: {layer: 3, head: 0}` (head may be left out), checked: numbers 0 or more, and an element to
    open on them. Whether the model has such a layer is for the app to say (lessons are written for the tiny
    model; tests/app/test_lessons.py opens every focused step)."""
    if "focus" not in step:
        return None
    focus = step["focus"]
    if not isinstance(focus, dict) or "layer" not in focus or set(focus) - {"layer", "head"}:
        raise LessonError(f"{where}: focus must be a mapping like {{layer: 3, head: 0}} (head may be left out)")
    for name, value in focus.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise LessonError(f"{where}: focus {name} must be a whole number 0 or more, got {value!r}")
    if not step.get("element"):
        raise LessonError(f"{where}: a focus needs an element to open on it")
    return Focus(layer=focus["layer"], head=focus.get("head"))


def load_lessons(folder: str | Path = LESSONS_DIR, lang: str = "en") -> list[Lesson]:
    """Every lessons/NN-*.yaml, in file-name order (the teaching order), in language `lang`.

    The English file is the lesson: its steps, elements, code and answers. A translation (lessons/de/ for German)
    holds only the words, step by step and question by question, and must match the English file's shape.
    """
    lessons = []
    for path in sorted(Path(folder).glob("[0-9][0-9]-*.yaml")):
        lesson = parse_lesson(_read_yaml(path), where=path.name)
        if lang != "en":
            lesson = translate(lesson, Path(folder) / lang / path.name)
        lessons.append(Lesson(**{**lesson.__dict__, "path": path}))
    ids = [lesson.id for lesson in lessons]
    if len(set(ids)) != len(ids):
        raise LessonError(f"two lessons share an id: {sorted(i for i in ids if ids.count(i) > 1)[0]!r}")
    return lessons


def _read_yaml(path: Path):
    if not path.is_file():
        raise LessonError(f"{path.parent.name}/{path.name}: missing")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise LessonError(f"{path.name}: not valid YAML ({err})") from None


def translate(lesson: Lesson, path: Path) -> Lesson:
    """`lesson` with its words replaced by those in the translation file `path` (same steps, same questions)."""
    where = f"{path.parent.name}/{path.name}"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise LessonError(f"{where}: a translation must hold a mapping")
    steps_tr, quiz_tr = _require(data, "steps", list, where), data.get("quiz") or []
    if len(steps_tr) != len(lesson.steps) or len(quiz_tr) != len(lesson.quiz):
        raise LessonError(f"{where}: {len(steps_tr)} steps and {len(quiz_tr)} questions, but the English lesson has "
                          f"{len(lesson.steps)} and {len(lesson.quiz)}")
    steps = []
    for i, (step, tr) in enumerate(zip(lesson.steps, steps_tr)):
        at = f"{where}, step {i + 1}"
        if (step.notice is None) != (tr.get("notice") is None):
            raise LessonError(f"{at}: has a notice where the English step has none, or lacks one it has")
        if "focus" in tr and parse_focus({**tr, "element": step.element}, at) != step.focus:
            raise LessonError(f"{at}: its focus differs from the English step's (the English file sets it)")
        steps.append(Step(title=_require(tr, "title", str, at), text=_require(tr, "text", str, at),
                          element=step.element, code=step.code, notice=tr.get("notice"), focus=step.focus))
    quiz = []
    for i, (q, tr) in enumerate(zip(lesson.quiz, quiz_tr)):
        at = f"{where}, question {i + 1}"
        options = _require(tr, "options", list, at)
        if len(options) != len(q.options):
            raise LessonError(f"{at}: {len(options)} options, the English question has {len(q.options)}")
        quiz.append(Question(question=_require(tr, "question", str, at), options=[str(o) for o in options],
                             answer=q.answer, explanation=_require(tr, "explanation", str, at)))
    return Lesson(id=lesson.id, title=_require(data, "title", str, where), minutes=lesson.minutes,
                  summary=str(data.get("summary", "")), steps=steps, quiz=quiz)


def resolve_code(path: str):
    """The object named by a dotted path like "llama_edu.model.RMSNorm.forward"."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise LessonError(f"cannot import {path!r}")


def source_of(path: str) -> str:
    """The real source code of the object, as the interpreter runs it."""
    return inspect.getsource(resolve_code(path))
