"""Numbers inside figures follow the language too: every figure sets plotly's separators (German 0,125 and 4.096 in
axis ticks, hover and cell templates), and the numbers Python writes into a figure's text use the same marks."""

import json

import pytest
from test_viz_i18n import FIGURES, d  # noqa: F401 - the figures of every viz function, and their inputs

from llama_edu.viz.labels import SEPARATORS


@pytest.mark.parametrize("name", sorted(FIGURES))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_figure_writes_numbers_the_way_its_language_does(name, lang, d):
    fig = FIGURES[name](d, lang)
    assert fig.layout.separators == SEPARATORS[lang]
    assert FIGURES[name](d, "xx").layout.separators == SEPARATORS["en"]  # an unknown language writes English


def test_numbers_written_into_figure_text_use_the_languages_decimal_mark(d):
    # The ablation bars' labels are written by Python, not plotly: 12.5% in English, 12,5 % in German.
    english, german = (json.loads(FIGURES["attention.ablation_bars"](d, lang).to_json()) for lang in ("en", "de"))
    labels = {lang: [text for trace in fig["data"] for text in trace.get("text", [])]
              for lang, fig in (("en", english), ("de", german))}
    assert labels["en"] and all("." in text and "," not in text for text in labels["en"])
    assert all("," in text and "." not in text for text in labels["de"])
