"""LLaMA vs GPT, BERT and T5: the masks each family uses and what each is trained to predict, on the student's
prompt; then what the LLaMA and GQA papers measured. Every figure and table is a live element
(app/elements/architectures.py), shared with lesson 14."""

import streamlit as st
from common import current, notice, say
from elements import render



def _t(key: str, **values) -> str:
    return say(f"arch.{key}", **values)


st.title(_t("title"))
cur = current()
if cur is None:
    st.stop()

st.markdown(_t("intro"))
st.markdown(_t("overview_table"))

st.subheader(_t("masks_title"))
st.markdown(_t("masks_text"))
render("architecture_masks", cur, key="arch_masks")

st.header(_t("objectives_title"))
st.subheader(_t("llama_title"))
st.markdown(_t("llama_text"))
render("next_token_objective", cur, key="arch_llama")

st.subheader(_t("bert_title"))
st.markdown(_t("bert_text"))
render("masked_lm_objective", cur, key="arch_bert")

st.subheader(_t("t5_title"))
st.markdown(_t("t5_text"))
render("span_corruption_objective", cur, key="arch_t5")

st.header(_t("papers_title"))
st.markdown(_t("llama_paper_text"))
render("llama_benchmarks", cur, key="arch_paper")
st.markdown(_t("gqa_text"))
render("gqa_paper_table", cur, key="arch_gqa")

notice(_t("notice"))
