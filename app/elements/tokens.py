"""Live elements for tokens and embeddings: the prompt's pieces, why each word is one piece, several pieces or bytes,
byte fallback, the embedding vectors."""

from __future__ import annotations

import streamlit as st

from app.common import lang, plain, say, show_figure, table, token_window, use_prompt
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


# Prompts to try, the same in every language (they are text for the tokenizer, not UI words): common words, names
# and letters from other languages, rare words, numbers and symbols. What each becomes is computed live.
WORD_EXAMPLES = ["The cat sat on the mat", "Jürgen aß 3 Äpfel 🦙", "Astronomers photographed nebulae",
                 "Zoë paid 1,250 € in 2024", "Łukasz ❤️ Kraków"]
# Characters whose pieces the element checks live: digits, German letters, and two symbols.
CHECKED_CHARACTERS = ["0123456789", "äöüßÄÖÜ", "€🦙"]
_WHY = {tokenizer.ONE_PIECE: "app.tokens.why_one_piece", tokenizer.SEVERAL_PIECES: "app.tokens.why_several_pieces",
        tokenizer.BYTES: "app.tokens.why_bytes"}


def _visible(text: str) -> str:
    """A word or character as a table cell shows it: a newline or tab as a sign, other invisible ones as U+XXXX."""
    return "".join({"\n": "↵", "\t": "⇥"}.get(ch) or (ch if ch.isprintable() else f"U+{ord(ch):04X}") for ch in text)


def _spelled(characters: list[dict]) -> str:
    """ "ü → C3 BC, 🦙 → F0 9F A6 99": each character spelled as bytes once, with its bytes."""
    seen = {c["character"]: c["bytes"] for c in characters}
    return ", ".join(f"{_visible(ch)} → {raw}" for ch, raw in seen.items())


@element("word_pieces")
def word_pieces_why(cur, key: str) -> None:
    """Example prompts to try; each word of the prompt with its pieces and why it is one piece, several or bytes;
    and whether this tokenizer has pieces for digits, German letters and symbols."""
    st.markdown(say("app.tokens.words_try"))
    for column, (i, example) in zip(st.columns(len(WORD_EXAMPLES)), enumerate(WORD_EXAMPLES)):
        column.button(example, key=f"{key}_word_example_{i}", on_click=use_prompt, args=(example,), width="stretch")
    words = tokenizer.word_pieces(cur.tok, cur.ids)
    counts = {why: sum(w["why"] == why for w in words) for why in _WHY}
    st.markdown(say("app.tokens.words_summary", words=len(words), one=counts[tokenizer.ONE_PIECE],
                    several=counts[tokenizer.SEVERAL_PIECES], bytes=counts[tokenizer.BYTES]))
    rows = [{"word": _visible(w["word"]), "pieces": " · ".join(w["pieces"]), "n_pieces": len(w["pieces"]),
             "characters_as_bytes": _spelled(w["byte_characters"]), "why": plain(_WHY[w["why"]])} for w in words]
    if rows:
        table(rows, hide_index=True, key=f"{key}_word_pieces")
    in_bytes = [c for w in words for c in w["byte_characters"]]
    if in_bytes:
        st.caption(say("app.tokens.words_bytes_for", characters=_spelled(in_bytes)))
    lines = []
    for characters in CHECKED_CHARACTERS:
        missing = tokenizer.characters_without_piece(cur.tok, characters)
        having = [ch for ch in characters if ch not in missing]
        if having:
            lines.append(say("app.tokens.piece_yes", characters=" ".join(having)))
        if missing:
            lines.append(say("app.tokens.piece_no", characters=" ".join(missing)))
    st.markdown(say("app.tokens.piece_check") + "\n\n" + "\n".join(f"- {line}" for line in lines))


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
    _, cache = cur.capture(r"^hook_embed$")
    w = token_window(cur, f"{key}_embedding")  # one window for the three figures
    embed, pieces = cache["hook_embed"][0, w], cur.pieces[w]  # [W, D]
    show_figure(viz.embedding_heatmap(embed, pieces, first=w.start, lang=lang()), key=f"{key}_heatmap")
    left, right = st.columns(2)
    show_figure(viz.embedding_norms_bar(embed, pieces, first=w.start, lang=lang()), key=f"{key}_norms", where=left)
    show_figure(viz.cosine_similarity_heatmap(embed, pieces, first=w.start, lang=lang()),
                key=f"{key}_cosine", where=right)
