"""llama_edu.embeddings: the lengths and cosine similarities of a prompt's embedding vectors, against torch."""

import numpy as np
import torch

from llama_edu import embeddings


def test_vector_lengths_are_the_rows_norms():
    vectors = torch.tensor([[3.0, 4.0], [1.0, 0.0]], dtype=torch.bfloat16)
    np.testing.assert_allclose(embeddings.vector_lengths(vectors), [5.0, 1.0])


def test_cosine_similarity_matches_torch():
    embed = torch.randn(5, 16)
    expected = torch.nn.functional.cosine_similarity(embed[:, None], embed[None, :], dim=-1).numpy()
    np.testing.assert_allclose(embeddings.cosine_similarity_matrix(embed), expected, atol=1e-6)
