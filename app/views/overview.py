"""Overview: the whole model, its parameter budget, and how LLaMA changed from version 1 to 3."""

import streamlit as st

import llama_edu as le
from common import current, notice
from elements import render

st.title("LLaMA, from the inside")
cur = current()
if cur is None:
    st.stop()

st.markdown(
    "LLaMA is a **decoder-only transformer**: it reads tokens left to right and, at every position, predicts the "
    "next token. Each of its layers does two things to a running vector per token, the *residual stream*: "
    "**attention** mixes in information from earlier tokens, and the **feed-forward** network transforms each token "
    "on its own. Both read a *normalised copy* of the stream (pre-normalisation with RMSNorm) and *add* their "
    "result back, so the stream itself flows straight from the embedding to the output.")

left, right = st.columns([3, 2])
with left:
    render("block_diagram", cur, key="overview")
with right:
    st.subheader("Where the parameters are")
    render("parameter_breakdown_table", cur, key="overview")
    render("next_token_table", cur, key="overview")

st.subheader("The same blueprint at every size")
render("parameter_shares", cur, key="overview")

st.subheader("LLaMA 1 → 2 → 3")
st.markdown(
    "The architecture barely changed between releases; the data, the context and the attention sharing did. "
    "Llama 2 doubled the context to 4,096 tokens and trained on 2T tokens; its 70B model introduced grouped-query "
    "attention (8 KV heads for 64 query heads). Llama 3 uses GQA at every size, a 128,256-token vocabulary, a RoPE "
    "base of 500,000 instead of 10,000, and more than 15T training tokens; Llama 3.1 stretches the context to 128k.")
render("family_table", cur, key="overview")


def share(name: str, component: str) -> str:
    parts = le.parameter_breakdown(le.PRESETS[name])
    return f"{100 * parts[component] / sum(parts.values()):.0f}%"


notice(f"In LLaMA-7B the feed-forward layers hold {share('llama-7b', 'feed_forward')} of the parameters and "
       f"attention {share('llama-7b', 'attention')}; grouped-query attention shrinks attention to "
       f"{share('llama-2-70b', 'attention')} in Llama-2-70B. In the tiny model the embedding and output matrices "
       "are a large share, because its vocabulary is large next to its width. Every number here is computed from "
       "`ModelConfig`; none is typed in.")
