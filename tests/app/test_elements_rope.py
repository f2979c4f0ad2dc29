"""RoPE elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""


import torch
from apphelpers import assert_no_exception, figures, open_elements, spec_array
from streamlit.testing.v1 import AppTest

import llama_edu as le
from llama_edu.checkpoints import hf_to_meta_qk, meta_to_hf_qk


def render_twice(name: str) -> AppTest:
    at = open_elements("rope", name)
    assert_no_exception(at)
    return at


def test_rope_rotation_twice_with_independent_pickers():
    at = render_twice("rope_rotation")
    assert len(at.get("plotly_chart")) == 4  # arrows and walk, twice
    at.slider(key="first_pair").set_value(3).run()
    assert_no_exception(at)
    assert at.slider(key="second_pair").value == 0
    first_walk, second_walk = figures(at)[1], figures(at)[3]
    assert first_walk["layout"]["title"]["text"].startswith("pair 3")
    assert second_walk["layout"]["title"]["text"].startswith("pair 0")


def test_rope_frequencies_twice():
    at = render_twice("rope_frequencies")
    at.radio(key="first_freq_hd").set_value(128).run()
    assert_no_exception(at)
    head_dim = le.read_config(le.TINY_MODEL_DIR).head_dim
    assert [len(fig["data"][0]["x"]) for fig in figures(at)] == [128 // 2, head_dim // 2]  # one point per pair


def test_rope_relative_twice():
    at = render_twice("rope_relative")
    assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="second_qk_head").set_value(1).run()
    assert_no_exception(at)
    assert at.selectbox(key="first_qk_head").value == 0


def test_rope_pair_order_twice_shows_metas_rows_in_hugging_faces_order():
    at = render_twice("rope_pair_order")
    assert len(at.get("plotly_chart")) == 2 and len(at.dataframe) == 2
    head_dim = le.read_config(le.TINY_MODEL_DIR).head_dim
    half = head_dim // 2
    meta_rows = torch.arange(head_dim, dtype=torch.float32)[:, None]  # each row holds its own index
    hf_rows = [int(r) for r in hf_to_meta_qk(meta_to_hf_qk(meta_rows, n_heads=1), n_heads=1)[:, 0]]
    assert hf_rows == list(range(head_dim))  # the checkpoint conversion round-trips
    for fig in figures(at):
        meta, hf = fig["data"][0]["text"]  # which Meta row sits in each row of the layout
        assert [int(r) for r in meta] == list(range(head_dim))
        assert [int(r) for r in hf] == [int(r) for r in meta_to_hf_qk(meta_rows, n_heads=1)[:, 0]]
        pairs = spec_array(fig["data"][0]["z"])  # [2, hd]: the rotation pair of each row
        assert list(pairs[0]) == [r // 2 for r in range(head_dim)]
        assert list(pairs[1][:half]) == list(pairs[1][half:]) == list(range(half))  # HF turns row i with i + hd/2
