"""Every figure of assets/tiny/model_card.json (the app's "About this model" card) against the model and its files."""

import json

import pytest

import llama_edu as le
from llama_edu.evaluate import (
    CONFIRM_SENTENCES,
    MODEL_CARD,
    bits_per_character,
    everyday_sentences,
    heldout_stories,
    read_model_card,
)
from llama_edu.train import write_training_corpus
from llama_edu.training_words import training_words

CARD = json.loads((le.TINY_MODEL_DIR / MODEL_CARD).read_text())
LOG = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())


def test_the_card_has_every_figure():
    assert read_model_card(le.TINY_MODEL_DIR) == CARD
    assert set(CARD) == {"training_tokens", "distinct_words", "heldout_bits_per_char", "n_heldout_stories",
                         "everyday_bits_per_char", "n_everyday_sentences", "confirm_bits_per_char",
                         "n_confirm_sentences"}


def test_training_tokens_are_the_training_logs():
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    assert CARD["training_tokens"] == log["evals"][-1]["tokens"] == log["config"]["steps"] * log["config"][
        "batch_size"] * log["config"]["seq_len"]


def test_distinct_words_are_the_shipped_word_list():
    assert CARD["distinct_words"] == len(training_words(le.TINY_MODEL_DIR))


def test_no_card_is_none(tmp_path):
    assert read_model_card(tmp_path) is None


@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR, device="cpu", dtype="float32"), le.load_tokenizer(le.TINY_MODEL_DIR)


@pytest.mark.slow
def test_everyday_bits_per_character_is_measured(tiny):
    assert CARD["n_everyday_sentences"] == len(everyday_sentences())
    assert CARD["everyday_bits_per_char"] == pytest.approx(bits_per_character(*tiny, everyday_sentences()), abs=1e-4)
    assert round(CARD["everyday_bits_per_char"], 2) == 1.93  # README quotes it (the first tiny model: 3.32)


@pytest.mark.slow
def test_second_set_bits_per_character_is_measured(tiny):
    second = everyday_sentences(CONFIRM_SENTENCES)
    assert CARD["n_confirm_sentences"] == len(second)
    assert CARD["confirm_bits_per_char"] == pytest.approx(bits_per_character(*tiny, second), abs=1e-4)


@pytest.mark.slow
def test_heldout_bits_per_character_is_measured_on_the_validation_stories(tiny, tmp_path):
    """val.txt of the corpus the training log names (write_training_corpus), the tiny model's; its first 400 texts.
    About 15 s."""
    write_training_corpus(LOG["config"], tmp_path)
    stories = heldout_stories(tmp_path)
    assert CARD["n_heldout_stories"] == len(stories) == 400
    assert CARD["heldout_bits_per_char"] == pytest.approx(bits_per_character(*tiny, stories), abs=1e-4)
    assert round(CARD["heldout_bits_per_char"], 3) == 0.403  # REPORT.md's figure
