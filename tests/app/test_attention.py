"""Attention page: heatmaps from hook_pattern, the recomputed steps, offline bertviz, the sink, head ablation."""

import base64
import json
import re

import numpy as np
import plotly.io
import pytest
import torch
from apphelpers import assert_no_exception, open_page

import llama_edu as le
from llama_edu import analysis, interventions

PAGE = "views/attention.py"
DEFAULT_PROMPT = "The cat sat on the mat"


@pytest.fixture(scope="module")
def tiny():
    """The shipped model and the default prompt's capture, computed here as the reference."""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode(DEFAULT_PROMPT)
    logits, cache = model.run_with_cache(torch.tensor([ids]))
    return model, tok, ids, logits, cache


def chart(at, title_part: str):
    """The figure whose title contains title_part (plotly decodes its binary-packed arrays)."""
    for c in at.get("plotly_chart"):
        fig = plotly.io.from_json(c.proto.spec)
        if title_part in (fig.layout.title.text or ""):
            return fig
    raise AssertionError(f"no chart titled with {title_part!r}")


def array(value) -> np.ndarray:
    """A figure's data array: plotly sends numpy arrays packed as {"dtype", "bdata" (base64), "shape"}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.array(value, dtype=float)


def test_default_prompt_shows_every_section():
    at = open_page(PAGE)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 5  # the mask, one head, the steps, the sink, the ablation
    assert len(at.get("iframe")) == 1  # bertviz's head view, the open tab
    assert len(at.latex) >= 2 and at.title[0].value == "Attention"
    assert "column 0" in at.info[-1].value  # the "what to notice" box


def test_closed_sections_are_drawn_when_opened():
    """The small multiples of every head and bertviz's model view cost most of a visit and are seldom opened: they
    are built when their expander or tab is opened, not before."""
    at = open_page(PAGE)
    assert "attn_grid" not in [c.key for c in at.get("plotly_chart")]
    at.session_state["attn_all_heads"] = True  # what opening the expander sends
    at.session_state["attn_views"] = "model view"  # and choosing the tab
    at.run()
    assert_no_exception(at)
    assert "attn_grid" in [c.key for c in at.get("plotly_chart")]
    frames = [frame.proto.srcdoc for frame in at.get("iframe")]
    assert len(frames) == 1 and "bertviz-model-view" in frames[0]


def test_heatmap_follows_the_pickers_and_shows_hook_pattern(tiny):
    model, _, ids, _, cache = tiny
    layer, head = model.cfg.n_layers - 1, model.cfg.n_heads - 1
    at = open_page(PAGE)
    at.selectbox(key="attn_layer").set_value(layer).run()
    at.selectbox(key="attn_head").set_value(head).run()
    assert_no_exception(at)
    values = chart(at, f"layer {layer}, head {head}").data[1]
    z = array(values.z)
    expected = cache[f"layers.{layer}.attention.hook_pattern"][0, head].numpy()
    future = np.triu(np.ones_like(expected, dtype=bool), 1)
    np.testing.assert_allclose(z[~future], expected[~future], rtol=1e-5, atol=1e-6)
    assert np.isnan(z[future]).all()  # the future is left to the grey "masked" trace, not drawn as 0
    assert values.y[0] == "0:&lt;s&gt;" and len(values.y) == len(ids)


def bertviz_frames(**state) -> list[str]:
    """Both bertviz views of the Attention page (each is built when its tab is open)."""
    from llama_edu.i18n import t

    frames = []
    for view in ("head_view", "model_view"):  # a tab is chosen by its label, in the session's language
        at = open_page(PAGE, **state, attn_views=t(f"app.attention.{view}", state.get("lang", "en")))
        assert_no_exception(at)
        frames += [frame.proto.srcdoc for frame in at.get("iframe")]
    return frames


def test_bertviz_frames_are_offline_and_draw_the_patterns(tiny):
    model, _, ids, _, cache = tiny
    for html in bertviz_frames():
        assert not re.search(r"https?://[^\s\"'()]+\.js", html) and "require.config" not in html
        # The app's server serves jQuery and d3 once, from its own static folder (a relative address), and each
        # view names them; the require shim stays inline.
        assert 'src="app/static/bertviz/jquery.min.js"' in html and 'src="app/static/bertviz/d3.js"' in html
        assert "jQuery v3.7.1" not in html and "window.requirejs" in html
        params = json.loads(re.search(r"const params = (\{.*?\}); // HACK", html, re.S).group(1).replace("<\\/", "</"))
        attn = np.array(params["attention"][0]["attn"])  # [layers, heads, T, T]
        assert attn.shape == (model.cfg.n_layers, model.cfg.n_heads, len(ids), len(ids))
        np.testing.assert_allclose(attn[-1], cache[f"layers.{model.cfg.n_layers - 1}.attention.hook_pattern"][0],
                                   atol=5e-5)
        assert params["attention"][0]["left_text"][1] == " The"  # readable labels: "▁" shown as a space


def test_ablation_bars_match_a_direct_ablation(tiny):
    model, tok, ids, logits, _ = tiny
    layer, head = model.cfg.n_layers - 1, 0
    at = open_page(PAGE)
    at.selectbox(key="attn_ablation_layer").set_value(layer).run()
    at.selectbox(key="attn_ablation_head").set_value(head).run()
    expected = interventions.compare_next_token(logits[0, -1],
                                                interventions.ablate_heads(model, ids, [(layer, head)])[0, -1], k=8)
    bars = chart(at, f"ablating layer {layer}, head {head}").data
    np.testing.assert_allclose(bars[0].x, expected.before, rtol=1e-5)
    np.testing.assert_allclose(bars[1].x, expected.after, rtol=1e-4, atol=1e-6)
    assert list(bars[0].y) == [p.replace("<", "&lt;").replace(">", "&gt;") for p in tok.pieces(expected.ids)]
    at.toggle(key="attn_ablation_whole_layer").set_value(True).run()
    assert_no_exception(at)
    chart(at, f"ablating layer {layer}")  # now titled for the whole layer
    assert f"{model.cfg.n_heads} heads" in at.toggle(key="attn_ablation_whole_layer").label


def test_sink_map_shows_each_heads_share_on_position_0(tiny):
    """Mean over queries 1..T-1 of hook_pattern[..., 0] (query 0 can only see itself), and in the title the share
    a head spreading evenly would give: the mean of 1 / (i + 1)."""
    model, _, ids, _, cache = tiny
    at = open_page(PAGE)
    sink = chart(at, "position 0")
    expected = np.stack([cache[f"layers.{i}.attention.hook_pattern"][0, :, 1:, 0].mean(-1).numpy()
                         for i in range(model.cfg.n_layers)])  # [L, H]
    np.testing.assert_allclose(array(sink.data[0].z), expected, rtol=1e-5, atol=1e-6)
    uniform = np.mean([1 / (i + 1) for i in range(1, len(ids))])
    assert f"{uniform:.0%}" in sink.layout.title.text


def test_a_one_token_prompt_works():
    at = open_page(PAGE, prompt="cat", attn_all_heads=True)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 6
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([tok.encode("cat")]))
    opens = analysis.previous_token_head(model, tok)  # the head the heatmap opens on
    expected = cache[f"layers.{opens.layer}.attention.hook_pattern"][0, opens.head].numpy()  # [2, 2]: <s>, "cat"
    z = array(chart(at, f"layer {opens.layer}, head {opens.head}").data[1].z)
    np.testing.assert_allclose(z[np.tril_indices(2)], expected[np.tril_indices(2)], rtol=1e-5, atol=1e-6)


def test_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt, attn_all_heads=True)  # every section open
    assert_no_exception(at)
    if not edge_prompt.strip():
        assert "empty" in at.warning[0].value
    else:
        assert len(at.get("plotly_chart")) == 6


def test_bertviz_speaks_each_students_language_on_the_same_prompt():
    # The cache is shared by every session: the first student to open a prompt used to fix bertviz's language for
    # everyone on it (a German session got "Layer:").
    from llama_edu.i18n import t

    def words(language):  # what each view writes in this language: the head view's picker, the model view's heading
        return [t("viz.bertviz.layer_select", language), f'.text({json.dumps(t("viz.bertviz.layers", language))})']

    for language in ("en", "de", "en"):
        frames = bertviz_frames(lang=language)  # head view, model view
        assert len(frames) == 2
        for html, own, other in zip(frames, words(language), words("de" if language == "en" else "en")):
            assert own in html and other not in html, language
