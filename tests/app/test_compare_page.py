"""Two prompts side by side, and patching: the page renders in English and German, in presenter mode, shows the
library's numbers (llama_edu.patching on the shipped model, computed here as the reference), explains why a pair of
different lengths cannot be patched, and its elements can be drawn twice on one screen."""

import numpy as np
import plotly.io
import pytest
from apphelpers import assert_no_exception, open_elements, open_page, shown, spec_array

import llama_edu as le
from llama_edu import patching

PAGE = "views/compare.py"
CLEAN, CORRUPT = "The cat sat on the mat", "The dog sat on the mat"
ELEMENTS = ["compare_pair", "compare_next_token", "compare_residual", "compare_attention", "patching_layers",
            "patching_heads", "compare_notice"]


@pytest.fixture(scope="module")
def tiny():
    """The shipped model, the default pair's ids, and the library's maps of it: the reference for the page."""
    model, tok = le.load_model(le.TINY_MODEL_DIR, dtype="float32"), le.load_tokenizer(le.TINY_MODEL_DIR)
    clean, corrupt = tok.encode(CLEAN), tok.encode(CORRUPT)
    return {"model": model, "tok": tok, "clean": clean, "corrupt": corrupt,
            "resid_pre": patching.patch_layers(model, clean, corrupt),
            "attn_out": patching.patch_layers(model, clean, corrupt, site="attn_out"),
            "heads": patching.patch_heads(model, clean, corrupt),
            "comparison": patching.compare_runs(model, clean, corrupt)}


def chart(at, title_part: str):
    for spec in at.get("plotly_chart"):
        fig = plotly.io.from_json(spec.proto.spec)
        if title_part in (fig.layout.title.text or ""):
            return fig
    raise AssertionError(f"no chart titled with {title_part!r}")


def captions(at) -> str:
    return "\n".join(shown(c.value) for c in at.caption)


def test_the_default_pair_shows_the_librarys_maps_and_numbers(tiny):
    at = open_page(PAGE)
    assert_no_exception(at)
    assert at.title[0].value == "Two prompts side by side"
    assert at.text_input(key="compare_second").value == CORRUPT  # one word of the prompt changed
    assert len(at.get("plotly_chart")) == 6  # next token, residual stream, attention pair, heads moved, two maps

    layers = chart(at, "patching one position: residual stream").data[0]
    np.testing.assert_allclose(spec_array(layers.z), tiny["resid_pre"].effect.numpy(), rtol=1e-4, atol=1e-4)
    assert list(layers.x)[2] == "2:▁cat→▁dog"
    heads = chart(at, "patching one head").data[0]
    np.testing.assert_allclose(spec_array(heads.z), tiny["heads"].effect.numpy(), rtol=1e-4, atol=1e-4)
    residual = chart(at, "residual stream moved").data[0]
    np.testing.assert_allclose(spec_array(residual.z), tiny["comparison"].relative_difference.numpy(), rtol=1e-4,
                               atol=1e-5)

    metric = tiny["resid_pre"].metric
    text = captions(at)
    assert "clean “.”, corrupted “,”" in text
    assert f"{metric.clean:.3f} in the clean run, {metric.corrupt:.3f} in the corrupted run" in text
    layer, head, value = tiny["heads"].strongest()
    assert f"layer {layer}, head {head} ({value:.2f})" in text and (layer, head) == (4, 4)
    assert "entering layer 5 it sits at “▁mat”" in shown(at.info[-1].value)  # the notice, measured


def test_the_page_in_german_writes_numbers_the_german_way(tiny):
    at = open_page(PAGE, lang="de")
    assert_no_exception(at)
    assert at.title[0].value == "Zwei Prompts im Vergleich"
    assert len(at.get("plotly_chart")) == 6
    metric = tiny["resid_pre"].metric
    assert f"{metric.clean:.3f} im sauberen Lauf".replace(".", ",") in captions(at)
    assert chart(at, "Wiederhergestellter Anteil beim Patchen der Ausgabe eines Heads").layout.separators == ",."


def test_a_pair_of_different_lengths_is_compared_and_the_page_says_why_it_cannot_be_patched(tiny):
    at = open_page(PAGE)
    at.text_input(key="compare_second").input("The giraffe sat on the mat").run()
    assert_no_exception(at)
    n_clean, n_corrupt = len(tiny["clean"]), len(tiny["tok"].encode("The giraffe sat on the mat"))
    assert n_corrupt != n_clean
    warning = shown(at.warning[0].value)
    assert f"Your prompt has {n_clean} tokens and the second prompt {n_corrupt}" in warning
    assert "same position" in warning
    # Next token, the last position's vector, the two patterns side by side: no difference map, no patching.
    assert len(at.get("plotly_chart")) == 3
    assert f"the prompts have {n_clean} and {n_corrupt} tokens" in captions(at)
    panels = {trace.xaxis for trace in chart(at, "where each token looks").data}
    assert len(panels) == 2  # clean and corrupted side by side, no difference


def test_the_first_map_switches_to_the_attention_output(tiny):
    at = open_page(PAGE)
    at.radio(key="compare_site").set_value("attn_out").run()
    assert_no_exception(at)
    layers = chart(at, "patching one position: attention output").data[0]
    np.testing.assert_allclose(spec_array(layers.z), tiny["attn_out"].effect.numpy(), rtol=1e-4, atol=1e-4)


def test_the_same_prompt_twice_has_nothing_to_patch():
    at = open_page(PAGE)
    at.text_input(key="compare_second").input(CLEAN).run()
    assert_no_exception(at)
    assert any("same tokens" in box.value for box in at.info)
    assert len(at.get("plotly_chart")) == 4  # the comparison draws (all zero); the maps do not


def test_presenter_mode_renders_every_figure():
    at = open_page(PAGE, presenter=True)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 6


def test_the_elements_drawn_twice_share_the_second_prompt_without_clashing_keys():
    at = open_elements("compare", *ELEMENTS)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 12
    at.text_input(key="first_second").input("The cat sat on the hat").run()
    assert_no_exception(at)
    assert at.text_input(key="second_second").value == "The cat sat on the hat"


def test_a_new_sidebar_prompt_gets_a_new_second_prompt():
    at = open_page(PAGE, prompt="The boy saw a bird")
    assert_no_exception(at)
    assert at.text_input(key="compare_second").value == "The girl saw a bird"


def test_every_edge_prompt_renders_or_says_why_not(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt, timeout=120)
    assert_no_exception(at)
