"""Why a word is one piece, several pieces or bytes: the word_pieces element on the Tokens page and in lesson 3, in
English and German. Every row is compared with llama_edu.tokenizer.word_pieces on the shipped tokenizer, so the test
holds whatever that tokenizer's vocabulary is (with or without digit pieces)."""

import pytest
from apphelpers import APP, assert_no_exception, open_elements, open_page, shown, widget_keys
from streamlit.testing.v1 import AppTest

import llama_edu as le
from app.elements.tokens import CHECKED_CHARACTERS, WORD_EXAMPLES
from llama_edu import i18n, tokenizer
from llama_edu.lessons import load_lessons

PROMPTS = ["Jürgen aß 3 Äpfel 🦙", "The cat sat on the mat"]
LESSON = next(lesson for lesson in load_lessons() if any(s.element == "word_pieces" for s in lesson.steps))
STEP = next(i for i, s in enumerate(LESSON.steps, 1) if s.element == "word_pieces")
WHY = {tokenizer.ONE_PIECE: "app.tokens.why_one_piece", tokenizer.SEVERAL_PIECES: "app.tokens.why_several_pieces",
       tokenizer.BYTES: "app.tokens.why_bytes"}


@pytest.fixture(scope="module")
def tok():
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def open_lesson_step(prompt: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(lang=lang, lesson=LESSON.id, step=str(STEP))
    at.session_state["prompt"] = prompt
    at.switch_page("views/lessons.py")
    at.run()
    return at


def word_table(at: AppTest, lang: str):
    word = i18n.t("columns.word", lang)
    (frame,) = [frame.value for frame in at.dataframe if word in frame.value.columns]
    return frame


def assert_words_explained(at: AppTest, tok, prompt: str, lang: str) -> None:
    """The table has one row per word of tokenizer.word_pieces, with its pieces and the why in the language; the
    summary counts them; the live check names every checked character as having a piece or not."""
    assert_no_exception(at)
    words = tokenizer.word_pieces(tok, tok.encode(prompt))
    frame = word_table(at, lang)
    column = {key: i18n.t(f"columns.{key}", lang) for key in ("word", "pieces", "n_pieces", "why")}
    assert list(frame[column["word"]]) == [w["word"] for w in words] == prompt.split()
    assert list(frame[column["pieces"]]) == [" · ".join(w["pieces"]) for w in words]
    assert [int(n) for n in frame[column["n_pieces"]]] == [len(w["pieces"]) for w in words]
    assert list(frame[column["why"]]) == [i18n.t(WHY[w["why"]], lang) for w in words]
    text = " ".join(shown(md.value) for md in at.markdown)
    assert i18n.t("app.tokens.words_summary", lang, words=len(words),
                  **{name: sum(w["why"] == why for w in words) for name, why in
                     [("one", tokenizer.ONE_PIECE), ("several", tokenizer.SEVERAL_PIECES),
                      ("bytes", tokenizer.BYTES)]}) in text
    for characters in CHECKED_CHARACTERS:
        missing = tokenizer.characters_without_piece(tok, characters)
        if missing:
            assert i18n.t("app.tokens.piece_no", lang, characters=" ".join(missing)) in text
        if len(missing) < len(characters):
            having = " ".join(ch for ch in characters if ch not in missing)
            assert i18n.t("app.tokens.piece_yes", lang, characters=having) in text


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_the_tokens_page_explains_each_word_of_the_prompt(tok, prompt, lang):
    at = open_page("views/tokens.py", prompt=prompt, lang=lang)
    assert_words_explained(at, tok, prompt, lang)
    assert i18n.t("app.tokens.why_title", lang) in [h.value for h in at.subheader]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_the_tokenizer_lesson_step_explains_each_word_of_the_prompt(tok, prompt, lang):
    at = open_lesson_step(prompt, lang)
    step = next(lesson for lesson in load_lessons(lang=lang) if lesson.id == LESSON.id).steps[STEP - 1]
    assert any(step.title in h.value for h in at.subheader)
    assert_words_explained(at, tok, prompt, lang)


def test_the_emoji_is_spelled_in_its_four_bytes(tok):
    at = open_page("views/tokens.py", prompt=PROMPTS[0])
    row = word_table(at, "en").set_index("word").loc["🦙"]
    assert row["characters as bytes"] == "🦙 → F0 9F A6 99" and row["why"] == i18n.t("app.tokens.why_bytes", "en")
    assert any("🦙 → F0 9F A6 99" in c.value for c in at.caption)


def test_an_example_button_becomes_the_prompt(tok):
    at = open_page("views/tokens.py")
    at.button(key="tokens_word_example_1").click().run()
    assert at.session_state["prompt"] == WORD_EXAMPLES[1] == at.sidebar.text_area[0].value
    assert_words_explained(at, tok, WORD_EXAMPLES[1], "en")


def test_the_element_draws_twice_on_one_screen():
    at = open_elements("tokens", "word_pieces")
    assert_no_exception(at)
    assert all(k.startswith(("first_", "second_")) for k in widget_keys(at)), widget_keys(at)
    assert len(at.button) == 2 * len(WORD_EXAMPLES)
