"""A class the teacher leads: students join with a code, follow the teacher's prompt, page, lesson step and head,
and answer the questions the teacher asks. The class lives in llama_edu.classroom's store (SQLite by default, or
PostgreSQL), shared by every replica of the app, so a push reaches students on any replica.

    main.py        join_from_link() and follow_teacher() before the page runs; class_bar() above it
    views/teach.py the teacher's page: start a class, push, ask, reveal, download the results

A student's identity in a class is a per-browser token kept in a cookie (BROWSER_COOKIE), not the Streamlit
session: a reload opens a new session, and the student must still count once. Nothing students type is logged.
"""

from __future__ import annotations

import functools
import hmac
import os
import re
import secrets
import threading
import time
from collections import deque

import streamlit as st

from app.common import Markdown, available_models, lang, say
from llama_edu.classroom import ClassState, ClassStore, ClassStoreError, TooManyAttempts

BROWSER_COOKIE = "llama_edu_student"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
FOLLOW_EVERY_S = 2.0  # how often a follower's bar asks the store for news: a push shows within ~2 s plus the page run
RESULTS_EVERY_S = 1.0  # how often the teacher's live results are redrawn
SECRET_MIN_CHARS = 12
TEACHER_ATTEMPTS, TEACHER_WINDOW_S = 5, 300  # wrong teacher secrets allowed per browser per window

# State of this session (st.session_state keys).
CLASS, FOLLOWING, APPLIED, TEACHER, TEACHER_CLASS = "class_code", "class_following", "class_applied", "_teacher", \
    "teacher_class"


@st.cache_resource(show_spinner=False)
def store() -> ClassStore:
    """The class store of this server (LLAMA_EDU_CLASS_STORE, default one SQLite file): one per process."""
    return ClassStore.from_env()


def browser_token() -> str:
    """This browser's token: from its cookie, or made now and written into the cookie (kept a day), so that a reload
    (a new session) is the same student. Read once per session."""
    state = st.session_state
    if "_browser_token" not in state:
        token = st.context.cookies.get(BROWSER_COOKIE, "")
        if not (isinstance(token, str) and _TOKEN.fullmatch(token)):  # absent, or not one this app made
            token = secrets.token_urlsafe(18)
            # The token is made here of URL-safe characters only, so it can stand inside the script as it is.
            st.html(f'<script>document.cookie = "{BROWSER_COOKIE}={token}; max-age=86400; path=/; SameSite=Lax";'
                    "</script>", unsafe_allow_javascript=True)
        state["_browser_token"] = token
    return state["_browser_token"]


# ---- joining and following ---------------------------------------------------------------------------------------
def spaced(code: str) -> str:
    """ "ABCD EFGH": a code as the projector shows it, in two groups of four."""
    return f"{code[:4]} {code[4:]}"


def join(code: str) -> ClassState | None:
    """Join the class with this code (typed, or from the QR code's link); a message says why not."""
    try:
        joined = store().join(code, who=browser_token())
    except TooManyAttempts as err:
        st.sidebar.error(say("classroom.too_many_joins", minutes=max(1, round(err.retry_after_s / 60))))
        return None
    except ClassStoreError as err:
        st.sidebar.error(say("classroom.store_error", error=str(err)))
        return None
    if joined is None:
        st.sidebar.warning(say("classroom.no_such_class"))
        return None
    state = st.session_state
    state[CLASS], state[FOLLOWING], state[APPLIED] = joined.code, True, None
    return joined


def join_from_link() -> None:
    """?class=CODE (the QR code's link) joins on the session's first run."""
    if "_class_link_read" in st.session_state:
        return
    st.session_state["_class_link_read"] = True
    code = st.query_params.get("class")
    if code:
        del st.query_params["class"]
        join(code)


def follow_teacher(current_page: str) -> None:
    """For a student who follows a class: bring in what the teacher pushed since this session last looked (the
    prompt, the page, the lesson and step, the layer and head, the model), before the page runs. Called by main.py with
    the page about to run; switches page when the teacher is on another one."""
    state = st.session_state
    code = state.get(CLASS)
    if not code or not state.get(FOLLOWING):
        return
    try:
        now = store().get(code)
    except ClassStoreError:
        return
    if now is None or state.get(APPLIED) == now.version:
        return
    state[APPLIED] = now.version
    params = {}
    if now.prompt is not None:
        params["prompt"] = now.prompt
    for name in ("layer", "head"):
        if getattr(now, name) is not None:
            params[name] = str(getattr(now, name))
    if now.page == "lessons" and now.lesson:
        params["lesson"], params["step"] = now.lesson, str(now.step or 1)
    state["_link_read"] = False  # the page reads the prompt, layer and head as from a shared link (app/common.py)
    if now.model is not None and now.model in available_models():  # a model trained in class (app/views/train.py)
        state["model_label"] = now.model  # the sidebar's picker (app/common.py) opens it on every page
    keep = {k: v for k, v in st.query_params.items() if k in ("lang", "presenter", "contrast")}
    if now.page and now.page != current_page:
        st.switch_page(f"views/{now.page}.py", query_params={**keep, **params})
    st.query_params.from_dict({**keep, **params})


def leave_following() -> None:
    st.session_state[FOLLOWING] = False


def follow_again() -> None:
    st.session_state[FOLLOWING], st.session_state[APPLIED] = True, None


def leave_class() -> None:
    for key in (CLASS, FOLLOWING, APPLIED):
        st.session_state.pop(key, None)


def class_bar() -> None:
    """Above every page: for a student in a class, the class's code, follow mode (leave it to explore, come back
    with one click) and the teacher's question; in the sidebar, a box to join a class. Polls the store every
    FOLLOW_EVERY_S while in a class."""
    code = st.session_state.get(CLASS)
    if code and not st.session_state.get(TEACHER):
        _followed_class()
    elif not st.session_state.get(TEACHER):
        with st.sidebar.expander(say("classroom.join_title")):
            typed = st.text_input(say("classroom.code"), key="class_code_typed", max_chars=20,
                                  placeholder="ABCD EFGH")
            if st.button(say("classroom.join"), key="class_join") and typed.strip():
                if join(typed):
                    st.rerun()


@st.fragment(run_every=FOLLOW_EVERY_S)
def _followed_class() -> None:
    state = st.session_state
    code = state.get(CLASS)
    if not code:
        return
    try:
        now = store().get(code)
    except ClassStoreError as err:
        st.warning(say("classroom.store_error", error=str(err)))
        return
    if now is None:
        st.warning(say("classroom.class_ended", code=spaced(code)))
        st.button(say("classroom.leave"), key="class_leave_ended", on_click=leave_class)
        return
    if state.get(FOLLOWING) and state.get(APPLIED) != now.version:
        st.rerun(scope="app")  # follow_teacher (main.py) brings the teacher's push in before the page runs
    left, right = st.columns([3, 1])
    if state.get(FOLLOWING):
        left.info(say("classroom.following", code=spaced(code)), icon=":material/groups:")
        right.button(say("classroom.explore"), key="class_explore", on_click=leave_following, width="stretch")
    else:
        left.info(say("classroom.exploring", code=spaced(code)), icon=":material/explore:")
        right.button(say("classroom.follow_again"), key="class_follow_again", on_click=follow_again,
                     type="primary", width="stretch")
    if now.question is not None:
        _question(now)


def _question(now: ClassState) -> None:
    """The teacher's question: choose, send (a second answer replaces the first); after the reveal, the answer."""
    q = now.question
    text, options, explanation = _in_my_language(q)
    key = f"class_answer_{now.code}_{q.id}"
    sent = st.session_state.get(f"{key}_sent")
    with st.container(border=True):
        st.markdown(f"**{say('classroom.question')}** {Markdown(text)}")
        if q.revealed:
            if sent is not None and q.answer is not None:  # a quiz question: was this student right, and why
                (st.success if sent == q.answer else st.error)(
                    say("classroom.you_were_right" if sent == q.answer else "classroom.you_were_wrong",
                        option=options[sent], explanation=Markdown(explanation or "")))
            counts = _counts(now.code, q.id)
            total = sum(counts) or 1
            for i, option in enumerate(options):
                mark = "✓ " if q.answer == i else ""
                line = say("classroom.revealed_option", mark=mark, option=option, share=counts[i] / total)
                if "probabilities" in q.extra:
                    line += " " + say("classroom.model_probability", p=q.extra["probabilities"][i])
                st.markdown(line)
            return
        choice = st.radio(text, range(len(options)), format_func=lambda i: options[i], index=None, key=key,
                          label_visibility="collapsed")
        name = st.text_input(say("classroom.your_name"), key="class_name", max_chars=40,
                             help=say("classroom.your_name_help"))
        if st.button(say("classroom.send"), key=f"{key}_send", disabled=choice is None, type="primary"):
            try:
                store().answer(now.code, q.id, browser_token(), choice, name=name.strip() or None)
                st.session_state[f"{key}_sent"] = sent = choice
            except ClassStoreError as err:
                st.warning(say("classroom.store_error", error=str(err)))
        if sent is not None:
            st.caption(say("classroom.answer_sent", option=options[sent]))


@functools.cache
def _lessons(language: str) -> dict:
    """The lessons by id in one language, read once per process (the bar polls every two seconds). Imported here:
    the Overview, where a class starts, must not read the lessons on its first run (tests/app/test_cold_start.py)."""
    from llama_edu.lessons import load_lessons

    return {each.id: each for each in load_lessons(lang=language)}


def _in_my_language(q) -> tuple[str, tuple[str, ...], str | None]:
    """(question, options, explanation): a lesson's quiz question in this student's language (the teacher may teach
    in the other one), with the lesson's explanation; a "which token comes next?" question as asked."""
    if "lesson" in q.extra:
        lesson = _lessons(lang()).get(q.extra["lesson"])
        if lesson is not None and q.extra.get("quiz", len(lesson.quiz)) < len(lesson.quiz):
            asked = lesson.quiz[q.extra["quiz"]]
            return asked.question, tuple(asked.options), asked.explanation
    return q.text, q.options, None


def _counts(code: str, question_id: int) -> list[int]:
    try:
        return store().counts(code, question_id)
    except ClassStoreError:
        return []


# ---- the teacher -------------------------------------------------------------------------------------------------
def teacher_secret() -> str | None:
    """The secret the teacher set when starting the server: LLAMA_EDU_TEACHER_SECRET, or `teacher_secret` in
    .streamlit/secrets.toml. None when neither is set (then nobody gets the teacher's controls)."""
    secret = os.environ.get("LLAMA_EDU_TEACHER_SECRET")
    if secret is None:
        try:
            secret = st.secrets.get("teacher_secret")
        except Exception:  # noqa: BLE001 - no secrets file: Streamlit raises its own error type
            secret = None
    return secret or None


class _Attempts:
    """Wrong secrets per browser token, within a window: shared by the sessions of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed: dict[str, deque[float]] = {}

    def retry_after_s(self, who: str, now: float) -> float:
        with self._lock:
            failed = self._failed.setdefault(who, deque())
            while failed and now - failed[0] >= TEACHER_WINDOW_S:
                failed.popleft()
            return TEACHER_WINDOW_S - (now - failed[0]) if len(failed) >= TEACHER_ATTEMPTS else 0.0

    def failed(self, who: str, now: float) -> None:
        with self._lock:
            self._failed.setdefault(who, deque()).append(now)


@st.cache_resource(show_spinner=False)
def _teacher_attempts() -> _Attempts:
    return _Attempts()


def sign_in(typed: str) -> bool:
    """The teacher's sign-in: compares in constant time; after TEACHER_ATTEMPTS wrong secrets from this browser it
    refuses for the rest of the window (a message says how long)."""
    secret = teacher_secret()
    attempts, who, now = _teacher_attempts(), browser_token(), time.monotonic()
    if secret is None:
        return False
    if (wait := attempts.retry_after_s(who, now)) > 0:
        st.error(say("classroom.teacher_locked", minutes=max(1, round(wait / 60))))
        return False
    if hmac.compare_digest(typed.encode(), secret.encode()):
        st.session_state[TEACHER] = True
        for key in (CLASS, FOLLOWING, APPLIED):  # a teacher leads; a class they had joined as a student is left
            st.session_state.pop(key, None)
        return True
    attempts.failed(who, now)
    st.error(say("classroom.teacher_wrong"))
    return False


def is_teacher() -> bool:
    return bool(st.session_state.get(TEACHER)) and teacher_secret() is not None
