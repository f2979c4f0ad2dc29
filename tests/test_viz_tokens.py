"""Token chips and embedding figures, checked against the rows and tensors they are given and direct computation.
The token table and byte fallback (llama_edu.tokenizer) are tested in test_tokenizer.py, the embeddings' measures
(llama_edu.embeddings) in test_embeddings.py."""

import json

import numpy as np
import pytest
import torch

import llama_edu as le
from llama_edu import tokenizer
from llama_edu.viz import tokens as viz


@pytest.fixture(scope="module")
def tok():
    return le.load_tokenizer(le.TINY_MODEL_DIR)


def test_labels_are_unique_even_for_repeated_pieces():
    labels = viz.position_labels(["<s>", "▁the", "▁the"])
    assert labels == ["0:<s>", "1:▁the", "2:▁the"]
    assert viz.token_labels(["<s>", "▁the", "▁the"]) == ["0:&lt;s&gt;", "1:▁the", "2:▁the"]  # for plotly
    assert len(set(labels)) == len(labels)


def test_chips_escape_html_and_show_every_id(tok):
    ids = tok.encode("<b>x</b>")
    page = viz.token_chips_html(tokenizer.token_rows(tok, ids))
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


def test_cosine_similarity_heatmap_matches_torch():
    embed = torch.randn(5, 16)
    expected = torch.nn.functional.cosine_similarity(embed[:, None], embed[None, :], dim=-1).numpy()
    fig = viz.cosine_similarity_heatmap(embed, ["a"] * 5)
    np.testing.assert_allclose(np.array(fig.data[0].z), expected, atol=1e-6)
