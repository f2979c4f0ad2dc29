"""The Tokens and Generation pages mark the prompt's words the tiny model never saw in training; the sidebar's
"About this model" card shows the figures of assets/tiny/model_card.json, in English and German."""

import json

import pytest
from apphelpers import assert_no_exception, open_page, shown

import llama_edu as le
from llama_edu import i18n
from llama_edu.evaluate import MODEL_CARD

PAGES = ["views/tokens.py", "views/generation.py"]
UNSEEN = "Merkel met the government in 12 days"
PREFIX = {"en": "Words this model never saw in training:", "de": "Wörter, die dieses Modell im Training nie gesehen hat:"}


def marks(at) -> list[str]:
    return [shown(c.value) for c in at.caption if any(shown(c.value).startswith(p) for p in PREFIX.values())]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("page", PAGES)
def test_a_prompt_with_unseen_words_is_marked(page, lang):
    at = open_page(page, prompt=UNSEEN, lang=lang)
    assert_no_exception(at)
    assert marks(at) == [f"{PREFIX[lang]} Merkel, government"]  # "12": its texts have numbers (corpus version 2)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("page", PAGES)
def test_a_prompt_of_seen_words_is_not_marked(page, lang):
    at = open_page(page, prompt="The cat sat on the mat", lang=lang)
    assert_no_exception(at)
    assert marks(at) == []


def test_the_tokens_page_says_why_unseen_words_break_into_pieces():
    at = open_page("views/tokens.py", prompt=UNSEEN)
    assert any("no piece of its own" in c.value for c in at.caption)
    at = open_page("views/generation.py", prompt=UNSEEN)
    assert not any("no piece of its own" in c.value for c in at.caption)


def test_markup_around_an_unseen_word_is_not_part_of_it():
    at = open_page("views/tokens.py", prompt="the *Merkel* [link](x)")
    assert_no_exception(at)
    assert marks(at) == [f"{PREFIX['en']} Merkel, link, x"]  # words are letters: the markup is not part of them


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_model_card_shows_the_measured_figures(lang):
    card = json.loads((le.TINY_MODEL_DIR / MODEL_CARD).read_text())
    at = open_page("views/tokens.py", lang=lang)
    assert_no_exception(at)
    label = {"en": "About this model", "de": "Über dieses Modell"}[lang]
    expander = next(e for e in at.sidebar.expander if e.label == label)  # (a "Join a class" box may come first)
    text = shown("".join(md.value for md in expander.markdown))
    for value, spec in [(card["training_tokens"], ","), (card["distinct_words"], ","),
                        (card["heldout_bits_per_char"], ".3f"), (card["everyday_bits_per_char"], ".2f"),
                        (card["n_everyday_sentences"], ","), (card["n_heldout_stories"], ",")]:
        assert i18n.number(value, spec, lang=lang) in text
    expected = {"en": ["8,192,000", "0.403", "1.93"], "de": ["8.192.000", "0,403", "1,93"]}[lang]
    assert all(figure in text for figure in expected)
    assert "LLAMA_EDU_MODELS" in text
