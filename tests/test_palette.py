"""Every colour the app draws is one of palette.py's colour-blind-safe sets (Okabe-Ito, viridis, cividis, ColorBrewer
RdBu and PuOr) or a neutral grey, black or white, and no trace is left to plotly's or Streamlit's default colours.

The check itself is llama_edu.viz.palette.problems(spec) on a figure's JSON; the fast tests here show what it catches
and what it lets through. The slow ones run every page of the app (one AppTest run each, the page as a student opens
it) and every live element that only lessons show, and check every figure they draw, as Streamlit sends it.
"""

import json
import re
import sys
from pathlib import Path

import plotly.colors as pc
import plotly.graph_objects as go
import pytest
import torch
from helpers import open_elements

import llama_edu as le
from app.pages import page_specs
from llama_edu.lessons import load_lessons
from llama_edu.viz import attention as viz_attention
from llama_edu.viz import generation as viz_generation
from llama_edu.viz import overview as viz_overview
from llama_edu.viz import palette
from llama_edu.viz import quantise as viz_quantise
from llama_edu.viz import tokens as viz_tokens
from llama_edu.viz.readable import AAA_CONTRAST, contrast_ratio, readable

sys.path.insert(0, str(Path(__file__).resolve().parent / "app"))  # the AppTest helpers, as tests/app/ sees them
from apphelpers import assert_no_exception, figures, open_page  # noqa: E402

VIEWS = Path(__file__).resolve().parents[1] / "app" / "views"


def problems_of(fig: go.Figure) -> list[str]:
    return palette.problems(fig.to_dict())


# ---- what the check catches ---------------------------------------------------------------------------------------
def test_a_figure_left_to_the_default_colours_fails():
    fig = go.Figure([go.Bar(x=["a", "b"], y=[1, 2]), go.Scatter(y=[1, 3, 2], mode="lines"),
                     go.Heatmap(z=[[0, 1], [1, 0]])])
    found = problems_of(fig)
    assert len(found) == 3, found
    assert all("default" in problem for problem in found)


def test_colours_outside_the_named_sets_fail():
    tab10_blue, css_orange = "#1f77b4", "orange"
    fig = go.Figure([go.Bar(x=["a"], y=[1], marker_color=tab10_blue),
                     go.Scatter(y=[1, 2], mode="lines", line_color=css_orange),
                     go.Heatmap(z=[[0, 1]], colorscale="Turbo"),  # a rainbow: not colour-blind safe
                     go.Heatmap(z=[[0, 1]], colorscale=[[0, pc.sequential.Viridis[0]], [1, pc.diverging.RdBu[0]]])])
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, line_color="#d62728")
    found = " | ".join(problems_of(fig))
    assert tab10_blue in found and "'orange'" in found and "#d62728" in found
    assert "data[2].colorscale" in found  # Turbo
    assert "data[3].colorscale: its colours come from more than one named set" in found


def test_palette_colours_translucent_ones_and_neutrals_pass():
    fig = go.Figure([
        go.Bar(x=["a", "b"], y=[1, 2], marker_color=[palette.BLUE, palette.rgba(palette.VERMILLION, 0.3)]),
        go.Scatter(y=[1, 2], mode="lines+markers", line_color="rgba(128, 128, 128, 0.5)", marker_color="white"),
        go.Heatmap(z=[[0, 1]], colorscale=palette.colorscale(palette.SEQUENTIAL)),
        go.Heatmap(z=[[-1, 1]], colorscale=palette.colorscale(palette.DIVERGING, reverse=True)),
        go.Heatmap(z=[[0, 1]], colorscale=[[0, "#888"], [0.5, "#888"], [0.5, palette.BLUE], [1, palette.BLUE]]),
    ])
    fig.add_shape(type="line", x0=0, x1=1, y0=0, y1=1, line_color="black")
    assert problems_of(fig) == []


def test_readable_gives_a_figure_without_colours_okabe_itos_colorway():
    fig = readable(go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(y=[1, 2, 3])]))
    assert list(fig.layout.colorway) == palette.CATEGORIES
    assert problems_of(fig) == []
    # A heatmap has no layout-wide default plotly honours: it must name its scale.
    assert problems_of(readable(go.Figure(go.Heatmap(z=[[0, 1]])))) != []


def test_the_named_sets_are_the_published_ones():
    # Okabe and Ito (2008), "Color Universal Design", their eight colours in RGB: orange (230,159,0), sky blue
    # (86,180,233), bluish green (0,158,115), yellow (240,228,66), blue (0,114,178), vermillion (213,94,0), reddish
    # purple (204,121,167), black.
    assert [palette.channels(c) for c in palette.OKABE_ITO.values()] == [
        (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0), (204, 121, 167),
        (0, 0, 0)]
    assert palette.NAMED_SETS["Viridis"][0].lower() == "#440154" and palette.NAMED_SETS["Viridis"][-1] == "#fde725"
    assert palette.NAMED_SETS["RdBu"][0] == "rgb(103,0,31)" and len(palette.NAMED_SETS["RdBu"]) == 11  # ColorBrewer
    assert palette.sets_of(palette.rgba(palette.BLUE, 0.1)) == {"Okabe-Ito"}
    assert palette.sets_of("#7f7f7f") == {"neutral"} and palette.sets_of("#1f77b4") == set()


def test_text_in_a_coloured_box_takes_the_stronger_of_black_and_white():
    assert palette.text_on(palette.BLUE) == palette.WHITE
    for fill in (palette.ORANGE, palette.BLUISH_GREEN, palette.REDDISH_PURPLE, palette.SKY_BLUE):
        assert palette.text_on(fill) == palette.BLACK
        assert contrast_ratio(palette.BLACK, fill) >= 4.5  # WCAG AA for the normal look


def test_the_token_chips_and_the_growing_text_use_palette_colours():
    html = viz_tokens.token_chips_html([{"piece": "▁cat", "position": 1, "id": 9, "kind": "word start"},
                                        {"piece": "<0xE2>", "position": 2, "id": 230, "kind": "byte"},
                                        {"piece": "<s>", "position": 0, "id": 1, "kind": "BOS"}])
    html += viz_generation.continuation_html("The cat", ["▁sat", "▁on"])
    colours = re.findall(r"rgba?\([^)]*\)|#[0-9a-fA-F]{6}\b", html)
    assert len(colours) >= 6
    assert all(palette.sets_of(colour) for colour in colours), [c for c in colours if not palette.sets_of(c)]


def test_high_contrast_keeps_the_palette_and_puts_coloured_text_on_a_box_of_its_own():
    fig = readable(viz_overview.block_diagram(le.PRESETS["tiny"]), high_contrast=True)
    assert problems_of(fig) == []
    layout = fig.to_dict()["layout"]
    boxed = [a for a in layout["annotations"] if a.get("text") and "bgcolor" in a]
    assert len(boxed) >= 16  # every label and detail on the boxes
    for annotation in boxed:  # on whatever box lies behind it: its own box
        assert contrast_ratio(annotation["font"]["color"], annotation["bgcolor"]) >= AAA_CONTRAST


def test_the_figures_of_the_lessons_long_computations_are_palette_only():
    # The LONG_ELEMENTS below run the model over held-out texts, a benchmark or a fine-tune (seconds to a minute
    # each): their figures are checked here, drawn from small made-up numbers, instead of in the element run.
    from llama_edu.fine_tune import NextTokenShift
    from llama_edu.likelihood import ITEMS, RULES, BenchmarkResult
    from llama_edu.quantise import Scheme
    from llama_edu.viz import evaluation as viz_evaluation
    from llama_edu.viz import fine_tuning as viz_fine_tuning
    from llama_edu.viz import long_context as viz_long_context

    card = {"heldout_bits_per_char": 0.6, "everyday_bits_per_char": 2.1, "confirm_bits_per_char": 2.2,
            "n_heldout_stories": 100, "n_everyday_sentences": 40, "n_confirm_sentences": 40}
    picks = {rule: [i % 3 for i in range(len(ITEMS))] for rule in RULES}
    figs = {
        "quant_loss": viz_quantise.loss_figure({"float32": 1.93, "int8, per channel": 1.94, "int4": 2.1}),
        "quant_kv_cache": viz_quantise.kv_memory_figure({"bfloat16": 2e9, "fp8": 1e9, "int8": 1e9, "int4": 5e8},
                                                        13e9, "llama-2-7b", 4096),
        "quant_top_tokens": viz_quantise.top_tokens_figure(["▁mat", "▁moon"], {"float32": [0.5, 0.1],
                                                                              "int4": [0.4, 0.2], "int8": [0.5, 0.1]}),
        "quant_error": viz_quantise.rounding_error_figure({Scheme(4): 0.1, Scheme(4, zero_point=True): 0.08,
                                                           Scheme(4, 128): 0.05, Scheme(4, 128, True): 0.04}),
        "contamination (held out)": viz_evaluation.heldout_figure(card),
        "contamination (leak)": viz_evaluation.leak_figure({"leaked": 2, "clean": 3}, {"leaked": 6, "clean": 3},
                                                           {"leaked": 6, "clean": 6}),
        "choice_benchmark": viz_evaluation.benchmark_figure(ITEMS, [BenchmarkResult(0, picks),
                                                                    BenchmarkResult(3, picks)]),
        "context_loss": viz_long_context.loss_bands_figure({"plain": [2.0, 5.0], "pi": [2.1, 3.0], "yarn": [2.0, 2.5]},
                                                           256),
        "fine_tune_run": viz_fine_tuning.next_token_shift_figure([NextTokenShift(5, "▁mat", 0.2, 0.6),
                                                                  NextTokenShift(6, "▁moon", 0.1, 0.05)], "The cat"),
    }
    _assert_palette_only({name: fig.to_dict() for name, fig in figs.items()})
    # right and wrong are told apart by ✓ and ✗ too, not by colour alone
    cells = [cell for row in figs["choice_benchmark"].data[0].text for cell in row]
    assert all(cell[0] in "✓✗" for cell in cells) and {cell[0] for cell in cells} == {"✓", "✗"}


def test_the_attention_figures_name_their_colour_scales():
    labels = ["<s>", "a", "b"]
    pattern = torch.softmax(torch.randn(2, 3, 3), -1)
    for fig in (viz_attention.pattern_heatmap(pattern[0], labels), viz_attention.heads_grid(pattern, labels, 1),
                viz_attention.similarity_heatmap(torch.eye(2), 1), viz_attention.similarity_heatmap(-torch.eye(2), 1,
                                                                                                  zmin=-1.0)):
        assert problems_of(fig) == []


# ---- every figure the app shows ------------------------------------------------------------------------------------
def _assert_palette_only(specs: dict[str, dict]) -> None:
    found = {name: sorted(set(palette.problems(spec)))[:5] for name, spec in specs.items()}
    assert not any(found.values()), {name: problems for name, problems in found.items() if problems}


@pytest.mark.slow
@pytest.mark.parametrize("page", [f"views/{spec.path.name}" for spec in page_specs()],
                         ids=[spec.url_path for spec in page_specs()])
def test_every_figure_on_every_page_draws_palette_colours_only(page):
    at = open_page(page, timeout=180)
    assert_no_exception(at)
    _assert_palette_only({f"{page} figure {i}": spec for i, spec in enumerate(figures(at))})


# Elements a lesson shows that take seconds to a minute to compute (the model over held-out texts or a benchmark, a
# fine-tune): their figures are checked above on small numbers.
LONG_ELEMENTS = {"quant_loss", "quant_kv_cache", "quant_top_tokens", "quant_error", "contamination", "choice_benchmark",
                 "context_loss", "fine_tune_run"}


def lesson_only_elements() -> list[str]:
    """The live elements the lessons show that no page renders (those are checked with their page)."""
    on_pages = set()
    for view in VIEWS.glob("*.py"):
        on_pages |= set(re.findall(r"""render\(\s*["']([a-z_0-9]+)["']""", view.read_text(encoding="utf-8")))
    in_lessons = {step.element for lesson in load_lessons() for step in lesson.steps if step.element}
    return sorted(in_lessons - on_pages - LONG_ELEMENTS)


@pytest.mark.slow
def test_every_figure_of_the_lesson_elements_draws_palette_colours_only():
    from app.elements import _topic_of

    names = lesson_only_elements()
    assert len(names) >= 20  # the check reaches the lessons' own figures, not an empty list
    topics = sorted({_topic_of()[name] for name in names})
    at = open_elements(topics, names, timeout=300)
    assert_no_exception(at)
    charts = at.get("plotly_chart")
    assert len(charts) >= 20
    _assert_palette_only({chart.key or f"chart {i}": json.loads(chart.proto.spec) for i, chart in enumerate(charts)})
