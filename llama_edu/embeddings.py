"""A prompt's embedding vectors (hook_embed [T, D], the rows of tok_embeddings it looked up), measured: how long
each is, and how alike every pair is.
"""

from __future__ import annotations

import numpy as np
import torch


def vector_lengths(vectors: torch.Tensor) -> np.ndarray:
    """[T, D] -> [T]: the length ||v|| of every row, in float32."""
    return vectors.detach().float().cpu().norm(dim=-1).numpy()


def cosine_similarity_matrix(vectors: torch.Tensor) -> np.ndarray:
    """[T, D] -> [T, T]: cos of the angle between every pair of rows."""
    v = vectors.detach().float().cpu()
    unit = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)  # [T, D], each row of length 1
    return (unit @ unit.T).numpy()
