"""The evidence numbers: bits per character and next-token guesses, checked where the answer is known."""

import math

import pytest
import torch

import llama_edu as le
from llama_edu.evaluate import bits_per_character, top_next_tokens
from helpers import SMALL_CONFIGS, random_model


@pytest.fixture
def tok(spm_tokenizer_file):
    return le.load_tokenizer(spm_tokenizer_file)


def uniform_model(vocab_size):
    model = random_model(SMALL_CONFIGS["gqa"].replace(vocab_size=vocab_size))
    with torch.no_grad():
        model.output.weight.zero_()  # every logit 0: a uniform guess over the vocabulary
    return model


def test_a_uniform_guess_costs_log2_vocab_bits_per_token(tok):
    texts = ["The cat sat on the mat.", "A dog ran to the park!"]
    tokens = sum(len(tok.encode(t, eos=True)) - 1 for t in texts)
    chars = sum(len(t) for t in texts)
    expected = tokens * math.log2(tok.vocab_size) / chars
    assert bits_per_character(uniform_model(tok.vocab_size), tok, texts) == pytest.approx(expected, rel=1e-5)


def test_top_next_tokens_are_sorted_probabilities(tok):
    top = top_next_tokens(random_model(SMALL_CONFIGS["mha"].replace(vocab_size=tok.vocab_size)), tok, "The cat", k=5)
    probs = [p for _, p in top]
    assert len(top) == 5 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
