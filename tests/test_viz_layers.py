"""Figures of attention across layers (llama_edu/viz/layers.py): they draw the tensors they are given, on the token
labels they are given, and say the same thing in English and German."""

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from helpers import SMALL_CONFIGS, random_model

from llama_edu import i18n
from llama_edu.analysis import HeadRole, layer_head_measures
from llama_edu.rollout import attention_rollout, patterns_from_cache, raw_attention, uniform_rollout
from llama_edu.viz import layers as viz
from llama_edu.viz.labels import token_labels

PIECES = ["<s>", "▁the", "▁cat", "▁sat", "▁on", "▁the", "▁mat"]
T = len(PIECES)


@pytest.fixture(scope="module")
def captured():
    model = random_model(SMALL_CONFIGS["gqa"])
    _, cache = model.run_with_cache(torch.randint(0, 96, (1, T), generator=torch.Generator().manual_seed(2)))
    patterns = patterns_from_cache(cache, model.cfg.n_layers)[:, 0]  # [L, H, T, T]
    return patterns, attention_rollout(patterns)


def figures(patterns, rollout, lang: str) -> dict[str, go.Figure]:
    labels = token_labels(PIECES)
    measures = layer_head_measures(patterns)
    roles = [HeadRole(1, 2, "previous token", 0.5)]
    return {
        "rollout": viz.rollout_figure(rollout, raw_attention(patterns[-1]), labels, 1, "x", lang=lang),
        "flow": viz.rollout_flow_figure(rollout, labels, T - 1, lang=lang),
        "first": viz.first_token_flow_figure(rollout, uniform_rollout(T, len(rollout)), T - 1, lang=lang),
        "grid": viz.measures_grid(measures, T, roles, lang=lang),
    }


def test_rollout_figure_draws_the_chosen_layer_on_the_token_labels(captured):
    patterns, rollout = captured
    fig = figures(patterns, rollout, "en")["rollout"]
    left, right = fig.data
    labels = token_labels(PIECES)
    assert list(left.x) == labels and list(left.y) == labels and labels[0] == "0:&lt;s&gt;"
    below = np.tril_indices(T)
    np.testing.assert_allclose(np.asarray(left.z)[below], rollout[1].numpy()[below], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(right.z)[below], patterns[-1].mean(0).numpy()[below], rtol=1e-6)
    assert np.isnan(np.asarray(left.z)[np.triu_indices(T, 1)]).all()
    with pytest.raises(ValueError):
        viz.rollout_figure(rollout, patterns[-1].mean(0), labels, len(rollout), "x")


def test_grid_draws_each_measure_and_frames_the_roles(captured):
    patterns, rollout = captured
    fig = figures(patterns, rollout, "en")["grid"]
    heatmaps = [trace for trace in fig.data if trace.type == "heatmap"]
    assert len(heatmaps) == 5  # no subject_of_verb given: five panels
    measures = layer_head_measures(patterns)
    np.testing.assert_allclose(np.asarray(heatmaps[1].z), measures["mean_distance"].numpy(), rtol=1e-6)
    (frame,) = fig.layout.shapes
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (1.5, 2.5, 0.5, 1.5)
    assert frame.xref == "x4" and frame.yref == "y4"  # the previous-token panel, the fourth
    assert "L1H2: previous token" in np.asarray(heatmaps[3].customdata)[1, 2]


@pytest.mark.parametrize("name", ["rollout", "flow", "first", "grid"])
def test_german_figures_carry_the_same_data_in_german_words(captured, name):
    patterns, rollout = captured
    en, de = figures(patterns, rollout, "en")[name], figures(patterns, rollout, "de")[name]
    for a, b in zip(en.data, de.data, strict=True):
        field = "z" if a.type == "heatmap" else "y"  # the numbers; heatmap rows may be named in words
        np.testing.assert_array_equal(np.asarray(getattr(a, field), dtype=float),
                                      np.asarray(getattr(b, field), dtype=float))
    assert en.layout.title.text != de.layout.title.text
    english = {texts["en"] for key, texts in i18n.strings().items()
               if key.startswith("layers.") and texts["en"] != texts["de"] and "{" not in texts["en"]}
    shown = [de.layout.title.text] + [a.text for a in de.layout.annotations] \
        + [axis.title.text for axis in (de.layout.xaxis, de.layout.yaxis)] + [trace.name for trace in de.data]
    assert not english & {text for text in shown if text}
