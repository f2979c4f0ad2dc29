"""Reading the tokenizer's pieces (llama_edu.tokenizer: token_rows, byte fallback), checked against the tiny model's
tokenizer and Python's own UTF-8 encoding."""

import pytest

import llama_edu as le
from llama_edu import tokenizer


@pytest.fixture(scope="module")
def tok():
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def test_rows_mark_bos_first_and_byte_pieces(tok):
    ids = tok.encode("a 🦙")
    rows = tokenizer.token_rows(tok, ids)
    assert [r["id"] for r in rows] == ids
    assert rows[0]["kind"] == "BOS" and rows[0]["piece"] == "<s>"
    byte_rows = [r for r in rows if r["kind"] == "byte"]
    assert [r["piece"] for r in byte_rows] == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]
    assert byte_rows[0]["text"] == "byte 0xF0"


def test_byte_value_reads_only_byte_pieces():
    assert tokenizer.byte_value("<0xF0>") == 0xF0
    assert tokenizer.byte_value("▁cat") is None
    assert tokenizer.byte_value("<s>") is None


def test_utf8_bytes_of_the_llama_emoji():
    (row,) = tokenizer.utf8_bytes("🦙")
    assert row["utf_8_bytes"] == "F0 9F A6 99" == "🦙".encode().hex(" ").upper()
    assert row["code_point"] == "U+1F999"


def test_byte_groups_decode_back_to_the_characters(tok):
    ids = tok.encode("Hi 😀🦙 end")
    groups = tokenizer.byte_fallback_groups(tok, ids)
    assert "".join(g["decodes_to"] for g in groups) == "😀🦙"
    assert tok.decode(ids) == "Hi 😀🦙 end"


def test_no_byte_groups_for_plain_words(tok):
    assert tokenizer.byte_fallback_groups(tok, tok.encode("The cat")) == []


def test_byte_fallback_example_splits_an_emoji_into_bytes_and_decodes_it_back(tok):
    example = tokenizer.byte_fallback_example(tok, "🦙")
    byte_pieces = [r["piece"] for r in example["rows"] if r["kind"] == "byte"]
    assert byte_pieces == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]  # after SentencePiece's "▁" word start
    assert example["ids"] == tok.encode("🦙", bos=False) and tok.bos_id not in example["ids"]
    assert example["characters"][0]["utf_8_bytes"] == "F0 9F A6 99"
    assert example["decoded"] == "🦙" and example["same"]
