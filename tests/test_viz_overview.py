import itertools
import math

import pytest
import torch

import llama_edu as le
from llama_edu.viz import overview


def test_family_rows_carry_the_config_numbers():
    rows = {r["model"]: r for r in overview.family_rows()}
    assert rows["llama-2-70b"]["kv_heads"] == 8 and rows["llama-2-70b"]["attention"] == "GQA"
    assert rows["llama-3-8b"]["vocabulary"] == 128_256 and rows["llama-3-8b"]["rope_theta"] == 500_000
    assert rows["llama-3-8b"]["context"] == 8192 and rows["llama-2-70b"]["dim"] == 8192
    # llama-7b by hand: embeddings and output 32,000 x 4,096; per layer wq, wk, wv, wo, w1, w2, w3 and two norm gains
    llama_7b = 2 * 32000 * 4096 + 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 4096
    assert rows["llama-7b"]["parameters_billions"] == llama_7b / 1e9
    assert rows["llama-7b"]["training_tokens_trillions"] == 1 and rows["llama-2-7b"]["training_tokens_trillions"] == 2


def test_parameter_shares_sum_to_100_percent_per_model():
    cfgs = {"a": le.PRESETS["llama-7b"], "b": le.PRESETS["tiny"]}
    fig = overview.parameter_shares(cfgs)
    totals = [sum(bar.x[i] for bar in fig.data) for i in range(2)]
    assert all(abs(t - 100) < 1e-9 for t in totals)


def test_block_diagram_labels_this_configs_sizes():
    cfg = le.PRESETS["llama-2-70b"]
    text = " ".join(a.text for a in overview.block_diagram(cfg).layout.annotations)
    assert "64 query heads, 8 KV heads of 128" in text and "x 80 layers" in text and "28,672" in text


def test_parameter_rows_are_the_breakdown_with_shares():
    cfg = le.PRESETS["llama-7b"]
    rows = {r["component"]: r for r in overview.parameter_rows(cfg)}
    assert rows["tok_embeddings"]["parameters"] == 32000 * 4096
    assert rows["attention"]["parameters"] == 32 * 4 * 4096 * 4096  # wq, wk, wv, wo per layer
    assert rows["feed_forward"]["share"] == pytest.approx(32 * 3 * 4096 * 11008 / 6_738_415_616)


def test_top_token_rows_are_the_softmax_top_k():
    logits = torch.tensor([0.0, 2.0, 1.0, -1.0])
    rows = overview.top_token_rows(logits, lambda i: f"t{i}", k=2)
    probs = logits.softmax(-1)
    assert rows == [{"token": "t1", "probability": pytest.approx(float(probs[1]))},
                    {"token": "t2", "probability": pytest.approx(float(probs[2]))}]
    assert len(overview.top_token_rows(logits, str, k=10)) == 4  # never more than the vocabulary


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB of a "#rrggbb" colour (sRGB, D65): distances in it follow how different two colours look."""
    linear = [(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
              for c in (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))]
    xyz = [sum(w * c for w, c in zip(row, linear)) / white for row, white in zip(
        ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)), (0.95047, 1.0, 1.08883))]
    f = [v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29 for v in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_parameter_shares_give_every_part_a_colour_of_its_own():
    # "#8c6bb1" and "#756bb1" are two strings but one purple (a distance of 8): 25 is clearly another colour.
    fig = overview.parameter_shares({"a": le.PRESETS["llama-7b"]})
    colours = {bar.name: bar.marker.color for bar in fig.data}
    assert set(colours) == set(le.parameter_breakdown(le.PRESETS["llama-7b"]))
    for a, b in itertools.combinations(colours, 2):
        assert math.dist(_lab(colours[a]), _lab(colours[b])) > 25, (a, b, colours[a], colours[b])


def test_parameter_shares_legend_sits_above_the_bars_not_on_them():
    legend = overview.parameter_shares({"this model": le.PRESETS["tiny"], "b": le.PRESETS["llama-7b"]}).layout.legend
    # anchored by its bottom edge at or above the plot area's top (paper y = 1): it cannot cover the first bar
    assert legend.yanchor == "bottom" and legend.y >= 1
    assert legend.orientation == "h" and legend.traceorder == "normal"  # entries in the bars' left-to-right order


def test_block_diagram_adds_each_residual_on_the_main_line_between_its_sublayer_and_the_next_box():
    fig = overview.block_diagram(le.PRESETS["tiny"])
    arrows = [a for a in fig.layout.annotations if a.showarrow and a.arrowcolor == "#888"]
    main = {a.x for a in arrows}
    assert len(main) == 1  # the forward pass runs along one line
    adds = next(trace for trace in fig.data if trace.marker.symbol == "circle-cross")  # the two ⊕
    assert set(adds.x) == main
    boxes = {a.text.removeprefix("<b>").removesuffix("</b>"): a.y - 0.1 for a in fig.layout.annotations
             if a.text.startswith("<b>") and a.x in main}
    attention = next(y for label, y in boxes.items() if label.startswith("attention:"))
    assert attention < adds.y[0] < boxes["ffn_norm (RMSNorm)"]
    assert boxes["feed_forward: SwiGLU"] < adds.y[1] < boxes["norm (RMSNorm)"]
    # the red residual arrow of each connection ends at its ⊕, and a main-line arrow leaves it upwards
    red = [a for a in fig.layout.annotations if a.showarrow and a.arrowcolor == overview.RESIDUAL_COLOUR]
    assert sorted(a.y for a in red) == sorted(adds.y) and all(a.ay == a.y and a.x < a.ax for a in red)
    for y in adds.y:
        assert any(abs(a.ay - (y + overview.ADD_HALF + 0.01)) < 1e-9 for a in arrows)


def test_block_diagram_boxes_use_the_parameter_shares_colours():
    fills = {shape.fillcolor for shape in overview.block_diagram(le.PRESETS["tiny"]).layout.shapes if shape.fillcolor}
    assert set(overview.COMPONENT_COLOURS.values()) <= fills
