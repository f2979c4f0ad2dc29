"""Tokens page: chips, byte fallback, embeddings from hook_embed; survives every edge prompt."""

import json

import numpy as np
from apphelpers import spec_array, assert_no_exception, open_page

import llama_edu as le

PAGE = "views/tokens.py"


def test_tokens_page_shows_the_prompts_embeddings():
    at = open_page(PAGE)
    assert_no_exception(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    heatmap = json.loads(charts[0].proto.spec)["data"][0]
    tok, model = le.load_tokenizer(le.TINY_MODEL_DIR), le.load_model(le.TINY_MODEL_DIR)
    ids = tok.encode("The cat sat on the mat")
    assert heatmap["y"][0] == "0:&lt;s&gt;" and len(heatmap["y"]) == len(ids)
    expected = model.tok_embeddings.weight[ids].detach().numpy()
    np.testing.assert_allclose(spec_array(heatmap["z"]), expected, rtol=1e-5, atol=1e-6)


def test_example_box_shows_bytes_of_a_typed_character():
    at = open_page(PAGE)
    at.text_input(key="tokens_example").set_value("é🦙").run()
    assert_no_exception(at)
    tables = [str(df.value) for df in at.dataframe]
    assert any("F0 9F A6 99" in t and "C3 A9" in t for t in tables)
    assert any("the same text" in md.value for md in at.markdown)
    assert at.code[0].value == "é🦙"


def test_prompt_with_emoji_lists_its_byte_run():
    at = open_page(PAGE, prompt="I like 🦙")
    assert_no_exception(at)
    assert any("🦙" in str(df.value) and "F0 9F A6 99" in str(df.value) for df in at.dataframe)


def test_one_token_prompt():
    at = open_page(PAGE, prompt="a")
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 3


def test_tokens_page_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
