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


# ---- why a word is one piece, several pieces or bytes (word_pieces, characters_without_piece) ----------------------
# Two tokenizers trained here on text we choose, so what is common, rare or missing is known: a frequent sentence and
# one rare word, with no digits and no German letters; and the same with numbers in it.
STORY = "the cat sat on the mat.\n" * 300 + "a zebra ran far.\n"
COUNTING = "the 12 cats sat on 345 mats.\n" * 300 + "6789 and 10 zebras.\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    def train(name: str, text: str) -> le.Tokenizer:
        folder = tmp_path_factory.mktemp(name)
        (folder / "text.txt").write_text(text, encoding="utf-8")
        return tokenizer.train_tokenizer(folder / "text.txt", folder / "tok", vocab_size=290)
    return train("story", STORY), train("counting", COUNTING)


def test_a_common_word_is_one_piece(trained):
    tok = trained[0]
    words = tokenizer.word_pieces(tok, tok.encode("the cat sat"))
    assert [(w["word"], w["pieces"], w["why"]) for w in words] == [
        ("the", ["▁the"], tokenizer.ONE_PIECE), ("cat", ["▁cat"], tokenizer.ONE_PIECE),
        ("sat", ["▁sat"], tokenizer.ONE_PIECE)]


def test_a_rare_word_is_built_from_several_pieces_without_bytes(trained):
    tok = trained[0]
    (zebra,) = tokenizer.word_pieces(tok, tok.encode("zebra"))
    assert zebra["why"] == tokenizer.SEVERAL_PIECES and len(zebra["pieces"]) > 1
    assert zebra["byte_characters"] == [] and "".join(zebra["pieces"]) == "▁zebra"


def test_characters_missing_from_the_training_text_are_spelled_in_their_utf8_bytes(trained):
    tok = trained[0]
    words = tokenizer.word_pieces(tok, tok.encode("süt aß 3 🦙"))  # s, t and a are in the text; ü, ß, 3, 🦙 are not
    assert [w["word"] for w in words] == ["süt", "aß", "3", "🦙"]
    assert all(w["why"] == tokenizer.BYTES for w in words)
    assert [w["byte_characters"] for w in words] == [[{"character": "ü", "bytes": "C3 BC"}],
                                                     [{"character": "ß", "bytes": "C3 9F"}],
                                                     [{"character": "3", "bytes": "33"}],
                                                     [{"character": "🦙", "bytes": "F0 9F A6 99"}]]
    llama = words[3]["pieces"]
    assert [p for p in llama if tokenizer.byte_value(p) is not None] == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]


def test_digits_have_no_piece_unless_the_training_text_had_digits(trained):
    without, with_digits = trained
    assert tokenizer.characters_without_piece(without, "0123456789") == list("0123456789")
    assert tokenizer.characters_without_piece(with_digits, "0123456789") == []
    assert tokenizer.characters_without_piece(with_digits, "1ü🦙1") == ["ü", "🦙"]  # each character once
    (number,) = tokenizer.word_pieces(with_digits, with_digits.encode("2024"))
    assert number["why"] == tokenizer.SEVERAL_PIECES and number["pieces"][-4:] == ["2", "0", "2", "4"]


def test_words_cover_every_piece_of_the_prompt_but_bos_and_spaces(tok):
    """Checked on the shipped tokenizer, whatever its vocabulary: the words hold the prompt's pieces in order."""
    text = "Jürgen  aß 3 Äpfel 🦙, and the cat sat.\nThe end"
    ids = tok.encode(text)
    words = tokenizer.word_pieces(tok, ids)
    assert [w["word"] for w in words] == ["Jürgen", "aß", "3", "Äpfel", "🦙,", "and", "the", "cat", "sat.\nThe", "end"]
    positions = [p for w in words for p in w["positions"]]
    assert positions == sorted(positions) and 0 not in positions  # BOS is no word
    left_out = [tok.pieces([ids[p]])[0] for p in range(1, len(ids)) if p not in positions]
    assert set(left_out) <= {"▁"}  # only a piece for the second space of "Jürgen  aß"
    for w in words:
        assert w["ids"] == [ids[p] for p in w["positions"]] and w["pieces"] == tok.pieces(w["ids"])
        assert (w["why"] == tokenizer.BYTES) == any(tok.is_byte(i) for i in w["ids"])
        assert w["why"] != tokenizer.ONE_PIECE or len(w["pieces"]) == 1
    (llama,) = [w for w in words if w["word"] == "🦙,"]
    assert llama["why"] == tokenizer.BYTES and {"character": "🦙", "bytes": "F0 9F A6 99"} in llama["byte_characters"]


def test_no_words_in_an_empty_prompt(tok):
    assert tokenizer.word_pieces(tok, tok.encode("")) == []
    assert tokenizer.word_pieces(tok, tok.encode("   ")) == []
