"""Watch it learn: the shipped tiny model at the checkpoints saved while it trained, one step at a time: the loss,
its next token after "The cat sat on the", and a previous-token head forming. Every figure is a live element
(app/elements/history.py) measured on the real checkpoints (llama_edu/history.py); the words are in
llama_edu/strings/history.yaml."""

import streamlit as st

from app.common import TINY_LABEL, core_idea, current, lang, model_name, say
from app.elements import history as elements
from app.elements import render
from llama_edu import history
from llama_edu.i18n import number

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "experiments", "order": 20, "title": "history.nav", "icon": ":material/timeline:",
        "heading": "history.title"}
KEY = "learning"

cur = current()  # the sidebar (prompt and model); None after a message: the history is the tiny model's anyway
st.title(say("history.title"))
saved = elements.checkpoints()
core_idea("history.page.core_idea", n=len(saved), prompt=history.PROMPT)
if not elements.available():
    st.info(say("history.page.missing", folder=f"assets/tiny/{history.HISTORY_FOLDER}"))
    st.stop()
if st.session_state.get("model_label", TINY_LABEL) != TINY_LABEL:
    st.info(say("history.page.other_model", model=model_name(st.session_state["model_label"])))

snapshots = [number(c.step, lang=lang()) for c in saved[:-1]]
listed = ", ".join(snapshots[:-1]) + f" {say('history.page.and')} " if len(snapshots) > 1 else ""
st.markdown(say("history.page.intro", steps=saved[-1].step, tokens=saved[-1].tokens, snapshots=listed + snapshots[-1]))
render("history_step", cur, key=KEY)

st.subheader(say("history.section.loss"))
render("history_loss", cur, key=KEY)

st.subheader(say("history.section.next", prompt=history.PROMPT))
render("history_next_token", cur, key=KEY)

st.subheader(say("history.section.heads"))
render("history_heads", cur, key=KEY)

if cur is not None:
    st.subheader(say("history.section.own", step=elements.chosen_step(KEY, elements.measured_history())))
    render("history_own_prompt", cur, key=KEY)
