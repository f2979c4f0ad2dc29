"""Figures and tables of LLaMA vs GPT, BERT and T5 (llama_edu.viz.architectures), in English and German."""

import inspect

import numpy as np
import pytest

from llama_edu import architectures as arch
from llama_edu import i18n, papers
from llama_edu.viz import architectures as viz

SENTENCE = ["▁The", "▁cat", "▁sat", "▁on", "▁the", "▁mat"]


def _z(trace) -> np.ndarray:
    return np.array(trace.z, dtype=float)


def test_t5_figure_draws_three_panels_with_their_own_shapes():
    example = arch.span_corruption(SENTENCE, seed=0)
    fig = viz.t5_masks_figure(example.inputs, example.decoder_inputs)
    enc, dec = len(example.inputs), len(example.decoder_inputs)
    assert [_z(trace).shape for trace in fig.data] == [(enc, enc), (dec, enc), (dec, dec)]
    encoder, cross, decoder = (_z(trace) for trace in fig.data)
    assert encoder.all() and cross.all()  # 1 = allowed everywhere
    assert np.array_equal(decoder, np.tril(np.ones((dec, dec))))  # causal, diagonal included
    assert fig.data[1].y[0].endswith("&lt;pad&gt;") and "&lt;extra_id_0&gt;" in " ".join(fig.data[1].x)


def test_t5_figure_in_german_has_the_same_numbers_and_other_words():
    en, de = viz.t5_masks_figure(SENTENCE, SENTENCE[:3]), viz.t5_masks_figure(SENTENCE, SENTENCE[:3], lang="de")
    assert [_z(t).tolist() for t in en.data] == [_z(t).tolist() for t in de.data]
    titles = lambda fig: [a.text for a in fig.layout.annotations] + [fig.layout.title.text]  # noqa: E731
    assert "Encoder-Self-Attention: bidirektional" in titles(de) and not set(titles(en)) & set(titles(de))
    cross = (de.layout.xaxis2.title.text, de.layout.yaxis2.title.text)  # the cross-attention panel, bottom left
    assert cross == ("Key: Encoder-Position", "Query: Decoder-Position")
    assert "Query" in de.data[0].hovertemplate  # the shared mask cells speak German too


def test_masked_lm_rows_say_what_happened_to_each_token():
    tokens = ["[CLS]"] + SENTENCE + ["[SEP]"]
    example = arch.masked_lm(tokens, ["▁dog"], seed=0, special=[0, 7])
    rows = viz.masked_lm_rows(example)
    picked = example.picked[0]
    assert rows[picked]["target"] == tokens[picked] and rows[picked]["reads"] == example.inputs[picked]
    assert [r["picked"] for i, r in enumerate(rows) if i != picked] == ["no"] * 7
    german = viz.masked_lm_rows(example, lang="de")
    assert list(german[0]) == list(rows[0]) == ["position", "token", "picked", "reads", "target"]  # keys, not words
    assert [r["picked"] for i, r in enumerate(german) if i != picked] == ["nein"] * 7


def test_span_rows_list_each_sentinel_with_the_tokens_it_hides():
    example = arch.span_corruption([f"t{i}" for i in range(40)], seed=2)
    rows = viz.span_rows(example)
    assert [r["sentinel"] for r in rows] == [arch.sentinel(k) for k in range(len(example.spans))]
    for row, (start, end) in zip(rows, example.spans):
        assert row["hidden"] == " ".join(f"t{i}" for i in range(start, end))


def test_next_token_rows_pair_each_position_with_the_token_after_it():
    scores = arch.NextTokenScores(targets=[5, 6], probabilities=[0.5, 0.25], losses=[0.693, 1.386], top_ids=[5, 9])
    rows = viz.next_token_rows(["<s>", "a", "b"], scores, lambda i: f"#{i}")
    assert [(r["reads"], r["target"], r["top_guess"]) for r in rows] == [("<s>", "#5", "#5"), ("a", "#6", "#9")]
    assert (rows[1]["p_target"], rows[1]["loss"]) == (0.25, 1.386)  # the scores' own numbers, unrounded


def test_benchmark_rows_keep_the_papers_numbers_and_leave_unreported_cells_empty():
    rows = viz.benchmark_rows(papers.LLAMA_TABLE_3)
    assert rows[0]["model"] == "GPT-3" and rows[0]["parameters"] == "175B" and rows[0]["siqa"] == viz.NOT_REPORTED
    for name in papers.COMMON_SENSE_BENCHMARKS:  # every reported score as the paper gives it, a dash for the others
        assert [r[viz.BENCHMARK_COLUMNS[name]] for r in rows] == [
            viz.NOT_REPORTED if r[name] is None else r[name] for r in papers.LLAMA_TABLE_3]
    assert rows[2]["boolq"] == 88.0 and viz.BENCHMARK_COLUMNS["ARC-e"] == "arc_e"
    assert viz.gqa_rows() == [{"model": r["model"], "inference_time_s": r["inference time (s)"],
                               "average_score": r["average score"]} for r in papers.GQA_TABLE_1]


def test_sources_and_comparisons_in_both_languages():
    assert viz.source_line(papers.LLAMA_TABLE_3_SOURCE) == (
        "Source: Touvron et al. (2023), “LLaMA: Open and Efficient Foundation Language Models”, arXiv:2302.13971, "
        "Table 3.")
    assert viz.source_line(papers.GQA_TABLE_1_SOURCE, lang="de").startswith("Quelle: Ainslie et al. (2023), „GQA")
    assert viz.source_line(papers.GQA_TABLE_1_SOURCE, lang="de").endswith("arXiv:2305.13245, Tabelle 1.")
    sentence = viz.comparison_sentence(papers.compare("LLaMA 13B", "GPT-3 175B"))
    assert sentence == ("LLaMA 13B scores higher than GPT-3 175B on 5 of the 7 benchmarks both report "
                        "(lower on PIQA, OBQA).")
    german = viz.comparison_sentence(papers.compare("LLaMA 65B", "Chinchilla 70B"), lang="de")
    assert german == "LLaMA 65B erzielt höhere Werte als Chinchilla 70B in 5 der 5 Benchmarks, die beide berichten, " \
                     "und in keinem niedrigere."


def test_every_public_function_that_writes_words_takes_lang_and_every_arch_string_has_both_languages():
    # Rows of data only (pieces, sentinels, the papers' numbers) under column keys: app/text.py's table() names the
    # columns and formats the numbers for the language.
    wordless_rows = {"next_token_rows", "span_rows", "benchmark_rows", "gqa_rows"}
    for name, fn in inspect.getmembers(viz, inspect.isfunction):
        if fn.__module__ != viz.__name__ or name.startswith("_") or name in wordless_rows:
            continue
        params = inspect.signature(fn).parameters
        assert "lang" in params and params["lang"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["lang"].default == "en", name
    assert not [p for p in i18n.problems() if p.startswith("arch.")]
    arch_keys = [k for k in i18n.strings() if k.startswith("arch.")]
    assert arch_keys and all(i18n.strings()[k]["en"] != i18n.strings()[k]["de"] for k in arch_keys)


@pytest.mark.parametrize("lang, words", [("en", "en"), ("de", "de"), ("xx", "en")])
def test_t5_figure_draws_t5_attention_masks_in_any_language_and_english_words_for_an_unknown_one(lang, words):
    """Each panel is arch.t5_attention_masks for these lengths (1 = may attend); a hand-edited ?lang=xx gets English."""
    encoder, decoder = SENTENCE, SENTENCE[:4]
    fig = viz.t5_masks_figure(encoder, decoder, lang=lang)
    masks = arch.t5_attention_masks(len(encoder), len(decoder))
    assert len(fig.data) == len(viz.T5_PANELS)
    for trace, panel in zip(fig.data, viz.T5_PANELS):
        np.testing.assert_array_equal(_z(trace), np.isfinite(masks[panel].numpy()).astype(float), err_msg=panel)
    assert fig.layout.title.text == i18n.t("arch.viz.t5.title", words)
    assert [a.text for a in fig.layout.annotations] == [i18n.t(f"arch.viz.t5.{key}", words)
                                                         for key in ("encoder_self", "cross", "decoder_self")]
