"""Lessons: pick one, then step through it with Back and Next; each step has a live element; a quiz ends it.

The lesson and step live in the URL (?lesson=attention&step=3), so a teacher can share a link to one step. The
lesson is shown in the session's language (lessons/de/ for German); ids, steps and answers are the same in every
language, so switching language keeps the place and the quiz score. ?handout=1 shows every step on one page, to
download as one HTML file (app/handout.py).

Keys: → or PageDown go on, ← or PageUp back (a keyboard's arrows, a presenter's clicker); quiz answers are radios,
reached with Tab and chosen with the arrow keys.
"""

import streamlit as st

from app import handout
from app.common import Markdown, current, lang, link_number, notice, presenter_mode, preset_pickers, say, shortened
from app.elements import render
from llama_edu.lessons import load_lessons, source_of

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "start", "order": 20, "title": "app.nav.lessons",
        "icon": ":material/school:"}

LESSONS = load_lessons(lang=lang())
BY_ID = {lesson.id: lesson for lesson in LESSONS}
QUIZ = "quiz"
HANDOUT = "handout"  # ?handout=1: the handout mode

# A Streamlit button takes one shortcut, so each of Back and Next has twin buttons that carry the keys, in a box the
# page's CSS hides. Streamlit 1.67 binds a drawn button's shortcut whether it is seen or not, and ignores plain keys
# while the focus is in an input (the prompt box, a slider, a radio, a select box): typing, or moving a slider with
# the arrows, never changes the step (tests/test_browser_lessons_keys.py checks both in a real browser).
KEYS = {"back": ("Left", "PageUp"), "next": ("Right", "PageDown")}
KEYS_BOX = "lesson_keys"
CSS = f"""
.st-key-{KEYS_BOX} {{display: none;}}
/* the quiz answer that has the keyboard's focus: a clear ring where Streamlit draws a faint grey background */
[data-testid="stRadioOption"][data-focus-visible="true"] {{outline: 3px solid currentColor; outline-offset: 2px;
  border-radius: 4px;}}
"""

def location() -> tuple[str, int | str, list[str]]:
    """(lesson id, step number 1.. or "quiz", what was corrected) from the URL, corrected to something that exists.

    A link is typed by hand or cut short by a chat program: any value (empty, "²", five thousand nines, Arabic
    digits) ends on a real step with a message saying what was asked for, never on an exception.
    """
    params, corrected = st.query_params, []
    asked_lesson = params.get("lesson", "")
    lesson = BY_ID.get(asked_lesson, LESSONS[0])
    if asked_lesson not in ("", lesson.id):
        corrected.append(say("app.lessons.no_such_lesson", asked=shortened(asked_lesson), title=Markdown(lesson.title)))
    raw = params.get("step", "1")
    if raw == QUIZ and lesson.quiz:
        return lesson.id, QUIZ, corrected
    step = link_number(raw) or 0
    shown = min(max(step, 1), len(lesson.steps))
    if step != shown:
        corrected.append(say("app.lessons.no_such_step", asked=shortened(raw), step=shown, n_steps=len(lesson.steps)))
    return lesson.id, shown, corrected


def go(lesson_id: str, step: int | str) -> None:
    params = st.query_params
    if (params.get("lesson"), params.get("step")) != (lesson_id, str(step)):
        for name in ("layer", "head"):  # another step's picker: the new step's element writes its own
            params.pop(name, None)
    params["lesson"] = lesson_id
    params["step"] = str(step)


def answers() -> dict[str, dict[int, int]]:
    return st.session_state.setdefault("lessons_answers", {})


def nav_button(where, keys_box, label: str, key: str, direction: str, **kwargs) -> bool:
    """A Back or Next button (direction "back" or "next") that its keys press too (KEYS)."""
    keys_help = say("handout.next_help" if direction == "next" else "handout.back_help")
    clicked = where.button(label, key=key, help=keys_help, width="stretch", **kwargs)
    pressed = [keys_box.button(label, key=f"{key}_{name.lower()}", shortcut=name) for name in KEYS[direction]]
    return clicked or any(pressed)


def label(lesson) -> str:
    done = answers().get(lesson.id, {})
    correct = sum(1 for i, q in enumerate(lesson.quiz) if done.get(i) == q.answer)
    mark = f"  ✓ {correct}/{len(lesson.quiz)}" if done else ""
    return f"{LESSONS.index(lesson) + 1}. {lesson.title}{mark}"


lesson_id, step, corrected = location()
lesson = BY_ID[lesson_id]
go(lesson_id, step)  # write back the corrected location, so the URL always names what is shown
for message in corrected:
    st.info(message, icon=":material/link_off:")

st.html(f"<style>{CSS}</style>")
in_handout = st.query_params.get(HANDOUT) == "1"
top = st.columns([4, 1], vertical_alignment="bottom")
# Ids as options (the same in every language) and labels looked up now: AppTest formats options outside the run.
labels = {each.id: label(each) for each in LESSONS}
chosen = top[0].selectbox(say("app.lessons.lesson"), list(labels), index=LESSONS.index(lesson), format_func=labels.get,
                          key="lesson_pick")
presenter = presenter_mode()  # the sidebar's switch (app/common.py): large type, answers hidden until revealed
if chosen != lesson.id:
    go(chosen, 1)
    st.rerun()
if top[1].button(say("handout.back_to_lesson" if in_handout else "handout.open"), key="handout_toggle",
                 help=say("handout.back_to_lesson_help" if in_handout else "handout.open_help"), width="stretch",
                 icon=None if in_handout else ":material/print:"):
    if in_handout:
        del st.query_params[HANDOUT]
    else:
        st.query_params[HANDOUT] = "1"
    for name in ("layer", "head"):  # the main picker changes: the next run's writes its own
        st.query_params.pop(name, None)
    st.rerun()
cur = current()  # also draws the sidebar (prompt and model), which every live element reads
if cur is None:
    st.stop()

st.title(lesson.title)
if in_handout:
    handout.show(lesson, LESSONS.index(lesson) + 1, cur)
    st.stop()
total = len(lesson.steps) + (1 if lesson.quiz else 0)
position = total if step == QUIZ else step
st.progress(position / total, text=say("app.lessons.progress", position=position, total=total, minutes=lesson.minutes))

if step == QUIZ:
    st.subheader(say("app.lessons.quiz_title"))
    given = answers().setdefault(lesson.id, {})
    for i, q in enumerate(lesson.quiz):
        st.markdown(f"**{i + 1}. {q.question}**")
        choice = st.radio(q.question, range(len(q.options)), format_func=lambda k, q=q: q.options[k], index=None,
                          key=f"quiz_{lesson.id}_{i}", label_visibility="collapsed")
        if choice is not None:
            given[i] = choice
        show = choice is not None and (not presenter or st.toggle(say("app.lessons.reveal"), key=f"reveal_{lesson.id}_{i}"))
        if show:
            if choice == q.answer:
                st.success(say("app.lessons.right", explanation=Markdown(q.explanation)))
            else:
                st.error(say("app.lessons.wrong", answer=Markdown(q.options[q.answer]), explanation=Markdown(q.explanation)))
    correct = sum(1 for i, q in enumerate(lesson.quiz) if given.get(i) == q.answer)
    if not presenter:
        st.caption(say("app.lessons.score", correct=correct, total=len(lesson.quiz)))
else:
    current_step = lesson.steps[step - 1]
    st.subheader(current_step.title)
    st.markdown(current_step.text)
    if current_step.element:
        key = f"lesson_{lesson.id}_{step}"
        if current_step.focus:  # the head the text names: the element opens on it
            preset_pickers(key, current_step.focus.layer, current_step.focus.head)
        render(current_step.element, cur, key=key)
    if current_step.code:
        with st.expander(say("app.lessons.code", path=current_step.code), expanded=not presenter):
            st.code(source_of(current_step.code), language="python")
            st.caption(say("app.lessons.code_caption"))
    if current_step.notice:
        notice(Markdown(current_step.notice))  # the lesson's own words: markdown

back, _, forward = st.columns([1, 3, 1])
keys_box = st.container(key=KEYS_BOX)
if position > 1 and nav_button(back, keys_box, say("app.lessons.back"), "lesson_back", "back"):
    go(lesson.id, step - 1 if step != QUIZ else len(lesson.steps))
    st.rerun()
if position < total:
    if nav_button(forward, keys_box, say("app.lessons.next"), "lesson_next", "next", type="primary"):
        go(lesson.id, QUIZ if step == len(lesson.steps) else step + 1)
        st.rerun()
else:
    following = LESSONS.index(lesson) + 1
    if following < len(LESSONS) and nav_button(forward, keys_box, say("app.lessons.next_lesson"), "lesson_following",
                                                "next"):
        go(LESSONS[following].id, 1)
        st.rerun()
st.caption(say("handout.keys"))
