"""LLaMA vs GPT, BERT and T5 page: renders on the default and every edge prompt, its tables name their sources, LLaMA's
row comes from the model, it speaks German, and its elements can appear twice on one screen (lesson 14)."""

import numpy as np
import pytest
from apphelpers import assert_no_exception, figures, open_elements, open_page, spec_array

import llama_edu as le
from llama_edu import architectures as arch
from llama_edu import papers

PAGE = "views/architectures.py"
ELEMENTS = {  # element -> (plotly charts, dataframes) one copy draws
    "architecture_masks": (1, 0),
    "next_token_objective": (0, 1),
    "masked_lm_objective": (0, 1),
    "span_corruption_objective": (1, 1),
    "llama_benchmarks": (0, 1),
    "gqa_paper_table": (0, 1),
}


@pytest.fixture(scope="module")
def default_page():
    return open_page(PAGE)


def test_page_renders_every_mask_and_table(default_page):
    at = default_page
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2  # the three families' masks; T5's three sublayers
    assert len(at.dataframe) == 5  # LLaMA, BERT, T5 spans, LLaMA paper, GQA paper
    assert any("largest attention weight that lands on a later token is 0." in c.value for c in at.caption)
    T = len(le.load_tokenizer(le.TINY_MODEL_DIR).encode("The cat sat on the mat"))
    masks = figures(at)[0]["data"]  # decoder-only, encoder-only, encoder-decoder
    allowed = lambda mask: np.isfinite(mask.numpy()).astype(int)  # noqa: E731
    np.testing.assert_array_equal(spec_array(masks[0]["z"]), allowed(le.model.causal_mask(T, T)))  # what LLaMA adds
    np.testing.assert_array_equal(spec_array(masks[1]["z"]), np.ones((T, T), dtype=int))
    t5 = arch.t5_attention_masks(T, T)  # T5's three sublayers, as blocks of one who-reads-whom matrix
    np.testing.assert_array_equal(spec_array(masks[2]["z"]), np.block([
        [allowed(t5["encoder self-attention"]), np.zeros((T, T), dtype=int)],
        [allowed(t5["cross-attention"]), allowed(t5["decoder self-attention"])]]))


def test_each_paper_table_is_followed_by_its_source(default_page):
    captions = [c.value for c in default_page.caption]
    for source in (papers.LLAMA_TABLE_3_SOURCE, papers.GQA_TABLE_1_SOURCE):
        assert any(f"arXiv:{source.arxiv}, Table {source.table}." in c and source.authors in c for c in captions)
    tables = [df.value for df in default_page.dataframe]
    assert any(list(t["BoolQ"]) == [f"{r['BoolQ']:.1f}" for r in papers.LLAMA_TABLE_3]  # one decimal, as printed
               for t in tables if "BoolQ" in t)


def test_llama_targets_are_the_prompt_shifted_by_one(default_page):
    tok = le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode("The cat sat on the mat")
    table = default_page.dataframe[0].value
    assert list(table["model reads"]) == tok.pieces(ids[:-1])
    assert list(table["must predict"]) == tok.pieces(ids[1:])


def test_page_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)


def test_one_token_sentence_explains_why_t5_has_nothing_to_cut():
    at = open_page(PAGE, prompt="a")
    assert_no_exception(at)
    assert any("nothing to cut out" in i.value for i in at.info)


def test_page_speaks_german():
    at = open_page(PAGE, lang="de")
    assert_no_exception(at)
    assert at.title[0].value == "LLaMA im Vergleich mit GPT, BERT und T5"
    assert any("Tabelle 3." in c.value and c.value.startswith("Quelle:") for c in at.caption)
    assert any("Modell liest" in df.value.columns for df in at.dataframe)


def test_a_new_draw_changes_bert_and_t5_but_not_llama():
    at = open_page(PAGE, prompt="The little dog ran to the big red barn and sat down under a tree")
    before = [df.value.to_json() for df in at.dataframe]
    at.number_input(key="arch_bert_seed").set_value(5).run()
    at.number_input(key="arch_t5_seed").set_value(5).run()
    assert_no_exception(at)
    after = [df.value.to_json() for df in at.dataframe]
    assert after[0] == before[0] and after[1] != before[1] and after[2] != before[2]


@pytest.mark.parametrize("name", list(ELEMENTS))
def test_element_renders_twice_on_one_screen(name):
    at = open_elements("architectures", name)
    assert_no_exception(at)
    charts, tables = ELEMENTS[name]
    assert len(at.get("plotly_chart")) == 2 * charts
    assert len(at.dataframe) == 2 * tables
