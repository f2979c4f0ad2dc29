"""Tokenizers compared: the tiny model's SentencePiece (byte fallback, LLaMA 1 and 2's kind) beside a small byte-level
BPE trained here the way Llama 3's is built and read by the project's Llama 3 loader. The prompt's pieces under both,
numbers, characters without a piece, English against German, characters per token as the vocabulary grows, and what
the vocabulary matrices cost each preset."""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from llama_edu import quantise, tokenizer
from llama_edu import tokenizers_compared as tc
from llama_edu.viz import tokenizers_compared as viz
from llama_edu.viz.tokens import token_chips_html

# Text for the tokenizers, the same in every language (what each becomes is computed live).
NUMBERS_EXAMPLE = "In 2024, 1234567 llamas paid 3.50 each."
UNKNOWN_EXAMPLE = "🦙 € Ü 中 ä"
# Parallel sentences, English and German, written for this lesson: everyday words both languages share.
PAIRS = [("The cat sat on the mat.", "Die Katze saß auf der Matte."),
         ("Yesterday the children played in the garden.", "Gestern spielten die Kinder im Garten."),
         ("Why is the sky blue?", "Warum ist der Himmel blau?"),
         ("The train to Munich leaves at 6:45.", "Der Zug nach München fährt um 6:45 ab."),
         ("My grandmother bakes bread every Sunday.", "Meine Großmutter backt jeden Sonntag Brot.")]
COST_PRESETS = ["llama-7b", "llama-2-7b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b", "tiny"]


def tiny_tokenizer():
    """The shipped tiny model's SentencePiece tokenizer: what this lesson compares, whichever model is loaded."""
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def _tokenizers() -> dict[str, le.Tokenizer]:
    """{name in the language: tokenizer}: the tiny model's SentencePiece and the small Llama-3-style one."""
    with st.spinner(say("tokenizers_compared.training")):
        byte_level = tc.llama3_style_tokenizer()  # trained once per server process (under a second)
    return {plain("tokenizers_compared.sentencepiece"): tiny_tokenizer(),
            plain("tokenizers_compared.byte_level"): byte_level}


def _chips(tok, text: str, where=st) -> tc.Tokenized:
    """The text's pieces (no BOS) as chips, with their ids."""
    tokenized = tc.tokenize(tok, text)
    where.html(token_chips_html(tokenizer.token_rows(tok, tokenized.ids), lang=lang()))
    return tokenized


def _side_by_side(text: str, key: str) -> dict[str, tc.Tokenized]:
    out = {}
    for column, (name, tok) in zip(st.columns(2), _tokenizers().items()):
        column.markdown(f"**{name}**")  # the names are this project's words (strings), not typed text
        out[name] = _chips(tok, text, column)
        column.caption(say("tokenizers_compared.count", n=out[name].n_tokens, bytes=out[name].byte_pieces))
    return out


@element("tokenizers_side_by_side")
def tokenizers_side_by_side(cur, key: str) -> None:
    """The prompt under both tokenizers, as chips with ids, and how the byte-level one was made."""
    _side_by_side(cur.prompt.text, key)
    st.caption(say("tokenizers_compared.made", pieces=tc.LLAMA3_STYLE_PIECES, texts=tc.TRAINING_TEXTS,
                   special=tc.llama3_style_tokenizer().vocab_size - tc.LLAMA3_STYLE_PIECES))


@element("tokenizers_numbers")
def tokenizers_numbers(cur, key: str) -> None:
    """Typed text with numbers: the chunks Llama 3's split pattern cuts it into, then both tokenizers' pieces."""
    text = st.text_input(say("tokenizers_compared.try_text"), value=NUMBERS_EXAMPLE, max_chars=80, key=f"{key}_text")
    if not text:
        return
    chunks = tc.llama3_split(text)
    st.markdown(say("tokenizers_compared.numbers.split", chunks=" | ".join(c.replace(" ", tokenizer.WORD_START)
                                                                          for c in chunks)))
    _side_by_side(text, key)


@element("tokenizers_bytes")
def tokenizers_bytes(cur, key: str) -> None:
    """Typed characters (an emoji, a euro sign, a capital umlaut, a Chinese character by default) under both:
    byte fallback's <0x..> pieces against byte-level pieces, each character with its UTF-8 bytes."""
    text = st.text_input(say("tokenizers_compared.try_text"), value=UNKNOWN_EXAMPLE, max_chars=40, key=f"{key}_text")
    if not text:
        return
    spelled = ", ".join(f"{c['character']} → {c['utf_8_bytes']}" for c in tokenizer.utf8_bytes(text)
                        if c["character"] != " ")
    st.markdown(say("tokenizers_compared.bytes.spelled", spelled=spelled))
    _side_by_side(text, key)


@element("tokenizers_languages")
def tokenizers_languages(cur, key: str) -> None:
    """Tokens of five English sentences and their German translations under both tokenizers."""
    tokenizers = _tokenizers()
    counts = {name: [(len(tok.encode(en, bos=False)), len(tok.encode(de, bos=False))) for en, de in PAIRS]
              for name, tok in tokenizers.items()}
    show_figure(viz.languages_figure(counts, lang=lang()), key=f"{key}_figure")
    pairs = "\n".join(f"{i + 1}. {en} / {de}" for i, (en, de) in enumerate(PAIRS))
    ratios = "; ".join(plain("tokenizers_compared.languages.ratio", name=name, ratio=tc.token_ratio(tok, PAIRS))
                       for name, tok in tokenizers.items())
    st.caption(say("tokenizers_compared.languages.caption", ratios=ratios))
    with st.expander(say("tokenizers_compared.languages.pairs")):
        st.text(pairs)


@element("tokenizers_vocabulary_sweep")
def tokenizers_vocabulary_sweep(cur, key: str) -> None:
    """Characters per token on the held-out texts as the byte-level BPE grows from the 256 bytes to 4,096 pieces,
    with the SentencePiece tokenizer's 4,096 beside it."""
    texts = quantise.heldout_texts()
    with st.spinner(say("tokenizers_compared.training")):
        byte_level = {n: tc.characters_per_token(tc.llama3_style_tokenizer(n), texts) for n in tc.VOCABULARY_SIZES}
    sp = tiny_tokenizer()
    sentencepiece = (sp.vocab_size, tc.characters_per_token(sp, texts))
    show_figure(viz.vocabulary_sweep_figure(byte_level, sentencepiece, lang=lang()), key=f"{key}_figure")
    st.caption(say("tokenizers_compared.sweep.caption", texts=len(texts), smallest=byte_level[256],
                   largest=byte_level[tc.LLAMA3_STYLE_PIECES], pieces=tc.LLAMA3_STYLE_PIECES,
                   sentencepiece=sentencepiece[1]))


@element("vocabulary_cost")
def vocabulary_cost(cur, key: str) -> None:
    """The embedding table and output layer of a chosen preset in parameters, bytes and share, and the share for
    every family's models side by side."""
    name = st.selectbox(say("tokenizers_compared.cost.model"), list(le.PRESETS), index=list(le.PRESETS).index(
        "llama-3-8b"), key=f"{key}_model")
    cost = tc.vocabulary_cost(le.PRESETS[name])
    st.markdown(say("tokenizers_compared.cost.result", name=name, vocab=cost.vocab_size, dim=cost.dim,
                    per_matrix=cost.per_matrix, gb=cost.matrix_bytes() / 1e9, matrices=cost.matrices,
                    share=cost.share, gflops=cost.output_flops_per_token / 1e9))
    costs = {n: tc.vocabulary_cost(le.PRESETS[n]) for n in COST_PRESETS}
    show_figure(viz.vocabulary_cost_figure(costs, lang=lang()), key=f"{key}_figure")
