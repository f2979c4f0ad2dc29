"""Teach: the teacher's page. Start a class (a code and its QR code for the projector), show the class what you
show (prompt, page, lesson step, head), ask a lesson's quiz question or "which token comes next?", watch the answers
arrive, reveal, and download the results. Behind the secret the teacher set when starting the server
(app/classroom.py: teacher_secret); without it, this page only says how to set one."""

import io
from urllib.parse import urlsplit

import streamlit as st

from app import classroom
from app.common import Markdown, core_idea, current, lang, say, show_figure
from app.pages import page_specs
from llama_edu.classroom import ClassStoreError
from llama_edu.lessons import load_lessons
from llama_edu.viz import classroom as viz

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "start", "order": 90, "title": "classroom.nav", "icon": ":material/co_present:",
        "heading": "classroom.teacher_title"}
NEXT_TOKEN_OPTIONS = 5  # the model's most likely next tokens a "which comes next?" question offers

st.title(say("classroom.teacher_title"))
core_idea("classroom.core_idea")
secret = classroom.teacher_secret()
if secret is None:
    st.info(say("classroom.no_secret"), icon=":material/lock:")
    st.stop()
if len(secret) < classroom.SECRET_MIN_CHARS:
    st.error(say("classroom.secret_too_short", n=classroom.SECRET_MIN_CHARS))
    st.stop()
if not classroom.is_teacher():
    with st.form("teacher_sign_in"):
        typed = st.text_input(say("classroom.secret"), type="password", max_chars=200)
        if st.form_submit_button(say("classroom.sign_in"), type="primary") and classroom.sign_in(typed):
            st.rerun()
    st.stop()

cur = current()  # the teacher's own prompt and model (sidebar): what a push sends and a question asks about
if cur is None:
    st.stop()
store = classroom.store()
code = st.session_state.get(classroom.TEACHER_CLASS)
try:
    state = store.get(code) if code else None
except ClassStoreError as err:
    st.error(say("classroom.store_error", error=str(err)))
    st.stop()
if state is None:
    if code:
        st.warning(say("classroom.class_ended", code=classroom.spaced(code)))
    if st.button(say("classroom.start"), key="teach_start", type="primary"):
        st.session_state[classroom.TEACHER_CLASS] = store.start_class()
        st.rerun()
    st.caption(say("classroom.start_caption"))
    st.stop()


# ---- the class's code, for the projector --------------------------------------------------------------------------
def join_base() -> str:
    """scheme://host:port the teacher's browser reached: students on the same network use the same address (unless
    the teacher opened the app as localhost: then the field below takes the computer's network address)."""
    url = urlsplit(st.context.url or "http://localhost:8501")
    return f"{url.scheme}://{url.netloc}"


def qr_png(text: str) -> bytes:
    import qrcode  # drawn by the library, offline

    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


left, right = st.columns([2, 1])
with left:
    # The code is made of CODE_ALPHABET's letters and digits only: safe inside HTML as it is. Large: read off the
    # projector from the back row.
    st.html(f'<div class="class-code" style="font-size:64px;font-weight:700;letter-spacing:0.08em;line-height:1.1">'
            f"{classroom.spaced(state.code)}</div>")
    st.markdown(say("classroom.code_caption"))
    address = st.text_input(say("classroom.address"), value=join_base(), key="teach_address",
                            help=say("classroom.address_help"))
    link = f"{address.strip().rstrip('/')}/?class={state.code}"
    st.code(link, language=None)
    if "localhost" in address or "127.0.0.1" in address:
        st.caption(say("classroom.localhost_warning"))
right.image(qr_png(link), caption=say("classroom.qr_caption"), width=240)

# ---- show the class what you show ----------------------------------------------------------------------------------
st.subheader(say("classroom.push_title"))
pages = {spec.url_path: say(spec.title) for spec in page_specs() if spec.url_path != "teach"}
page = st.selectbox(say("classroom.page"), list(pages), format_func=pages.get, key="teach_page",
                    index=list(pages).index(state.page) if state.page in pages else 0)
lessons = load_lessons(lang=lang())
lesson, step = None, None
if page == "lessons":
    titles = {each.id: f"{i + 1}. {each.title}" for i, each in enumerate(lessons)}
    c1, c2 = st.columns([3, 1])
    lesson = c1.selectbox(say("classroom.lesson"), list(titles), format_func=titles.get, key="teach_lesson",
                          index=list(titles).index(state.lesson) if state.lesson in titles else 0)
    n_steps = len(next(each for each in lessons if each.id == lesson).steps)
    step = int(c2.number_input(say("classroom.step"), 1, n_steps, min(state.step or 1, n_steps), key="teach_step"))
cfg = cur.model.cfg
point = st.toggle(say("classroom.point_at_head"), key="teach_point", value=state.layer is not None)
layer = head = None
if point:
    c1, c2 = st.columns(2)
    layer = int(c1.number_input(say("app.common.layer"), 0, cfg.n_layers - 1, min(state.layer or 0, cfg.n_layers - 1),
                                key="teach_layer"))
    head = int(c2.number_input(say("app.common.head"), 0, cfg.n_heads - 1, min(state.head or 0, cfg.n_heads - 1),
                               key="teach_head"))
prompt = st.session_state.get("prompt", "")
st.caption(say("classroom.push_caption", prompt=prompt))
if st.button(say("classroom.push"), key="teach_push", type="primary"):
    # The model too: the teacher's model (a model trained in class, or back to the shipped one) opens on every
    # follower's pages, where their server offers it (app/classroom.py follow_teacher).
    store.update(state.code, prompt=prompt, page=page, lesson=lesson, step=step, layer=layer, head=head,
                 model=st.session_state.get("model_label"))
    if lesson is not None:  # the questions below (drawn after this) open on the lesson the class is in
        st.session_state["teach_quiz_lesson"] = lesson
    st.success(say("classroom.pushed"))

# ---- ask the class -------------------------------------------------------------------------------------------------
st.subheader(say("classroom.ask_title"))
kinds = {"quiz": say("classroom.kind_quiz"), "next_token": say("classroom.kind_next_token")}
kind = st.radio(say("classroom.kind"), list(kinds), format_func=kinds.get, key="teach_kind", horizontal=True)
if kind == "quiz":
    with_quiz = [each for each in lessons if each.quiz]
    titles = {each.id: f"{lessons.index(each) + 1}. {each.title}" for each in with_quiz}
    asked_lesson = st.selectbox(say("classroom.lesson"), list(titles), format_func=titles.get, key="teach_quiz_lesson",
                                index=list(titles).index(lesson) if lesson in titles else 0)
    quiz = next(each for each in with_quiz if each.id == asked_lesson).quiz
    number = st.selectbox(say("classroom.quiz_question"), range(len(quiz)),
                          format_func=lambda i: f"{i + 1}. {quiz[i].question}", key="teach_quiz_number")
    question = quiz[number]
    text, options, answer = question.question, list(question.options), question.answer
    extra = {"lesson": asked_lesson, "quiz": number}
else:
    logits = cur.logits()[0, -1].float()  # [V]: the model's next token after the teacher's prompt
    probabilities = logits.softmax(-1)
    top = probabilities.topk(NEXT_TOKEN_OPTIONS)
    ids = sorted(top.indices.tolist(), key=lambda i: cur.tok.decode([i]).strip().lower())  # not in the model's order
    text = say("classroom.next_token_question", prompt=prompt)
    options = [repr(cur.tok.decode([i])) for i in ids]
    answer = None
    extra = {"probabilities": [float(probabilities[i]) for i in ids], "prompt": prompt}
st.markdown(f"**{Markdown(text)}**")
st.caption(" · ".join(options))
if st.button(say("classroom.ask"), key="teach_ask", type="primary"):
    store.ask(state.code, kind, str(text), [str(o) for o in options], answer=answer, extra=extra)
    st.rerun()


@st.fragment(run_every=classroom.RESULTS_EVERY_S)
def live_results(code: str) -> None:
    """The current question's answers as they arrive; reveal the right answer (and the model's own probabilities)."""
    now = store.get(code)
    if now is None or now.question is None:
        st.caption(say("classroom.no_question"))
        return
    q = now.question
    counts = store.counts(code, q.id)
    st.markdown(say("classroom.live_title", n=sum(counts), question=Markdown(q.text)))
    show_figure(viz.answers_figure(list(q.options), counts, q.answer if q.revealed else None,
                                   q.extra.get("probabilities") if q.revealed else None, lang=lang()),
                key="teach_answers")
    c1, c2 = st.columns(2)
    if not q.revealed and c1.button(say("classroom.reveal"), key="teach_reveal", type="primary"):
        store.reveal(code, q.id)
        st.rerun(scope="fragment")
    if c2.button(say("classroom.close_question"), key="teach_close"):
        store.close_question(code)
        st.rerun(scope="fragment")


live_results(state.code)

st.subheader(say("classroom.results_title"))
st.download_button(say("classroom.download"), store.results_csv(state.code, lang=lang()),
                   file_name=f"class-{state.code}.csv", mime="text/csv", key="teach_download")
st.caption(say("classroom.stored"))
