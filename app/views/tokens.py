"""Tokens: the pieces and ids the model reads, why a word is one piece, several pieces or bytes, byte fallback for
what the vocabulary lacks, and the embedding vectors the ids pick. Every figure is a live element
(app/elements/tokens.py), shared with the lessons."""

import streamlit as st

from app.common import core_idea, current, go_deeper, notice, say
from app.elements import render

# Where this page sits in the navigation; app/pages.py reads it without running the file.
PAGE = {"section": "start", "order": 30, "title": "app.nav.tokens",
        "icon": ":material/text_fields:", "heading": "app.tokens.title"}

st.title(say("app.tokens.title"))
core_idea("app.tokens.core_idea")
cur = current()
if cur is None:
    st.stop()

st.markdown(say("app.tokens.intro", vocab=cur.tok.vocab_size, n_tokens=len(cur.ids)))
render("token_chips", cur, key="tokens")
render("unseen_words_explained", cur, key="tokens")

st.subheader(say("app.tokens.bos_title"))
st.markdown(say("app.tokens.bos_text", bos_id=cur.tok.bos_id))

st.subheader(say("app.tokens.why_title"))
st.markdown(say("app.tokens.why_text"))
render("word_pieces", cur, key="tokens")

with go_deeper("app.tokens.byte_title"):
    st.markdown(say("app.tokens.byte_text"))
    render("byte_fallback", cur, key="tokens")

st.subheader(say("app.tokens.embed_title"))
st.markdown(say("app.tokens.embed_text", vocab=cur.model.cfg.vocab_size, dim=cur.model.cfg.dim))
st.latex(r"e_t = E[\mathrm{id}_t] \in \mathbb{R}^{%d}" % cur.model.cfg.dim)
render("embedding_heatmap", cur, key="tokens")

notice(say("app.tokens.notice"))
