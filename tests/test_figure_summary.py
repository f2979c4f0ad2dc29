"""The one-line summary under each figure (llama_edu/viz/summary.py), computed from the figure's data: each specific
sentence against data built to show one thing (a previous-token head must be called one, with its number), in English
and German; the generic sentence of any heatmap, bar chart and line chart; and on the app's pages, a caption right
under every chart.

The head habits are llama_edu.analysis.head_measures' numbers: the sentences quote them, so they are compared with
head_measures here, not with numbers of their own.
"""

import math
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest
import torch
from plotly.subplots import make_subplots

import llama_edu as le
from llama_edu import analysis
from llama_edu.logit_lens import LogitLens
from llama_edu.model import rope_frequencies
from llama_edu.viz import attention as viz_attention
from llama_edu.viz import generation as viz_generation
from llama_edu.viz import norms as viz_norms
from llama_edu.viz import overview as viz_overview
from llama_edu.viz import rope as viz_rope
from llama_edu.viz import summary
from llama_edu.viz.readable import readable

sys.path.insert(0, str(Path(__file__).resolve().parent / "app"))  # the AppTest helpers, as tests/app/ sees them
from apphelpers import assert_no_exception, open_page  # noqa: E402

LABELS = ["<s>", "▁The", "▁cat", "▁sat", "▁on", "▁the"]
T = len(LABELS)


def one_hot_rows(target) -> torch.Tensor:
    """A causal pattern [T, T] whose query i puts all its weight on key target(i) (row 0 on itself)."""
    pattern = torch.zeros(T, T)
    pattern[0, 0] = 1.0
    for i in range(1, T):
        pattern[i, target(i)] = 1.0
    return pattern


def blend(a: torch.Tensor, b: torch.Tensor, share: float) -> torch.Tensor:
    return share * a + (1 - share) * b


PREVIOUS = blend(one_hot_rows(lambda i: i - 1), one_hot_rows(lambda i: i), 0.8)  # 0.8 one back, 0.2 on itself
SINK = blend(one_hot_rows(lambda i: 0), one_hot_rows(lambda i: i), 0.9)
OWN = one_hot_rows(lambda i: i)
EVEN = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]  # every visible token alike


def sentence(pattern, lang="en", **head) -> str:
    return summary.summary_of(viz_attention.pattern_heatmap(pattern, LABELS, "title", lang=lang, **head))


# ---- one head -------------------------------------------------------------------------------------------------------
def test_a_previous_token_head_is_named_with_its_share_of_attention():
    share = float(analysis.head_measures(PREVIOUS[None])["previous_token"][0])
    assert share == pytest.approx(0.8)  # at position 1 the previous token is the first: still one row of five
    text = sentence(PREVIOUS, layer=5, head=6)
    assert text == "Layer 5, head 6 mostly looks at the previous token (0.80 of its attention on average)."


def test_the_same_head_in_german():
    text = sentence(PREVIOUS, "de", layer=5, head=6)
    assert text == "Schicht 5, Head 6 schaut vor allem auf das vorherige Token (im Mittel 0,80 seiner Attention)."


def test_without_layer_and_head_the_sentence_says_this_head():
    assert sentence(PREVIOUS).startswith("This head mostly looks at the previous token")
    assert sentence(PREVIOUS, "de").startswith("Dieser Head schaut vor allem auf das vorherige Token")


@pytest.mark.parametrize("pattern, words, measure", [
    (SINK, "the first token (the attention sink)", "first_token"),
    (OWN, "its own token", "self_token"),
], ids=["sink", "own"])
def test_sink_and_own_token_heads_are_named(pattern, words, measure):
    share = float(analysis.head_measures(pattern[None])[measure][0])
    assert sentence(pattern) == f"This head mostly looks at {words} ({share:.2f} of its attention on average)."


def test_an_even_spread_is_called_spread_out_in_bits():
    bits = float(analysis.head_measures(EVEN[None])["entropy"][0])
    even = sum(math.log2(i + 1) for i in range(1, T)) / (T - 1)
    assert bits == pytest.approx(even, abs=1e-4)
    assert sentence(EVEN) == (f"This head spreads its attention out: {bits:.1f} bits on average, where an even spread "
                              f"over the visible tokens would be {even:.1f}.")


def test_a_head_with_no_fixed_habit_is_described_by_its_largest_weight():
    labels = ["<s>", "▁The", "▁cat", "▁with", "▁the", "▁red", "▁hat", "▁sat", "▁on", "▁the"]
    n = len(labels)
    pattern = torch.zeros(n, n)
    pattern[0, 0] = 1.0
    pattern[1, :2] = 0.5
    pattern[2, :3] = 1 / 3
    pattern[3:, 2] = 1.0  # every later token looks back at "▁cat", whatever stands between
    measures = analysis.head_measures(pattern[None])
    assert max(float(measures[m][0]) for m in ("previous_token", "first_token", "self_token")) < 0.25
    text = summary.summary_of(viz_attention.pattern_heatmap(pattern, labels, "t", layer=4, head=4))
    assert text == ("Layer 4, head 4 keeps to none of the first, the previous or its own token: its largest weight, "
                    "1.00, goes from “▁with” to “▁cat”.")


def test_a_window_of_a_longer_prompt_names_no_sink():
    window = SINK[1:, 1:]  # its first key is "▁The", not the first token; rows no longer sum to 1
    assert "attention sink" not in sentence(window)


def test_the_heads_of_a_layer_are_grouped_by_habit():
    pattern = torch.stack([PREVIOUS, SINK, SINK, OWN, EVEN])
    fig = viz_attention.heads_grid(pattern, LABELS, 1, first_head=8)
    assert summary.summary_of(fig) == ("What these 5 heads mostly look at: the previous token, head 8; the first "
                                       "token, heads 9 and 10; their own token, head 11; no single one of them, head 12.")
    german = summary.summary_of(viz_attention.heads_grid(pattern, LABELS, 1, lang="de"))
    assert german == ("Worauf diese 5 Heads vor allem schauen: das vorherige Token, Head 0; das erste Token, Heads 1 "
                      "und 2; das eigene Token, Head 3; keins davon allein, Head 4.")


def test_the_sink_map_counts_heads_over_half_and_names_the_strongest():
    share = torch.tensor([[0.9, 0.2], [0.6, 0.97]])
    text = summary.summary_of(viz_attention.first_token_heatmap(share, 0.2))
    assert text == ("In 3 of 4 heads more than half of the attention goes to the first token; the most in layer 1, "
                    "head 1 (0.97).")


# ---- next token, logit lens, residual stream ------------------------------------------------------------------------
def test_next_token_bars_name_the_three_likeliest_and_what_sampling_leaves():
    probs = torch.tensor([0.05, 0.6, 0.25, 0.1])
    sampled = torch.tensor([0.0, 0.7, 0.3, 0.0])  # top-k 2
    pieces = {0: "▁a", 1: "▁mat", 2: "▁moon", 3: "."}
    text = summary.summary_of(viz_generation.next_token_figure(probs, sampled, pieces.get))
    assert text == ("Most likely next token: “▁mat” (0.60), then “▁moon” (0.25) and “.” (0.10). After temperature, "
                    "top-k and top-p, “▁mat” has 0.70 and 2 tokens can still be drawn.")
    german = summary.summary_of(viz_generation.next_token_figure(probs, probs, pieces.get, lang="de"))
    assert german == "Wahrscheinlichstes nächstes Token: „▁mat“ (0,60), danach „▁moon“ (0,25) und „.“ (0,10)."


def test_the_logit_lens_says_from_which_layer_the_final_prediction_leads():
    # 4 stages (embedding, layers 0-2) x 2 positions x top 1; at the last position: 7, 8, 9, 9
    ids = torch.tensor([[[3], [7]], [[3], [8]], [[3], [9]], [[3], [9]]])
    probs = torch.tensor([[[0.5], [0.2]], [[0.5], [0.3]], [[0.5], [0.4]], [[0.5], [0.62]]])
    hooks = ["hook_embed"] + [f"layers.{i}.hook_resid_post" for i in range(3)]
    lens = LogitLens(["embedding", "layer 0", "layer 1", "layer 2"], hooks, ids, probs)
    fig = viz_generation.logit_lens_figure(lens, ["▁cat", "▁sat"], lambda i: f"t{i}")
    assert summary.summary_of(fig) == ("At the last position, “1:▁sat”, the final prediction “t9” (0.62) is the top "
                                       "token from layer 1 on; after the embedding alone it is “t7”.")
    german = summary.summary_of(viz_generation.logit_lens_figure(lens, ["▁cat", "▁sat"], lambda i: f"t{i}", lang="de"))
    assert "ab Schicht 1 das wahrscheinlichste Token" in german and "0,62" in german


def test_the_residual_stream_line_says_how_many_times_it_grows():
    series = {"residual stream (hook_resid_post)": [0.5, 1.0, 4.0],
              "attention_norm output (hook_out)": [0.9, 1.1, 1.0]}
    text = summary.summary_of(viz_norms.residual_rms_figure(series, "▁mat"))
    assert text == ("residual stream (hook_resid_post): grows from 0.50 to 4.00 over the layers, 8.00 times. The other "
                    "lines stay between 0.90 and 1.10.")


def test_the_norm_steps_quote_the_rms_before_and_after():
    x = torch.tensor([3.0, -4.0, 0.0, 0.0])  # RMS 2.5
    gain = torch.tensor([1.0, 2.0, 0.5, 1.0])
    normalized = x / 2.5
    text = summary.summary_of(viz_norms.norm_steps_figure(x, normalized, gain, normalized * gain, "t"))
    out_rms = float((normalized * gain).pow(2).mean().sqrt())
    assert text == (f"RMS(x) is 2.50: divided by it, x has an RMS of 1.00; the gain g runs from 0.50 to 2.00, so the "
                    f"output has an RMS of {out_rms:.2f}.")


# ---- RoPE -----------------------------------------------------------------------------------------------------------
def test_rope_turn_and_its_unchanged_length():
    angle = 0.5
    after = (math.cos(angle) * 2, math.sin(angle) * 2)
    text = summary.summary_of(viz_rope.pair_rotation_figure((2.0, 0.0), after, angle))
    assert text == "RoPE turns the pair by +0.50 rad (+29°); its length stays 2.00 (before: 2.00)."


def test_rope_dot_products_depend_only_on_the_offset():
    offsets = torch.arange(5)[:, None] - torch.arange(5)[None, :]
    dots = torch.cos(offsets.float())  # a function of m - n alone
    text = summary.summary_of(viz_rope.relative_dot_figure(dots))
    assert text == ("q·k depends only on the offset m − n: the values of one offset differ by at most 0.00; the "
                    "largest, 1.00, is at offset 0.")


def test_rope_frequencies_name_the_slowest_pairs_wavelength_per_base():
    fig = viz_rope.frequencies_figure(64, {"θ = 10,000": 10000.0, "θ = 500,000": 500000.0}, {})
    slowest = 2 * math.pi / float(rope_frequencies(64, 10000.0)[-1])
    assert f"{slowest:,.0f} tokens with θ = 10,000" in summary.summary_of(fig)


def test_the_block_diagram_reads_bottom_to_top_with_its_counts():
    text = summary.summary_of(viz_overview.block_diagram(le.PRESETS["llama-7b"]))
    assert text.startswith("Bottom to top: tokens → tok_embeddings (131.07M) → 32 blocks of attention_norm, attention")
    assert text.endswith("→ norm → output (131.07M).")


# ---- any figure: the generic sentence --------------------------------------------------------------------------------
def test_a_heatmap_says_where_its_largest_values_are():
    fig = go.Figure(go.Heatmap(z=[[0.1, 0.9], [0.5, -0.7]], x=["a", "b"], y=["r1", "r2"],
                               colorbar={"title": {"text": "weight"}}))
    assert summary.summarise(fig) == ("weight: largest values 0.90 at row “r1”, column “b”, 0.50 at row “r2”, column "
                                      "“a” and 0.10 at row “r1”, column “a”. Most negative: -0.70 at row “r2”, "
                                      "column “b”.")
    assert summary.summarise(fig, "de").startswith("weight: größte Werte 0,90 in Zeile „r1“, Spalte „b“")


def test_a_similarity_map_is_read_without_its_diagonal_and_each_pair_once():
    z = [[1.0, 0.8, 0.1], [0.8, 1.0, 0.3], [0.1, 0.3, 1.0]]
    names = ["head 0", "head 1", "head 2"]
    text = summary.summarise(go.Figure(go.Heatmap(z=z, x=names, y=names)))
    assert text.startswith("Largest values 0.80 at row “head 0”, column “head 1”, 0.30 at row “head 1”, column "
                           "“head 2”")


def test_bars_name_their_largest():
    fig = go.Figure(go.Bar(y=["▁mat", "▁moon", "▁sofa", "."], x=[0.2, 0.5, 0.1, 0.15], orientation="h", name="p"))
    assert summary.summarise(fig) == "p: largest bars “▁moon” (0.50), “▁mat” (0.20) and “.” (0.15)."
    assert summary.summarise(fig, "de") == "p: größte Balken „▁moon“ (0,50), „▁mat“ (0,20) und „.“ (0,15)."


def test_a_line_says_where_it_starts_and_ends_and_which_way_it_goes():
    up = go.Scatter(x=[0, 1, 2, 3], y=[1.0, 2.0, 2.5, 4.0], mode="lines", name="loss")
    down = go.Scatter(x=[0, 1, 2, 3], y=[4.0, 2.0, 1.5, 1.0], mode="lines+markers", name="loss")
    assert summary.summarise(go.Figure(up)) == "loss rises from 1.00 at 0 to 4.00 at 3."
    assert summary.summarise(go.Figure(down), "de") == "loss fällt von 4,00 bei 0 auf 1,00 bei 3."


def test_panels_are_named_by_their_titles_and_the_first_is_described():
    fig = make_subplots(rows=1, cols=2, subplot_titles=["before", "after"])
    fig.add_trace(go.Bar(x=["a", "b"], y=[1, 3]), 1, 1)
    fig.add_trace(go.Bar(x=["a", "b"], y=[2, 1]), 1, 2)
    assert summary.summarise(fig) == "2 panels: “before”; “after”. before: largest bars “b” (3.00) and “a” (1.00)."


def test_every_figure_gets_a_sentence_even_an_empty_one():
    assert summary.summarise(go.Figure()) == "A figure"
    assert summary.summarise(go.Figure(layout={"title": "Only a title"})) == "Only a title"


def test_the_sentence_survives_readable_and_its_arrays():
    fig = viz_attention.pattern_heatmap(PREVIOUS, LABELS, "t", layer=1, head=2)
    shown = readable(fig, high_contrast=True)
    assert summary.summarise(shown) == summary.summary_of(fig)
    plain = readable(go.Figure(go.Heatmap(z=torch.rand(3, 3).numpy(), x=["a", "b", "c"], y=["d", "e", "f"],
                                          colorscale="Viridis")))  # arrays come back as base64 after readable
    assert summary.summarise(plain).startswith("Largest values")


# ---- on the pages -------------------------------------------------------------------------------------------------
def captions_after_charts(at) -> dict[str, str]:
    """{chart key: the text of the element right after it} for every plotly chart on the page (the caption)."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    nodes = [node for node in walk(at.main) if node.type not in ("block", "vertical", "horizontal")]
    found = {}
    for i, node in enumerate(nodes):
        if node.type == "plotly_chart":
            after = nodes[i + 1] if i + 1 < len(nodes) else None
            found[node.key] = after.value if after is not None and after.type == "caption" else None
    return found


@pytest.mark.slow
@pytest.mark.parametrize("page, lang", [("views/attention.py", "en"), ("views/overview.py", "en"),
                                        ("views/layers.py", "en"), ("views/attention.py", "de")])
def test_every_chart_on_the_page_has_a_summary_caption_right_under_it(page, lang):
    at = open_page(page, timeout=180, lang=lang)
    assert_no_exception(at)
    captions = captions_after_charts(at)
    assert captions, "no chart on the page"
    assert all(text and text.strip() for text in captions.values()), captions
    if page == "views/attention.py":
        pattern = next(text for key, text in captions.items() if key.endswith("_pattern"))
        assert ("previous token" if lang == "en" else "vorherige Token") in pattern.replace("\\", "")


def test_a_head_split_between_two_habits_says_so_in_german_cases_too():
    split = blend(one_hot_rows(lambda i: 0), one_hot_rows(lambda i: i - 1), 0.45)  # 0.45 sink, 0.55 one back...
    split = blend(split, one_hot_rows(lambda i: i), 0.75)  # ...and a quarter on itself: no habit past half
    measures = analysis.head_measures(split[None])
    assert max(float(measures[m][0]) for m in summary.HABITS) < summary.MOSTLY
    assert "splits its attention between the previous token" in sentence(split)
    assert "teilt seine Attention zwischen dem vorherigen Token" in sentence(split, "de")
