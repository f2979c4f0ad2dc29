import streamlit as st

from common import current

st.title("LLaMA, from the inside")
cur = current()
if cur is not None:
    logits, cache = cur.capture()
    st.write(cur.pieces)
