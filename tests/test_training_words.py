"""The words a model saw in training (training_words.txt) and a prompt's words it never saw (unseen_words)."""

import json
from pathlib import Path

import pytest

import llama_edu as le
from llama_edu.train import write_training_corpus
from llama_edu.training_words import WORDS_FILE, training_words, unseen_words, word_list, words

KNOWN = frozenset({"the", "cat", "sat", "on", "mat", "lily's", "don't"})


def test_every_word_of_a_known_sentence_was_seen():
    assert unseen_words("The cat sat on the mat", KNOWN) == []


def test_unseen_words_come_in_order_as_written_and_once():
    assert unseen_words("Merkel and the government, Merkel again: 12 cats", KNOWN) == [
        "Merkel", "and", "government", "again", "12", "cats"]


def test_words_are_compared_lower_case():
    assert unseen_words("THE Cat SAT", KNOWN) == []
    assert unseen_words("Dog dog DOG", KNOWN) == ["Dog"]  # one word, as first written


def test_an_apostrophe_inside_a_word_belongs_to_it_and_the_typographic_one_is_the_same():
    assert unseen_words("Lily's cat. Don\u2019t!", KNOWN) == []
    assert unseen_words("The cat's mat, the mat's cat, Omar's cat", KNOWN) == ["Omar's"]  # a possessive of a seen word
    assert words("'quoted' rock'n'roll") == [("quoted", "quoted"), ("rock'n'roll", "rock'n'roll")]


def test_punctuation_and_hyphens_split_words_and_other_scripts_are_words():
    assert [c for _, c in words("co-op, 3.5 Straße; Ünïcode")] == ["co", "op", "3", "5", "straße", "ünïcode"]
    assert unseen_words("the cat 🦙 sat", KNOWN) == []  # an emoji is not a word
    assert unseen_words("Straße", KNOWN) == ["Straße"]


def test_no_word_list_marks_nothing(tmp_path):
    assert training_words(tmp_path) is None  # a checkpoint trained elsewhere: a real LLaMA
    assert unseen_words("Merkel", None) == []
    assert unseen_words("", KNOWN) == []


def test_the_word_list_is_sorted_lower_case_and_distinct():
    assert word_list(["The cat", "the Dog's bone, the cat"]) == ["bone", "cat", "dog's", "the"]


def test_the_shipped_word_list_is_sorted_and_lower_case():
    lines = (le.TINY_MODEL_DIR / WORDS_FILE).read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines)) and all(line == line.lower() and line for line in lines)
    assert {"cat", "sat", "mat", "lily"} <= training_words(le.TINY_MODEL_DIR)


@pytest.mark.slow
def test_the_shipped_word_list_is_the_words_of_the_tiny_models_training_text(tmp_path):
    """The corpus the training log names (write_training_corpus; tests/test_corpus_split.py pins its bytes);
    train.txt is the split it was trained on. About 6 s."""
    write_training_corpus(json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())["config"], tmp_path)
    with open(Path(tmp_path) / "train.txt", encoding="utf-8") as f:
        expected = word_list(f)
    assert (le.TINY_MODEL_DIR / WORDS_FILE).read_text(encoding="utf-8") == "".join(w + "\n" for w in expected)
