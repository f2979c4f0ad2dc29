from common import current, notice, tr
from elements import render

import streamlit as st

st.title(tr("tokens.title"))
cur = current()
if cur is None:
    st.stop()

st.markdown(tr("tokens.intro", vocab=cur.tok.vocab_size, n_tokens=len(cur.ids)))
render("token_chips", cur, key="tokens")

st.subheader(tr("tokens.bos_title"))
st.markdown(tr("tokens.bos_text", bos_id=cur.tok.bos_id))

st.subheader(tr("tokens.byte_title"))
st.markdown(tr("tokens.byte_text"))
render("byte_fallback", cur, key="tokens")

st.subheader(tr("tokens.embed_title"))
st.markdown(tr("tokens.embed_text", vocab=cur.model.cfg.vocab_size, dim=cur.model.cfg.dim))
st.latex(r"e_t = E[\mathrm{id}_t] \in \mathbb{R}^{%d}" % cur.model.cfg.dim)
render("embedding_heatmap", cur, key="tokens")

notice(tr("tokens.notice"))
