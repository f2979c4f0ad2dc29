"""LLaMA vs GPT, BERT and T5: the masks each family uses and what each is trained to predict, on the student's
prompt; then what the LLaMA and GQA papers measured. Every figure and table is a live element
(app/elements/architectures.py), shared with lesson 14."""

import streamlit as st

from app.common import core_idea, current, go_deeper, notice, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "start", "order": 40, "title": "arch.nav",
        "icon": ":material/compare_arrows:", "heading": "arch.title"}


st.title(say("arch.title"))
core_idea("arch.core_idea")
cur = current()
if cur is None:
    st.stop()

st.markdown(say("arch.intro"))
st.markdown(say("arch.overview_table"))

st.subheader(say("arch.masks_title"))
st.markdown(say("arch.masks_text"))
render("architecture_masks", cur, key="arch_masks")

st.header(say("arch.objectives_title"))
st.subheader(say("arch.llama_title"))
st.markdown(say("arch.llama_text"))
render("next_token_objective", cur, key="arch_llama")

st.subheader(say("arch.bert_title"))
st.markdown(say("arch.bert_text"))
render("masked_lm_objective", cur, key="arch_bert")

st.subheader(say("arch.t5_title"))
st.markdown(say("arch.t5_text"))
render("span_corruption_objective", cur, key="arch_t5")

with go_deeper("arch.papers_title"):
    st.markdown(say("arch.llama_paper_text"))
    render("llama_benchmarks", cur, key="arch_paper")
    st.markdown(say("arch.gqa_text"))
    render("gqa_paper_table", cur, key="arch_gqa")

notice(say("arch.notice"))
