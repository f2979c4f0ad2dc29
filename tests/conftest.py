"""Shared fixtures: small random LLaMAs in every attention kind, and a small tokenizer."""

import pytest
import torch

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model


@pytest.fixture(params=list(SMALL_CONFIGS))
def small_model(request) -> le.Transformer:
    return random_model(SMALL_CONFIGS[request.param])


@pytest.fixture
def tokens() -> torch.Tensor:
    return torch.randint(0, 96, (2, 11), generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="session")
def spm_tokenizer_file(tmp_path_factory):
    """A small SentencePiece BPE tokenizer trained with the project's own settings on the project's corpus."""
    from llama_edu.corpus import generate_stories
    from llama_edu.tokenizer import train_tokenizer

    work = tmp_path_factory.mktemp("tokenizer")
    (work / "text.txt").write_text("\n".join(generate_stories(400, seed=1, version=1)) + "\n")
    return train_tokenizer(work / "text.txt", work / "small", vocab_size=512).path
