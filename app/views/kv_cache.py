"""KV cache: keys and values of past tokens are kept, so each new token costs one position of work, not all."""

import streamlit as st

from common import current, notice
from elements import render

st.title("The KV cache")
cur = current()
if cur is None:
    st.stop()

st.markdown(
    "A model generates text one token at a time, and every new token attends to all earlier ones. Without a cache, "
    "each step runs the *whole* sequence through the model again, only to use the last position's output. But the "
    "keys and values of earlier tokens never change (the mask stops them from seeing later tokens), so they can be "
    "stored: each step then computes q, k, v for the **new token only** and reads the rest from the cache.")
st.markdown(
    "The price is memory: every layer keeps a key and a value vector of width `head_dim` for each KV head and each "
    "token. Grouped-query attention (Ainslie et al., 2023; Llama 2 70B and all of Llama 3) shares one key/value "
    "head among several query heads, which divides this memory by `n_heads / n_kv_heads`.")
st.latex(r"\text{bytes} = 2_{(K,V)} \cdot n_\text{layers} \cdot n_\text{kv\_heads} \cdot \text{head\_dim} \cdot "
         r"\text{seq\_len} \cdot \text{batch} \cdot \text{bytes\_per\_value}")

st.header("1. How much memory?")
render("kv_calculator", cur, key="kv")

st.header("2. Memory grows with the context")
st.markdown("One key and one value per token, layer and KV head: the cache grows linearly with the context, and a "
            "model's longest context is where it costs the most.")
render("kv_memory_chart", cur, key="kv_chart")

st.header("3. A number from a course slide: 40,960 GiB?")
render("kv_wrong_figure", cur, key="kv_slide")

st.header("4. Live: generating with and without the cache")
render("kv_live_demo", cur, key="kv")

notice("Grouped-query attention divides the cache by n_heads / n_kv_heads: compare Llama-2-70B with the MHA toggle. "
       "In the live run step 0 processes the whole prompt in both cases; after that the cached path runs one "
       "position per step while the uncached one runs them all, so its time grows with the sequence (clearest "
       "with the longer context). Each point is the fastest of two runs; on a busy CPU single steps still spike.")
