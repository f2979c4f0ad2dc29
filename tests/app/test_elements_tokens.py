"""Token elements alone on a screen, each drawn twice with two keys: no exception, no shared widget state."""


import numpy as np
import pytest
from apphelpers import assert_no_exception, figures, open_elements, spec_array, widget_keys

import llama_edu as le


@pytest.mark.parametrize("name", ["token_chips", "byte_fallback", "embedding_heatmap"])
def test_element_draws_twice_on_one_screen(name):
    at = open_elements("tokens", name)
    assert_no_exception(at)
    assert all(k.startswith(("first_", "second_")) for k in widget_keys(at)), widget_keys(at)


def test_two_byte_fallback_boxes_keep_their_own_text():
    at = open_elements("tokens", "byte_fallback")
    at.text_input(key="second_example").set_value("é").run()
    assert_no_exception(at)
    assert [c.value for c in at.code] == ["🦙", "é"]


def test_embedding_heatmap_copies_show_the_prompts_rows_of_the_embedding_matrix():
    at = open_elements("tokens", "embedding_heatmap")
    assert_no_exception(at)
    charts = figures(at)
    assert len(charts) == 6  # heatmap, lengths, cosine similarity: twice
    tok, model = le.load_tokenizer(le.TINY_MODEL_DIR), le.load_model(le.TINY_MODEL_DIR)
    rows = model.tok_embeddings.weight[tok.encode("The cat sat on the mat")].detach().numpy()  # [T, D]
    for heatmap, lengths in (charts[0:2], charts[3:5]):
        np.testing.assert_allclose(spec_array(heatmap["data"][0]["z"]), rows, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(spec_array(lengths["data"][0]["y"]), np.linalg.norm(rows, axis=-1), rtol=1e-5)
