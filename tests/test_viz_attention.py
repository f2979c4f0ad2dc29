"""Attention figures, against the model's own hooks and hand computations."""

import json
import math
import re
import shutil

import numpy as np
import pytest
import torch

import llama_edu as le
from llama_edu import interventions, kvcache
from llama_edu.architectures import attention_masks
from llama_edu.viz import attention as viz
from llama_edu.viz import bertviz_offline
T = 9
# The GQA shape of tests/conftest.py's small models (8 query heads, 2 KV heads), built here rather than imported:
# "from helpers import" finds tests/app/conftest.py instead when both folders are collected in one run.
GQA = le.ModelConfig(dim=64, n_layers=2, n_heads=8, n_kv_heads=2, vocab_size=96, multiple_of=16, max_seq_len=64)


def random_model(cfg: le.ModelConfig, seed: int = 0, std: float = 0.2) -> le.Transformer:
    """Random weights large enough that attention is far from uniform."""
    gen = torch.Generator().manual_seed(seed)
    model = le.Transformer(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(std * torch.randn(p.shape, generator=gen))
    return model.eval()


def capture(model, seed=3):
    ids = torch.randint(0, model.cfg.vocab_size, (T,), generator=torch.Generator().manual_seed(seed)).tolist()
    logits, cache = model.run_with_cache(torch.tensor([ids]))
    return ids, logits, cache


@pytest.fixture(scope="module")
def gqa_capture():
    model = random_model(GQA)
    return (model, *capture(model))


# ---- attention steps ------------------------------------------------------------------------------------------
def test_kv_head_of_matches_the_models_repeat_interleave():
    for H, n_kv in [(8, 2), (4, 4), (4, 1), (64, 8)]:
        expected = torch.arange(n_kv).repeat_interleave(H // n_kv).tolist()
        assert [interventions.kv_head_of(h, H, n_kv) for h in range(H)] == expected


def test_steps_reproduce_hook_scores_and_hook_pattern(small_model):
    """Step 3 is hook_scores (q.k / sqrt(hd) + mask) and step 4 hook_pattern, for every head of MHA, GQA, MQA."""
    _, _, cache = capture(small_model)
    for layer in range(small_model.cfg.n_layers):
        q = cache[f"layers.{layer}.attention.hook_q_rot"][0]
        k = cache[f"layers.{layer}.attention.hook_k_rot"][0]
        for head in range(small_model.cfg.n_heads):
            steps = interventions.attention_steps(q, k, head)
            scores = cache[f"layers.{layer}.attention.hook_scores"][0, head]
            assert torch.equal(torch.isinf(steps["masked"]), torch.isinf(scores))
            finite = torch.isfinite(scores)
            torch.testing.assert_close(steps["masked"][finite], scores[finite], rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(steps["pattern"], cache[f"layers.{layer}.attention.hook_pattern"][0, head],
                                       rtol=1e-5, atol=1e-6)


def test_steps_scale_by_sqrt_head_dim_and_mask_the_future(gqa_capture):
    model, _, _, cache = gqa_capture
    steps = interventions.attention_steps(cache["layers.0.attention.hook_q_rot"][0],
                                          cache["layers.0.attention.hook_k_rot"][0], head=5)
    q = cache["layers.0.attention.hook_q_rot"][0, 2, 5]  # query position 2, head 5
    k = cache["layers.0.attention.hook_k_rot"][0, 1, 5 // 4]  # key position 1, KV head 1
    assert math.isclose(float(steps["scores"][2, 1]), float(q @ k), rel_tol=1e-5)
    torch.testing.assert_close(steps["scaled"], steps["scores"] / math.sqrt(model.cfg.head_dim))
    assert torch.isneginf(steps["masked"][2, 3]) and float(steps["pattern"][2, 3]) == 0.0


def test_steps_reject_a_head_that_does_not_exist(gqa_capture):
    _, _, _, cache = gqa_capture
    with pytest.raises(ValueError, match="head must be in 0..7"):
        interventions.attention_steps(cache["layers.0.attention.hook_q_rot"][0],
                                      cache["layers.0.attention.hook_k_rot"][0], head=8)


# ---- masks ---------------------------------------------------------------------------------------------------
def test_encoder_decoder_parts_name_each_block():
    """Rows and columns: 3 encoder positions, then 3 decoder positions (the masks themselves: test_architectures.py)."""
    parts = viz.encoder_decoder_parts(3)
    assert parts[0, 4].startswith("none") and parts[4, 0].startswith("cross") and parts[5, 5].startswith("decoder")


def test_causal_mask_figure_draws_0_and_minus_infinity():
    labels = viz.token_labels(["<s>", "▁the", "▁cat"])
    fig = viz.causal_mask_figure(le.model.causal_mask(3, 3), labels)
    trace = fig.data[0]
    np.testing.assert_array_equal(np.array(trace.z), np.tril(np.ones((3, 3), dtype=int)))  # 1 = allowed
    assert trace.text.tolist() == [["0", "−∞", "−∞"], ["0", "0", "−∞"], ["0", "0", "0"]]
    assert list(trace.x) == list(trace.y) == ["0:&lt;s&gt;", "1:▁the", "2:▁cat"]
    assert "adds −∞" in trace.customdata[0, 1] and "adds 0" in trace.customdata[1, 0]


def test_mask_comparison_figure_draws_the_three_masks():
    labels = [f"{i}:t{i}" for i in range(4)]
    fig = viz.mask_comparison_figure(labels)
    decoder_only, encoder_only, encoder_decoder = fig.data
    masks = attention_masks(4)
    for trace, name in [(decoder_only, "decoder-only"), (encoder_only, "encoder-only"),
                        (encoder_decoder, "encoder-decoder")]:
        np.testing.assert_array_equal(np.array(trace.z), torch.isfinite(masks[name]).int().numpy())
    assert list(encoder_decoder.y) == [f"enc {lab}" for lab in labels] + [f"dec {lab}" for lab in labels]
    assert "cross-attention" in encoder_decoder.customdata[5, 0] and encoder_decoder.text[0, 7] == "−∞"
    assert [a.text.split(":")[0] for a in fig.layout.annotations[:3]] == \
        ["decoder-only (GPT, LLaMA)", "encoder-only (BERT)", "encoder-decoder (T5)"]


def test_a_long_prompt_drops_the_cell_text_but_keeps_the_values():
    labels = [str(i) for i in range(40)]
    fig = viz.causal_mask_figure(le.model.causal_mask(40, 40), labels)
    assert fig.data[0].text is None and np.array(fig.data[0].z).shape == (40, 40)


# ---- heatmaps ------------------------------------------------------------------------------------------------
def test_token_labels_are_unique_and_safe_for_plotly():
    labels = viz.token_labels(["<s>", "▁the", "▁cat", "▁the"])
    assert labels == ["0:&lt;s&gt;", "1:▁the", "2:▁cat", "3:▁the"] and len(set(labels)) == 4


def test_pattern_heatmap_shows_the_hook_pattern_and_greys_the_future(gqa_capture):
    _, _, _, cache = gqa_capture
    pattern = cache["layers.1.attention.hook_pattern"][0, 3]  # [T, T]
    fig = viz.pattern_heatmap(pattern, viz.token_labels([f"t{i}" for i in range(T)]))
    masked, values = fig.data
    z = np.array(values.z, dtype=float)
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    np.testing.assert_allclose(z[~future], pattern.numpy()[~future], rtol=1e-6)
    assert np.isnan(z[future]).all()
    assert (np.array(masked.z, dtype=float)[future] == 1).all() and np.isnan(np.array(masked.z, dtype=float)[~future]).all()
    assert list(values.x) == list(values.y) == [f"{i}:t{i}" for i in range(T)]
    assert "weight %{z" in values.hovertemplate


def test_heads_grid_has_every_head_of_the_layer(gqa_capture):
    _, _, _, cache = gqa_capture
    pattern = cache["layers.0.attention.hook_pattern"][0]  # [8, T, T]
    fig = viz.heads_grid(pattern, [str(i) for i in range(T)], n_kv_heads=2, cols=4)
    values = [t for t in fig.data if t.coloraxis == "coloraxis"]
    assert len(values) == 8
    for h, trace in enumerate(values):
        z = np.nan_to_num(np.array(trace.z, dtype=float))  # the future (NaN) holds exactly 0 in the pattern
        np.testing.assert_allclose(z, pattern[h].numpy(), rtol=1e-6, atol=1e-7)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[3] == "head 3 · KV 0" and titles[4] == "head 4 · KV 1"


def test_steps_figure_draws_the_four_steps(gqa_capture):
    _, _, _, cache = gqa_capture
    steps = interventions.attention_steps(cache["layers.0.attention.hook_q_rot"][0],
                                          cache["layers.0.attention.hook_k_rot"][0], head=2)
    fig = viz.steps_figure(steps, [str(i) for i in range(T)], head_dim=8)
    values = [t for t in fig.data if t.coloraxis]
    assert len(values) == 4
    np.testing.assert_allclose(np.array(values[0].z, dtype=float), steps["scores"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.nan_to_num(np.array(values[3].z, dtype=float)), steps["pattern"].numpy(),
                               rtol=1e-6, atol=1e-7)
    assert "√8" in fig.layout.annotations[1].text


# ---- the attention sink --------------------------------------------------------------------------------------
def test_first_token_share_is_the_mean_weight_on_position_0_after_query_0(gqa_capture):
    model, _, _, cache = gqa_capture
    share = interventions.first_token_share(cache, model.cfg.n_layers)
    assert share.shape == (model.cfg.n_layers, model.cfg.n_heads)
    pattern = cache["layers.1.attention.hook_pattern"][0]
    assert math.isclose(float(share[1, 6]), float(pattern[6, 1:, 0].mean()), rel_tol=1e-6)
    fig = viz.first_token_heatmap(share, 0.3)
    np.testing.assert_allclose(np.array(fig.data[0].z, dtype=float), share.numpy(), rtol=1e-6)


def test_uniform_first_token_share_by_hand():
    assert math.isclose(interventions.uniform_first_token_share(2), 1 / 2)
    assert math.isclose(interventions.uniform_first_token_share(3), (1 / 2 + 1 / 3) / 2)


# ---- ablation ------------------------------------------------------------------------------------------------
def test_ablating_a_last_layer_head_removes_exactly_its_share_of_wo(gqa_capture):
    """Reference: take the residual stream after the last layer's attention, subtract the head's term of wo
    (wo[:, its slice] @ z_h), and finish the forward pass by hand (feed-forward, final norm, output)."""
    model, ids, logits, cache = gqa_capture
    last, head, hd = model.cfg.n_layers - 1, 6, model.cfg.head_dim
    ablated = interventions.ablate_heads(model, ids, [(last, head)])
    z_h = cache[f"layers.{last}.attention.hook_z"][0, :, head]  # [T, hd]
    wo_h = model.layers[last].attention.wo.weight[:, head * hd:(head + 1) * hd]  # [D, hd]
    block = model.layers[last]
    with torch.no_grad():
        mid = cache[f"layers.{last}.hook_resid_mid"][0] - z_h @ wo_h.T  # [T, D]
        expected = model.output(model.norm(mid + block.feed_forward(block.ffn_norm(mid))))
    torch.testing.assert_close(ablated[0], expected, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(ablated, logits)


def test_ablating_nothing_changes_nothing(gqa_capture):
    model, ids, logits, _ = gqa_capture
    torch.testing.assert_close(interventions.ablate_heads(model, ids, []), logits, rtol=1e-5, atol=1e-5)


def test_ablation_leaves_the_shared_model_and_capture_untouched(gqa_capture):
    model, ids, _, cache = gqa_capture
    z_before = cache["layers.0.attention.hook_z"].clone()
    interventions.ablate_heads(model, ids, [(0, 0), (0, 1)])
    assert torch.equal(cache["layers.0.attention.hook_z"], z_before)
    _, again = model.run_with_cache(torch.tensor([ids]), names_filter=["layers.0.attention.hook_z"])
    torch.testing.assert_close(again["layers.0.attention.hook_z"], z_before)


def test_ablation_rejects_heads_the_model_does_not_have(gqa_capture):
    model, ids, _, _ = gqa_capture
    with pytest.raises(ValueError, match="no head 8 in layer 0"):
        interventions.ablate_heads(model, ids, [(0, 8)])
    with pytest.raises(ValueError, match="no head 0 in layer 2"):
        interventions.ablate_heads(model, ids, [(2, 0)])


def test_compare_next_token_reports_both_distributions_and_their_kl():
    before = torch.tensor([3.0, 2.0, 1.0, 0.0, -5.0])
    after = torch.tensor([0.0, 2.0, 1.0, 0.0, 4.0])
    change = interventions.compare_next_token(before, after, k=2)
    p, q = torch.softmax(before, -1), torch.softmax(after, -1)
    assert change.ids == [0, 1, 4]  # top 2 before (0, 1), plus token 4 that the ablation made likely
    assert np.allclose(change.before, p[[0, 1, 4]]) and np.allclose(change.after, q[[0, 1, 4]])
    assert math.isclose(change.kl, float((p * (p / q).log2()).sum()), rel_tol=1e-5)
    assert interventions.compare_next_token(before, before).kl == pytest.approx(0, abs=1e-6)
    fig = viz.ablation_bars(["<s>", "a", "b"], change.before, change.after)
    assert list(fig.data[0].y) == ["&lt;s&gt;", "a", "b"] and list(fig.data[1].x) == change.after


# ---- grouped-query attention ----------------------------------------------------------------------------------
def test_pattern_similarity_is_1_for_equal_heads_and_0_for_disjoint_ones():
    a = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    b = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # same row 0; row 1 overlaps a by half
    sim = interventions.pattern_similarity(torch.stack([a, a, b]))
    assert torch.allclose(sim[0, 1], torch.tensor(1.0)) and torch.allclose(sim[0, 2], torch.tensor(0.75))
    within, across = interventions.within_and_across_groups(torch.tensor([[1, .9, .2, .3], [.9, 1, .4, .1],
                                                                         [.2, .4, 1, .7], [.3, .1, .7, 1]]), 2)
    assert within == pytest.approx(0.8) and across == pytest.approx(0.25)
    assert interventions.within_and_across_groups(torch.eye(4), 4)[0] is None  # MHA: no two heads share


def test_gqa_diagram_joins_each_query_head_to_its_kv_head():
    fig = viz.gqa_diagram(8, {"GQA": 2, "MQA": 1})
    lines = [t for t in fig.data if t.mode == "lines"]
    gqa_lines = [t for t in lines if t.xaxis == "x"]
    assert len(gqa_lines) == 8
    assert [tuple(t.x) for t in gqa_lines[:2]] == [(0, 1.5), (1, 1.5)] and tuple(gqa_lines[4].x) == (4, 5.5)
    assert {tuple(t.x)[1] for t in lines if t.xaxis == "x2"} == {3.5}  # MQA: everyone to the single KV head


def test_keys_heatmaps_show_hook_k_rot_per_kv_head(gqa_capture):
    _, _, _, cache = gqa_capture
    k = cache["layers.0.attention.hook_k_rot"][0]  # [T, 2, hd]
    fig = viz.keys_heatmaps(k, [str(i) for i in range(T)])
    assert len(fig.data) == 2
    np.testing.assert_allclose(np.array(fig.data[1].z, dtype=float), k[:, 1].numpy(), rtol=1e-6)


def test_kv_cache_figure_draws_the_rows():
    rows = kvcache.kv_cache_rows({n: le.PRESETS[n] for n in ["llama-2-7b", "llama-2-70b", "llama-3.1-405b"]}, 4096)
    fig = viz.kv_cache_figure(rows)
    assert list(fig.data[1].y) == [2.0, 1.25, pytest.approx(1.96875)]


def test_gqa_quality_figure_plots_table_1():
    fig = viz.gqa_quality_figure()
    assert list(fig.data[0].x) == [r["inference time (s)"] for r in viz.GQA_TABLE_1]
    assert list(fig.data[0].text) == ["MHA-Large", "MHA-XXL", "MQA-XXL", "GQA-8-XXL"]


# ---- bertviz offline -------------------------------------------------------------------------------------------
def view_params(html: str) -> dict:
    """The params object bertviz embedded in its script."""
    text = re.search(r"const params = (\{.*?\}); // HACK", html, re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


@pytest.fixture(scope="module")
def views(gqa_capture):
    model, ids, _, cache = gqa_capture
    attentions = bertviz_offline.attentions_from_cache(cache, model.cfg.n_layers)
    tokens = [f"tok{i}" for i in range(T)]
    return cache, attentions, {"head": bertviz_offline.head_view_html(attentions, tokens, layer=1),
                               "model": bertviz_offline.model_view_html(attentions, tokens)}


def test_bertviz_attentions_are_the_hook_patterns(views):
    cache, attentions, _ = views
    assert len(attentions) == 2
    for i, a in enumerate(attentions):
        assert a.shape == (1, 8, T, T)
        torch.testing.assert_close(a.float(), cache[f"layers.{i}.attention.hook_pattern"][:1], rtol=0, atol=5e-5)


def test_bertviz_is_given_the_hook_patterns(monkeypatch, views):
    import bertviz

    cache, attentions, _ = views
    seen = {}
    real = bertviz.head_view

    def spy(attention, tokens, **kwargs):
        seen["attention"], seen["tokens"] = attention, tokens
        return real(attention, tokens, **kwargs)

    monkeypatch.setattr(bertviz, "head_view", spy)
    bertviz_offline.head_view_html(attentions, ["a"] * T)
    assert [tuple(a.shape) for a in seen["attention"]] == [(1, 8, T, T)] * 2
    assert all(a is b for a, b in zip(seen["attention"], attentions)) and seen["tokens"] == ["a"] * T


def test_bertviz_html_embeds_the_patterns_and_the_tokens(views):
    cache, _, htmls = views
    for html in htmls.values():
        params = view_params(html)
        attn = np.array(params["attention"][0]["attn"])  # [layers, heads, T, T]
        np.testing.assert_allclose(attn[1], cache["layers.1.attention.hook_pattern"][0].numpy(), atol=5e-5)
        assert params["attention"][0]["left_text"] == [f"tok{i}" for i in range(T)]
    assert view_params(htmls["head"])["layer"] == 1


def test_bertviz_of_some_layers_and_heads_sends_only_those(views):
    """A large model is shown a block of layers (and heads) at a time: the page holds only their weights, under
    their own layer and head numbers."""
    cache, _, _ = views
    tokens = [f"tok{i}" for i in range(T)]
    only_layer_1 = bertviz_offline.attentions_from_cache(cache, range(1, 2))
    assert only_layer_1[0] is only_layer_1[1] and only_layer_1[1].shape == (1, 8, T, T)
    head = view_params(bertviz_offline.head_view_html(only_layer_1, tokens, layers=[1]))
    model = view_params(bertviz_offline.model_view_html(only_layer_1, tokens, layers=[1], heads=[2, 3]))
    head_attn, model_attn = (np.array(p["attention"][0]["attn"]) for p in (head, model))
    assert head_attn.shape == (1, 8, T, T) and model_attn.shape == (1, 2, T, T)
    pattern = cache["layers.1.attention.hook_pattern"][0].numpy()
    np.testing.assert_allclose(head_attn[0], pattern, atol=5e-5)
    np.testing.assert_allclose(model_attn[0], pattern[2:4], atol=5e-5)
    assert head["include_layers"] == model["include_layers"] == [1] and head["layer"] == 1
    assert model["include_heads"] == [2, 3]


def test_bertviz_html_loads_nothing_from_the_network(views):
    _, _, htmls = views
    for html in htmls.values():
        assert not re.search(r"https?://[^\s\"'()]+\.js", html)
        assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
        assert "require.config" not in html
        assert "jQuery v3.7.1" in html and bertviz_offline.jquery_js() in html  # XStatic-jQuery, inlined
        assert 'version: "3.5.' in html and bertviz_offline.d3_js() in html  # XStatic-D3 (d3 3.5), inlined
        assert "window.requirejs = window.require = function" in html
        assert html.count('<script type="text/javascript">') == html.count("</script>") == 4  # jQuery, d3, shim, view
        assert "bertviz-" in html and not re.search(r"bertviz-[0-9a-f]{32}", html)  # a fixed element id


def test_a_script_tag_typed_into_the_prompt_cannot_break_out(views):
    _, attentions, _ = views
    tokens = ["</script><script>alert(1)</script>"] + [f"t{i}" for i in range(T - 1)]
    html = bertviz_offline.head_view_html(attentions, tokens)
    assert html.count("</script>") == 4
    assert view_params(html)["attention"][0]["left_text"][0] == tokens[0]


def test_make_offline_refuses_html_it_does_not_recognise():
    with pytest.raises(ValueError, match="bertviz version"):
        bertviz_offline.make_offline("<div>no require here</div><script type=\"text/javascript\">x</script>")


def test_readable_tokens():
    assert bertviz_offline.readable_tokens(["<s>", "▁The", "at", "▁", "<0x3C>", "<0x0A>", "<0xF0>"]) == \
        ["<s>", " The", "at", "␣", "<", "↵", "<0xF0>"]


@pytest.mark.slow  # starts a real browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_bertviz_views_draw_offline_in_a_real_browser(views, tmp_path):
    """d3 3.5.17 in place of the 5.7.0 bertviz asks for: both views draw their lines, with no request and no error."""
    playwright = pytest.importorskip("playwright.sync_api")
    _, _, htmls = views
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        page = browser.new_page()
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
        for name, html in htmls.items():
            path = tmp_path / f"{name}.html"
            path.write_text(html)
            page.goto(path.as_uri())
            page.wait_for_selector("svg line", state="attached", timeout=10_000)
            assert page.locator("svg line").count() >= T * T, name
        page.mouse.click(120, 120)  # the model view: click a thumbnail to open its detail
        page.wait_for_selector("text.token", state="attached", timeout=5_000)
        browser.close()
    assert errors == [] and requests == []


# ---- numbers in the cells ----------------------------------------------------------------------------------------
def test_pattern_heatmap_writes_each_weight_in_its_cell_while_they_fit(gqa_capture):
    """Up to 16 tokens every allowed cell shows its weight with two decimals (German with a decimal comma); masked
    cells stay empty; past 16 tokens the cells carry no text (it would not fit)."""
    _, _, _, cache = gqa_capture
    pattern = cache["layers.1.attention.hook_pattern"][0, 3]  # [T, T]
    labels = viz.token_labels([f"t{i}" for i in range(T)])
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    for lang, mark in (("en", "."), ("de", ",")):
        values = viz.pattern_heatmap(pattern, labels, lang=lang).data[1]
        text = np.array(values.text, dtype=object)
        expected = np.array([[f"{v:.2f}".replace(".", mark) for v in row] for row in pattern.tolist()])
        assert (text[~future] == expected[~future]).all() and (text[future] == "").all()
        assert values.texttemplate == "%{text}"
    long = torch.softmax(torch.randn(17, 17), -1)
    assert viz.pattern_heatmap(long, [str(i) for i in range(17)]).data[1].text is None


def test_steps_write_numbers_only_while_they_fit_and_the_heads_grid_never(gqa_capture):
    """At 14 px "-12,34" fits a cell of the four step panels up to 8 tokens; eight heads side by side never hold
    "0,00" readably (the one-head heatmap carries the numbers)."""
    _, _, _, cache = gqa_capture
    steps = interventions.attention_steps(cache["layers.0.attention.hook_q_rot"][0][:8],
                                          cache["layers.0.attention.hook_k_rot"][0][:8], head=2)
    fig = viz.steps_figure(steps, [str(i) for i in range(8)], head_dim=8, lang="de")
    scores = next(t for t in fig.data if t.coloraxis)
    assert np.array(scores.text, dtype=object)[0, 0] == f"{float(steps['scores'][0, 0]):.2f}".replace(".", ",")
    nine = interventions.attention_steps(cache["layers.0.attention.hook_q_rot"][0],
                                         cache["layers.0.attention.hook_k_rot"][0], head=2)  # T = 9 tokens
    assert all(t.text is None for t in viz.steps_figure(nine, [str(i) for i in range(T)], head_dim=8).data
               if t.coloraxis)
    eight = cache["layers.0.attention.hook_pattern"][0][:, :8, :8]
    grid = viz.heads_grid(eight, [str(i) for i in range(8)], n_kv_heads=2)
    assert all(t.text is None for t in grid.data if t.coloraxis == "coloraxis")


# ---- where the app's pickers open -------------------------------------------------------------------------------
def test_the_most_disruptive_head_is_the_one_whose_ablation_moves_the_prediction_most(gqa_capture):
    """Against silencing every head in turn (the model has 16 heads, all of them tried), and with fewer tries the
    answer is still one of the heads tried."""
    model, ids, logits, _ = gqa_capture
    L, H = model.cfg.n_layers, model.cfg.n_heads
    kl = {(l, h): interventions.compare_next_token(logits[0, -1], interventions.ablate_heads(model, ids, [(l, h)])[0, -1]
                                                   ).kl for l in range(L) for h in range(H)}
    layer, head, bits = interventions.most_disruptive_head(model, ids)
    assert (layer, head) == max(kl, key=kl.get) and bits == pytest.approx(max(kl.values()), rel=1e-5)
    layer, head, bits = interventions.most_disruptive_head(model, ids, max_ablations=3)
    assert bits == pytest.approx(kl[layer, head], rel=1e-5)


def test_clearest_group_layer_is_the_largest_within_minus_across_similarity():
    alike = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]] * 2 + [[[1.0, 0.0], [0.0, 1.0]]] * 2)  # groups {0,1} {2,3} alike
    same = torch.tensor([[[1.0, 0.0], [0.5, 0.5]]] * 4)  # every head alike: no difference between groups
    assert interventions.clearest_group_layer([same, alike, same], n_kv_heads=2) == 1
    assert interventions.clearest_group_layer([same, alike], n_kv_heads=4) == 0  # MHA: no pair within a group
