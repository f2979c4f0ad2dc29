"""Numbers inside figures follow the language too: every figure sets plotly's separators (German 0,125 and 4.096 in
axis ticks, hover and cell templates), and the numbers Python writes into a figure's text use the same marks."""

import json
import re

import pytest
from test_viz_i18n import FIGURES, TEXT_KEYS, _leaves, _tree, d  # noqa: F401 - every viz figure, its inputs

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


# A number written with a decimal mark or thousands separator ("0.25", "4,096", "1.234,5"); "0..7" is a range.
_MARKED_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)+(?![\w])")
_GERMAN_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")  # 4.096 · 0,25 · 1.234,5


def _written_numbers(fig) -> dict[tuple, list[str]]:
    """The numbers Python wrote into a figure's texts (titles, labels, annotations, frames, hover texts and tick
    labels), by place; not those plotly writes itself from a reference such as %{z:.3f}, which follow separators."""
    found = {}
    for path, key, value in _leaves(_tree(fig)):
        if isinstance(value, str) and key in TEXT_KEYS | {"ticktext"}:
            prose = re.sub(r"%\{[^}]*\}|<[^>]*>|&#?\w+;", " ", value)  # without plotly references, tags, entities
            found[path] = _MARKED_NUMBER.findall(prose)
    return found


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_number_python_writes_into_a_german_figure_has_german_marks(name, d):
    """Every figure function (FIGURES holds one call of each, on a small random model): a decimal point or an
    English thousands comma written into a German figure's text by Python (an f-string, not i18n.number) fails."""
    english, german = _written_numbers(FIGURES[name](d, "en")), _written_numbers(FIGURES[name](d, "de"))
    for path, numbers in german.items():
        for written in numbers:
            assert _GERMAN_NUMBER.fullmatch(written), f"{written!r} at {path} is not written the German way"
        if len(english.get(path, [])) == len(numbers):  # the same numbers: each must have changed its marks
            for en, de in zip(english[path], numbers):
                assert de == en.translate(str.maketrans(".,", ",.")), f"{en!r} -> {de!r} at {path}"


def test_the_number_check_catches_what_it_is_for():
    assert _MARKED_NUMBER.findall("m·θ = 0.56 rad, 4,096 tokens, pairs 0..7") == ["0.56", "4,096"]
    assert not _GERMAN_NUMBER.fullmatch("0.56") and not _GERMAN_NUMBER.fullmatch("4,096.5")
    assert _GERMAN_NUMBER.fullmatch("0,56") and _GERMAN_NUMBER.fullmatch("4.096,5")
