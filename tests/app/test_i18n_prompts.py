"""What prepare_prompt tells the student (llama_edu/strings/prompts.yaml), in German and in English, for each edge
prompt of apphelpers.EDGE_PROMPTS: the empty and blank ones refused, control characters removed, a prompt past the
view's limit truncated; English stays word for word what it was."""

import pytest
from apphelpers import EDGE_PROMPTS, assert_no_exception, open_page

import llama_edu as le
from llama_edu.prompts import MAX_PROMPT_CHARS, PromptError, prepare_prompt

LIMIT = 64  # any limit will do: the app's own is app.common.working_context


@pytest.fixture(scope="module")
def tok() -> le.Tokenizer:
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def notes(tok, text: str, lang: str) -> list[str]:
    return prepare_prompt(tok, text, LIMIT, lang=lang).notes


@pytest.mark.parametrize("case", ["empty", "only spaces"])
def test_an_empty_prompt_is_refused_in_each_language(tok, case):
    with pytest.raises(PromptError) as english:
        prepare_prompt(tok, EDGE_PROMPTS[case], LIMIT)
    assert str(english.value) == "The prompt is empty: type a sentence, for example \"The cat sat on the mat\"."
    with pytest.raises(PromptError) as german:
        prepare_prompt(tok, EDGE_PROMPTS[case], LIMIT, lang="de")
    assert str(german.value) == "Der Prompt ist leer: Gib einen Satz ein, zum Beispiel „The cat sat on the mat“."


def test_removed_control_characters_are_reported_in_each_language(tok):
    text = EDGE_PROMPTS["emoji, right-to-left and control characters"]  # \x07, \x1b and a zero-width space
    assert notes(tok, text, "en") == ["Removed 3 invisible control character(s)."]
    assert notes(tok, text, "de") == ["Unsichtbare Steuerzeichen entfernt: 3."]


def test_a_prompt_past_the_limit_is_truncated_with_a_note_in_each_language(tok):
    text = EDGE_PROMPTS["longer than the model's context"]
    n = len(tok.encode(text))
    assert n > 1_000
    assert notes(tok, text, "en") == [f"The prompt is {n:,} tokens; the first 64 are used (the limit for this view, at "
                                      f"most the model's context)."]
    german = f"{n:,}".replace(",", ".")
    assert notes(tok, text, "de") == [f"Der Prompt hat {german} Tokens; verwendet werden die ersten 64 (die Grenze "
                                      f"dieser Ansicht, höchstens der Kontext des Modells)."]


def test_a_prompt_past_the_character_limit_is_cut_with_a_note_in_each_language(tok):
    text = "The cat sat on the mat. " * 1_000  # 24,000 characters
    assert notes(tok, text, "en")[0] == "The prompt was 24,000 characters; only the first 20,000 were used."
    assert notes(tok, text, "de")[0] == "Der Prompt hatte 24.000 Zeichen; verwendet wurden nur die ersten 20.000."
    assert len(text) > MAX_PROMPT_CHARS


def test_a_prompt_that_is_not_text_is_refused_in_each_language(tok):
    with pytest.raises(PromptError, match="^the prompt must be text$"):
        prepare_prompt(tok, None, LIMIT)
    with pytest.raises(PromptError, match="^Der Prompt muss Text sein.$"):
        prepare_prompt(tok, None, LIMIT, lang="de")


def test_an_unknown_language_gets_english(tok):
    text = EDGE_PROMPTS["emoji, right-to-left and control characters"]
    assert notes(tok, text, "xx") == notes(tok, text, "en")


# ---- in the app ------------------------------------------------------------------------------------------------
# What the overview page says about each edge prompt, by how the German message starts.
SAID = {"empty": "Der Prompt ist leer", "only spaces": "Der Prompt ist leer",
        "emoji, right-to-left and control characters": "Unsichtbare Steuerzeichen entfernt",
        "ten thousand characters": "Der Prompt hat ", "longer than the model's context": "Der Prompt hat "}


@pytest.mark.parametrize("case", list(EDGE_PROMPTS))
def test_a_german_page_tells_the_student_about_the_prompt_in_german(case):
    at = open_page("views/overview.py", EDGE_PROMPTS[case], lang="de")
    assert_no_exception(at)
    told = [box.value for box in [*at.warning, *at.info] if not box.value.startswith("**Worauf du achten")]
    assert any(message.startswith(SAID[case]) for message in told), told
    english = ("The prompt", "Removed", "character", "tokens;", "were used")
    assert not [message for message in told if any(word in message for word in english)], told
