"""Two prompts side by side, and activation patching: the student's prompt (clean) against the same prompt with one
word changed (corrupted), in the next-token distribution, the residual stream and attention, then which layers and
heads carry the difference. Every figure is a live element (app/elements/compare.py) computed by llama_edu.patching;
the words are in llama_edu/strings/compare.yaml."""

import streamlit as st

from app.common import core_idea, current, go_deeper, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "experiments", "order": 10, "title": "compare.nav", "icon": ":material/difference:",
        "heading": "compare.title"}

cur = current()
if cur is None:
    st.stop()

st.title(say("compare.title"))
core_idea("compare.page.core_idea")
st.markdown(say("compare.page.intro"))
render("compare_pair", cur, key="compare")

st.subheader(say("compare.page.next_title"))
render("compare_next_token", cur, key="compare")

st.subheader(say("compare.page.residual_title"))
render("compare_residual", cur, key="compare")

st.subheader(say("compare.page.attention_title"))
render("compare_attention", cur, key="compare")

st.subheader(say("compare.page.patching_title"))
st.markdown(say("compare.page.patching_intro"))
# x: the clean prompt, x~ the corrupted one; a, a~ their answers; LD_p: the patched run's (words: the intro above).
st.latex(r"\text{LD} = \operatorname{logit}_a - \operatorname{logit}_{\tilde a},\qquad "
         r"r = \frac{\text{LD}_p - \text{LD}(\tilde x)}{\text{LD}(x) - \text{LD}(\tilde x)}")
st.markdown(say("compare.page.layers_intro"))
render("patching_layers", cur, key="compare")
st.markdown(say("compare.page.heads_intro"))
render("patching_heads", cur, key="compare")

with go_deeper("compare.page.metric_title"):
    st.markdown(say("compare.page.metric_text"))

render("compare_notice", cur, key="compare")
