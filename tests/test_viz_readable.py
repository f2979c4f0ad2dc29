"""readable(): no text of a figure below the minimum, larger text left alone, the input untouched; high contrast is
black on white at 7:1 or more (WCAG 2 contrast ratio, https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""

import numpy as np
import plotly.graph_objects as go
import pytest
from figure_fonts import UNSET_PX, text_sizes, too_small
from plotly.subplots import make_subplots

from llama_edu.viz.readable import (
    AAA_CONTRAST,
    HIGH_CONTRAST,
    NORMAL_MIN_PX,
    PRESENTER_MIN_PX,
    contrast_ratio,
    readable,
)


def small_everything() -> go.Figure:
    """Every place a figure draws text, most at 9 px or unset, one annotation already large."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["left", "right"])
    fig.add_trace(go.Heatmap(z=np.eye(3), texttemplate="%{z:.1f}", textfont={"size": 9},
                             colorbar={"tickfont": {"size": 9}, "title": {"text": "p", "font": {"size": 9}}}), 1, 1)
    fig.add_trace(go.Bar(x=["a", "b"], y=[1, 2], text=["1", "2"], name="bars", outsidetextfont={"size": 8}), 1, 2)
    fig.add_trace(go.Scatter(x=[0, 1], y=[1, 0], mode="lines+text", text=["x", "y"], name="line",
                             marker={"color": [0, 1], "showscale": True, "colorbar": {"x": 1.2}}), 1, 2)
    fig.add_annotation(text="note", x=0, y=0, font={"size": 10})
    fig.add_annotation(text="big", x=1, y=1, font={"size": 40})
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, label={"text": "box", "font": {"size": 9}})
    fig.update_xaxes(tickfont={"size": 9}, title={"text": "token", "font": {"size": 9}})
    fig.update_layout(title={"text": "a title", "font": {"size": 11}}, font={"size": 10},
                      legend={"font": {"size": 9}, "title": {"text": "which", "font": {"size": 9}}},
                      coloraxis={"colorbar": {"tickfont": {"size": 9}}})
    return fig


def test_the_reference_sees_the_small_text_of_an_untouched_figure():
    sizes = dict(text_sizes(small_everything().to_plotly_json()))
    assert sizes["xaxis.tickfont"] == 9 and sizes["yaxis.tickfont"] == UNSET_PX  # unset counts as plotly's 12
    assert sizes["annotations[0]"] == 16  # make_subplots writes its subplot titles at 16 px


@pytest.mark.parametrize("min_px", [NORMAL_MIN_PX, PRESENTER_MIN_PX])
def test_no_text_is_smaller_than_the_minimum(min_px):
    assert too_small(small_everything().to_plotly_json(), min_px)  # the test figure does start too small
    assert too_small(readable(small_everything(), min_px).to_plotly_json(), min_px) == []


def test_a_plain_figure_with_nothing_set_is_raised_too():
    fig = go.Figure(go.Bar(x=["a"], y=[1], text=["1"]))
    assert too_small(readable(fig, 20).to_plotly_json(), 20) == []


def test_larger_text_stays_as_it_is_and_titles_stay_larger_than_text():
    fig = readable(small_everything(), PRESENTER_MIN_PX)
    assert fig.layout.annotations[3].font.size == 40  # "big", after the two subplot titles and "note"
    assert fig.layout.title.font.size > PRESENTER_MIN_PX


def test_the_figure_given_is_not_changed():
    fig = small_everything()
    before = fig.to_plotly_json()
    readable(fig, PRESENTER_MIN_PX, high_contrast=True)
    assert fig.to_plotly_json() == before


@pytest.mark.parametrize("high_contrast", [False, True])
def test_the_readable_figure_is_valid_plotly(high_contrast):
    """readable() builds its result unvalidated (a figure's sizes and colours, set as plain values): plotly's own
    validation of the result must accept every value, and give back the same figure."""
    fig = readable(small_everything(), PRESENTER_MIN_PX, high_contrast=high_contrast)
    validated = go.Figure(fig.to_dict())  # validates every property, raising on any it does not know
    assert validated.to_plotly_json() == fig.to_plotly_json()


def test_sizes_given_per_point_are_raised_each():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="text", text=["a", "b"], textfont={"size": [8, 30]}))
    assert list(readable(fig, 14).data[0].textfont.size) == [14, 30]


def test_wcag_contrast_ratio_matches_known_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey at AA on white
    assert contrast_ratio("rgb(89, 89, 89)", "white") == pytest.approx(7.0, abs=0.01)  # #595959: AAA's limit


@pytest.mark.parametrize("text, background", [("text", "background"), ("link", "background"),
                                              ("background", "text")],  # a primary button: white on black
                         ids=["text", "link", "button"])
def test_high_contrast_colours_reach_seven_to_one(text, background):
    assert contrast_ratio(HIGH_CONTRAST[text], HIGH_CONTRAST[background]) >= AAA_CONTRAST


def test_high_contrast_figure_text_is_black_on_white_or_white_on_black():
    fig = small_everything()
    fig.add_annotation(text="on a dark box", x=0.5, y=0.5, font={"color": "white"})
    fig.add_annotation(text="red", x=0.5, y=0.2, font={"color": "#d62728"})
    spec = readable(fig, NORMAL_MIN_PX, high_contrast=True).to_plotly_json()
    layout = spec["layout"]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == HIGH_CONTRAST["background"]
    fonts = [layout["font"], layout["title"]["font"], layout["legend"]["font"], layout["xaxis"]["tickfont"],
             layout["yaxis2"]["tickfont"], layout["xaxis"]["title"]["font"]]
    assert all(contrast_ratio(f["color"], layout["paper_bgcolor"]) >= AAA_CONTRAST for f in fonts)
    for annotation in layout["annotations"]:
        behind = annotation.get("bgcolor", layout["paper_bgcolor"])
        assert contrast_ratio(annotation["font"]["color"], behind) >= AAA_CONTRAST, annotation["text"]


def test_sub_and_superscripts_reach_the_minimum_too():
    # plotly draws <sub>/<sup> at 70%: x<sub>2i</sub> at 20 px has a 14 px "2i"; so do a log axis's powers of ten.
    fig = go.Figure(go.Scatter(x=[1, 10], y=[1, 1000]))
    fig.update_xaxes(title="x<sub>2i</sub>")
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(title="pair 0: θ<sub>0</sub>")
    assert too_small(readable(fig, NORMAL_MIN_PX).to_plotly_json(), NORMAL_MIN_PX) == []
    assert readable(fig, PRESENTER_MIN_PX).layout.xaxis.title.font.size == 29  # 0.7 * 29 = 20.3


def test_a_log_axis_drops_its_small_digits_between_powers_of_ten():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0.3, 20]), layout={"yaxis": {"type": "log", "tickfont": {"size": 20}}})
    assert ("yaxis.minor log labels", 15) in too_small(fig.to_plotly_json(), 20)  # "2 3 4 ... 9" at 75%
    assert readable(fig, 20).layout.yaxis.minorloglabels == "none"
    assert too_small(readable(fig, 20).to_plotly_json(), 20) == []


def test_a_figure_grows_taller_with_its_type_and_not_in_normal_mode():
    fig = go.Figure(go.Bar(x=["a"], y=[1]), layout={"height": 300, "font": {"size": 16}, "margin": {"t": 40}})
    assert readable(fig, NORMAL_MIN_PX).layout.height == 300
    bigger = readable(fig, PRESENTER_MIN_PX).layout
    assert (bigger.height, bigger.margin.t) == (375, 50)  # 20 / 16 = 1.25


def test_every_figure_of_the_app_goes_through_show_figure():
    # app/common.py: show_figure applies readable() with the session's mode; a direct st.plotly_chart would skip it.
    from pathlib import Path

    app = Path(__file__).resolve().parents[1] / "app"
    direct = [f"{path.relative_to(app)}:{i}" for path in sorted(app.rglob("*.py")) if path.name != "common.py"
              for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "plotly_chart(" in line]
    assert direct == []


def test_bertviz_head_view_is_drawn_large_with_faint_lines_made_visible():
    import torch

    from llama_edu.viz import bertviz_offline

    attentions = tuple(torch.rand(1, 2, 4, 4).softmax(-1).double() for _ in range(2))
    head = bertviz_offline.head_view_html(attentions, ["a", "b", "c", "d"])
    # Every replacement found its text in the installed bertviz (a new bertviz would silently keep 15 px).
    assert all(new in head for new in bertviz_offline._HEAD_VIEW_LOOK.values())
    assert f"font-size: {PRESENTER_MIN_PX}px" in head  # the layer picker and the page around the view
    model = bertviz_offline.model_view_html(attentions, ["a", "b", "c", "d"])
    assert all(new in model for new in bertviz_offline._MODEL_VIEW_LOOK.values())
