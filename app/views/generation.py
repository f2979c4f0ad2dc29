"""Generation: logits -> a distribution shaped by temperature, top-k, top-p -> one token; and the logit lens."""

import streamlit as st

from app.common import core_idea, current, go_deeper, notice, say, working_context
from app.elements import render
from app.elements.generation import NEW_TOKEN_ROOM

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "generating", "order": 20, "title": "app.nav.generation",
        "icon": ":material/edit_note:", "heading": "app.generation.title"}

st.title(say("app.generation.title"))
core_idea("app.generation.core_idea")
cur = current(leave_room=NEW_TOKEN_ROOM)  # the prompt whole, up to the context less room for new tokens
if cur is None:
    st.stop()

st.markdown(say("app.generation.intro"))
render("unseen_words", cur, key="gen")
context = working_context(cur.model.cfg)
st.caption(say("app.generation.prompt_room", n=len(cur.ids), limit=context - NEW_TOKEN_ROOM, context=context,
               room=NEW_TOKEN_ROOM))
# The formulas are code; only the words inside \text{} are translated.
with go_deeper("app.generation.formulas_title"):
    st.latex(r"p = \mathrm{softmax}\!\left(\frac{z}{T}\right) \text{ " + say("app.generation.formula_over")
             + r" } k \text{ " + say("app.generation.formula_largest") + r" } -\infty\text{)}")
    st.latex(r"\text{top-}p\text{" + say("app.generation.formula_sort") + r" } p \text{ "
             + say("app.generation.formula_keep") + r" } p_{(j)} \text{ " + say("app.generation.formula_while")
             + r" } \textstyle\sum_{r<j} p_{(r)} < p\text{" + say("app.generation.formula_renormalise") + "}")

st.header(say("app.generation.section_step"))
render("generate_step", cur, key="gen")

st.header(say("app.generation.section_lens"))
st.markdown(say("app.generation.lens_text"))
st.latex(r"\text{lens}(h) = \mathrm{softmax}\big(W_{\text{out}}\,\mathrm{RMSNorm}(h)\big)")
st.caption(say("app.generation.lens_symbols"))
render("logit_lens", cur, key="gen")

notice(say("app.generation.notice"))
