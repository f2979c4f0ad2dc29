"""Elements of LLaMA vs GPT, BERT and T5: the three families' masks, what each is trained to predict on the
student's prompt, and the LLaMA paper's comparison with GPT-3, Chinchilla and PaLM.

LLaMA's side is computed from the loaded model (its hooks, its logits, the training code's targets); BERT's and T5's
training examples are built from the same tokens by llama_edu.architectures. Words: llama_edu/strings/arch.yaml.
"""

from __future__ import annotations

import streamlit as st

from app.common import TOKEN_WINDOW, lang, say, show_figure, table, token_window
from app.elements import element
from llama_edu import architectures as arch
from llama_edu import papers
from llama_edu.viz import architectures as viz
from llama_edu.viz import attention as viz_attention
from llama_edu.viz.labels import number


def _sentence(cur) -> list[str]:
    """The prompt's pieces without LLaMA's BOS: BERT and T5 bring their own special tokens."""
    pieces = cur.pieces
    return pieces[1:] if cur.ids and cur.ids[0] == cur.tok.bos_id else pieces


def _piece(cur, token_id: int) -> str:
    return cur.tok.pieces([token_id])[0]  # "<id 32000>" for an id past the tokenizer (a padded output layer)


def _vocabulary(cur) -> tuple[str, ...]:
    """Every piece of the loaded tokenizer, built once per model and shared (a tuple: nobody can change it); BERT's
    random replacements are drawn from it here."""
    return cur.cached("vocabulary", compute=lambda: tuple(cur.tok.pieces(list(range(cur.tok.vocab_size)))),
                      per_prompt=False)


def _seed(key: str) -> int:
    return int(st.number_input(say("arch.seed"), min_value=0, max_value=9_999, value=0, step=1, key=f"{key}_seed",
                               help=say("arch.seed_help")))


@element("architecture_masks")
def architecture_masks(cur, key: str) -> None:
    """Causal (GPT, LLaMA), bidirectional (BERT) and encoder-decoder (T5) masks on the prompt's tokens, and a check
    on the model's own hook_pattern that LLaMA's panel is the mask it runs."""
    code = lang()
    w = token_window(cur, f"{key}_masks", TOKEN_WINDOW // 2)  # half: the encoder-decoder panel has each token twice
    labels = viz_attention.token_labels(cur.pieces)[w]
    show_figure(viz_attention.mask_comparison_figure(labels, lang=code), key=f"{key}_masks")
    _, cache = cur.capture(r"attention\.hook_pattern$")
    cfg = cur.model.cfg
    weight = arch.largest_future_weight(cache, cfg.n_layers)
    st.caption(say("arch.masks_caption"))
    st.caption(say("arch.masks_check", layers=cfg.n_layers, heads=cfg.n_heads, weight=number(weight, "g", lang=code)))


@element("next_token_objective")
def next_token_objective(cur, key: str) -> None:
    """GPT's and LLaMA's objective on the prompt: every position's next token, scored by the loaded model."""
    logits = cur.logits()
    scores = arch.score_next_tokens(logits[0], cur.ids)
    rows = viz.next_token_rows(cur.pieces, scores, lambda i: _piece(cur, i))
    table(rows, hide_index=True, key=f"{key}_table")
    st.caption(say("arch.llama_caption", n=len(rows), n_tokens=len(cur.ids),
                  loss=number(scores.mean_loss, ".3f", lang=lang())))


@element("masked_lm_objective")
def masked_lm_objective(cur, key: str) -> None:
    """BERT's objective on the prompt: 15% of the tokens picked, 80/10/10 replaced, predicted at those places only."""
    seed = _seed(key)
    tokens = ["[CLS]"] + _sentence(cur) + ["[SEP]"]
    example = arch.masked_lm(tokens, _vocabulary(cur), seed=seed, special=[0, len(tokens) - 1])
    table(viz.masked_lm_rows(example, lang=lang()), hide_index=True, key=f"{key}_table")
    st.caption(say("arch.bert_caption", picked=len(example.picked), n=len(tokens) - 2, n_llama=len(cur.ids) - 1))


@element("span_corruption_objective")
def span_corruption_objective(cur, key: str) -> None:
    """T5's objective on the prompt: spans dropped behind sentinels, the decoder writing them back, and the three
    attention masks of that encoder-decoder pair."""
    seed = _seed(key)
    sentence = _sentence(cur)
    # A long prompt: the example is built on a window of its tokens (without BOS), so the masks keep readable labels.
    sentence = sentence[token_window(cur, f"{key}_t5", n_tokens=len(sentence))]
    example = arch.span_corruption(sentence, seed=seed)
    if not example.spans:
        st.info(say("arch.t5_no_span"))
        return
    left, right = st.columns(2)
    left.markdown(say("arch.t5_encoder_reads"))
    left.code(" ".join(example.inputs), language=None, wrap_lines=True)
    right.markdown(say("arch.t5_decoder_writes"))
    right.code(" ".join(example.targets), language=None, wrap_lines=True)
    table(viz.span_rows(example), hide_index=True, key=f"{key}_spans")
    restored = arch.fill_spans(example.inputs, example.targets) == sentence
    st.caption(say("arch.t5_caption", dropped=sum(end - start for start, end in example.spans), n=len(sentence),
                  spans=len(example.spans), check=say("arch.check_ok" if restored else "arch.check_failed")))
    show_figure(viz.t5_masks_figure(example.inputs, example.decoder_inputs, lang=lang()), key=f"{key}_masks")
    st.caption(say("arch.t5_masks_caption", n_enc=len(example.inputs), n_dec=len(example.decoder_inputs)))


@element("llama_benchmarks")
def llama_benchmarks(cur, key: str) -> None:
    """The LLaMA paper's Table 3 rows for GPT-3, Chinchilla, PaLM and LLaMA 13B / 65B, with its source, and which
    model scores higher, computed from the numbers."""
    code = lang()
    table(viz.benchmark_rows(papers.LLAMA_TABLE_3), hide_index=True, key=f"{key}_table")
    st.caption(viz.source_line(papers.LLAMA_TABLE_3_SOURCE, lang=code))
    for model, other in papers.HEADLINE_PAIRS:
        st.markdown("- " + viz.comparison_sentence(papers.compare(model, other), lang=code))
    llama, chinchilla = papers.benchmark_row("LLaMA 65B"), papers.benchmark_row("Chinchilla 70B")
    st.caption(say("arch.text_vs_table", llama=number(llama["BoolQ"], ".1f", lang=code),
                  chinchilla=number(chinchilla["BoolQ"], ".1f", lang=code)))


@element("gqa_paper_table")
def gqa_paper_table(cur, key: str) -> None:
    """GQA's Table 1 (the numbers the GQA page and lesson 8 show), with its source."""
    code = lang()
    table(viz.gqa_rows(), hide_index=True, key=f"{key}_table")
    st.caption(viz.source_line(papers.GQA_TABLE_1_SOURCE, lang=code))
