"""Live elements for tokens and embeddings: the prompt's pieces, byte fallback, the embedding vectors."""

from __future__ import annotations

import streamlit as st

from app.common import lang, say, table
from app.elements import element
from llama_edu import tokenizer
from llama_edu.viz import tokens as viz


def _in_words(rows: list[dict]) -> list[dict]:
    """token_rows for the table: each kind, and the "byte 0xF0" text of byte tokens, in the reader's language (the
    rows themselves keep llama_edu.tokenizer.token_kind's names: the chips look their colours up by them)."""
    code = lang()
    byte = viz.kind_name("byte", lang=code)
    return [{**row, "kind": viz.kind_name(row["kind"], lang=code),
             "text": byte + row["text"].removeprefix("byte") if row["kind"] == "byte" else row["text"]}
            for row in rows]


@element("token_chips")
def token_chips(cur, key: str) -> None:
    """The prompt's pieces as chips with their ids, and the same as a table."""
    rows = tokenizer.token_rows(cur.tok, cur.ids)
    st.html(viz.token_chips_html(rows, lang=lang()))
    st.caption(say("app.tokens.chips_caption", n=len(rows)))
    with st.expander(say("app.tokens.as_table")):
        table(_in_words(rows), hide_index=True, key=f"{key}_table")


@element("byte_fallback")
def byte_fallback(cur, key: str) -> None:
    """Typed text (an emoji by default) split into UTF-8 byte tokens and decoded back; byte runs in the prompt."""
    text = st.text_input(say("app.tokens.try_text"), value="🦙", key=f"{key}_example", max_chars=40)
    if text:
        example = tokenizer.byte_fallback_example(cur.tok, text)
        left, right = st.columns(2)
        table(example["characters"], where=left, hide_index=True, key=f"{key}_bytes")
        right.html(viz.token_chips_html(example["rows"], lang=lang()))
        right.markdown(say("app.tokens.decode_same" if example["same"] else "app.tokens.decode_different"))
        right.code(example["decoded"], language=None)
    groups = tokenizer.byte_fallback_groups(cur.tok, cur.ids)
    if groups:
        st.markdown(say("app.tokens.byte_runs"))
        table(groups, hide_index=True, key=f"{key}_prompt_bytes")


@element("embedding_heatmap")
def embedding_heatmap(cur, key: str) -> None:
    """The prompt's embedding vectors (hook_embed), their lengths and their cosine similarities."""
    _, cache = cur.capture()
    embed = cache["hook_embed"][0]  # [T, D]
    st.plotly_chart(viz.embedding_heatmap(embed, cur.pieces, lang=lang()), width="stretch", key=f"{key}_heatmap")
    left, right = st.columns(2)
    left.plotly_chart(viz.embedding_norms_bar(embed, cur.pieces, lang=lang()), width="stretch", key=f"{key}_norms")
    right.plotly_chart(viz.cosine_similarity_heatmap(embed, cur.pieces, lang=lang()), width="stretch",
                       key=f"{key}_cosine")
