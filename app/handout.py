"""The lessons page's handout mode (?lesson=attention&handout=1): every step of a lesson on one page for this
student's prompt, each step's figures recorded as they are drawn, and a button that downloads them all as one HTML
file (built by llama_edu/handout.py only when the button is clicked).

Recording: show_figure (app/common.py), through which every figure of the app passes, appends the figure it draws to
the list under FIGURES_KEY in the session's state while there is one; recording() puts a fresh list there for one
step. A figure is recorded as the student sees it (made readable for the display mode; a shared cached figure is
kept as it is, never changed).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import streamlit as st

from app.common import Current, Markdown, lang, model_name, notice, preset_pickers, say
from app.elements import render
from llama_edu import handout as handout_file
from llama_edu.lessons import Lesson, source_of

FIGURES_KEY = "_handout_figures"  # read by show_figure in app/common.py (one line, by this literal name)


@contextmanager
def recording():
    """Inside the block, every figure show_figure draws is appended to the list this yields."""
    figures: list = []
    st.session_state[FIGURES_KEY] = figures
    try:
        yield figures
    finally:
        st.session_state.pop(FIGURES_KEY, None)


def show(lesson: Lesson, number: int, cur: Current) -> None:
    """Every step of `lesson` (the number-th) one after another, each element with the key it has on its own step
    (so what the student set there is kept), the quiz's questions, and the download button above them all."""
    st.markdown(say("handout.intro"))
    slot = st.container()  # the button goes here once every figure is drawn
    drawn: list[list] = []
    for n, step in enumerate(lesson.steps, 1):
        st.subheader(f"{n}. {step.title}")
        st.markdown(step.text)
        with recording() as figures:
            if step.element:
                key = f"lesson_{lesson.id}_{n}"
                if step.focus:
                    preset_pickers(key, step.focus.layer, step.focus.head)
                render(step.element, cur, key=key)
        drawn.append(figures)
        if step.code:
            with st.expander(say("app.lessons.code", path=step.code)):
                st.code(source_of(step.code), language="python")
        if step.notice:
            notice(Markdown(step.notice))
    if lesson.quiz:
        st.subheader(say("app.lessons.quiz_title"))
        for i, q in enumerate(lesson.quiz, 1):
            st.markdown(f"**{i}. {q.question}**\n\n" + "\n".join(f"- {option}" for option in q.options))
        st.caption(say("handout.quiz_on_page"))
    # Everything the file needs, read now: the download runs later, outside this script run, without the session.
    facts = {"prompt": cur.prompt.text, "model": model_name(st.session_state.get("model_label", "")),
             "lang": lang(), "n_tokens": len(cur.ids), "number": number, "made": dt.date.today()}
    slot.download_button(say("handout.download"), data=lambda: handout_file.build_handout(lesson, drawn, **facts),
                         file_name=handout_file.file_name(lesson, lang()), mime="text/html", key="handout_download",
                         icon=":material/download:", help=say("handout.download_help"), on_click="ignore",
                         type="primary")
