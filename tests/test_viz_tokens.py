"""Token table, byte fallback and embedding figures, checked against the tokenizer and direct computation."""

import json

import numpy as np
import pytest
import torch

import llama_edu as le
from llama_edu.viz import tokens as viz


@pytest.fixture(scope="module")
def tok():
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def test_labels_are_unique_even_for_repeated_pieces():
    labels = viz.position_labels(["<s>", "▁the", "▁the"])
    assert labels == ["0:<s>", "1:▁the", "2:▁the"]
    assert viz.token_labels(["<s>", "▁the", "▁the"]) == ["0:&lt;s&gt;", "1:▁the", "2:▁the"]  # for plotly
    assert len(set(labels)) == len(labels)


def test_rows_mark_bos_first_and_byte_pieces(tok):
    ids = tok.encode("a 🦙")
    rows = viz.token_rows(tok, ids)
    assert [r["id"] for r in rows] == ids
    assert rows[0]["kind"] == "BOS" and rows[0]["piece"] == "<s>"
    byte_rows = [r for r in rows if r["kind"] == "byte"]
    assert [r["piece"] for r in byte_rows] == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]
    assert byte_rows[0]["text"] == "byte 0xF0"


def test_byte_value_reads_only_byte_pieces():
    assert viz.byte_value("<0xF0>") == 0xF0
    assert viz.byte_value("▁cat") is None
    assert viz.byte_value("<s>") is None


def test_utf8_bytes_of_the_llama_emoji():
    (row,) = viz.utf8_bytes("🦙")
    assert row["UTF-8 bytes"] == "F0 9F A6 99" == "🦙".encode().hex(" ").upper()
    assert row["code point"] == "U+1F999"


def test_byte_groups_decode_back_to_the_characters(tok):
    ids = tok.encode("Hi 😀🦙 end")
    groups = viz.byte_fallback_groups(tok, ids)
    assert "".join(g["decodes to"] for g in groups) == "😀🦙"
    assert tok.decode(ids) == "Hi 😀🦙 end"


def test_no_byte_groups_for_plain_words(tok):
    assert viz.byte_fallback_groups(tok, tok.encode("The cat")) == []


def test_chips_escape_html_and_show_every_id(tok):
    ids = tok.encode("<b>x</b>")
    page = viz.token_chips_html(viz.token_rows(tok, ids))
    assert "<b>x</b>" not in page
    assert all(f">{i}</span>" in page for i in ids)


def test_embedding_heatmap_is_the_hook_values():
    embed = torch.randn(4, 8)
    fig = viz.embedding_heatmap(embed, ["<s>", "▁a", "▁a", "b"])
    np.testing.assert_allclose(np.array(fig.data[0].z), embed.numpy(), rtol=1e-6)
    assert list(fig.data[0].y) == ["0:&lt;s&gt;", "1:▁a", "2:▁a", "3:b"]  # plotly would read <s> as a tag
    json.loads(fig.to_json())  # serialisable, as Streamlit needs


def test_embedding_norms_are_vector_lengths():
    embed = torch.tensor([[3.0, 4.0], [1.0, 0.0]], dtype=torch.bfloat16)
    fig = viz.embedding_norms_bar(embed, ["<s>", "x"])
    np.testing.assert_allclose(fig.data[0].y, [5.0, 1.0])


def test_cosine_similarity_matches_torch():
    embed = torch.randn(5, 16)
    expected = torch.nn.functional.cosine_similarity(embed[:, None], embed[None, :], dim=-1).numpy()
    np.testing.assert_allclose(viz.cosine_similarity_matrix(embed), expected, atol=1e-6)
    fig = viz.cosine_similarity_heatmap(embed, ["a"] * 5)
    np.testing.assert_allclose(np.array(fig.data[0].z), expected, atol=1e-6)


def test_byte_fallback_example_splits_an_emoji_into_bytes_and_decodes_it_back(tok):
    example = viz.byte_fallback_example(tok, "🦙")
    byte_pieces = [r["piece"] for r in example["rows"] if r["kind"] == "byte"]
    assert byte_pieces == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]  # after SentencePiece's "▁" word start
    assert example["ids"] == tok.encode("🦙", bos=False) and tok.bos_id not in example["ids"]
    assert example["characters"][0]["UTF-8 bytes"] == "F0 9F A6 99"
    assert example["decoded"] == "🦙" and example["same"]
