"""Generation: greedy and sampled, reproducible with a seed, and strict about its parameters."""

import math

import pytest
import torch

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model


@pytest.fixture(scope="module")
def model():
    return random_model(SMALL_CONFIGS["gqa"], seed=11, std=0.3)


def test_seeded_sampling_is_reproducible_and_seeds_differ(model):
    run = lambda seed: list(le.generate(model, [1, 2, 3], 15, temperature=1.0, top_k=40, top_p=0.95, seed=seed))  # noqa: E731
    assert run(0) == run(0)
    assert run(0) != run(1)


def test_sampling_does_not_touch_the_global_rng(model):
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    list(le.generate(model, [1, 2, 3], 5, temperature=1.0, seed=4))
    assert torch.equal(torch.rand(1), expected)


def test_cached_and_uncached_sampling_agree(model):
    kwargs = dict(max_new_tokens=20, temperature=0.8, top_p=0.9, seed=5)
    assert list(le.generate(model, [1, 9], use_cache=True, **kwargs)) == list(le.generate(model, [1, 9], use_cache=False, **kwargs))


def test_generation_stops_at_a_stop_token(model):
    greedy = list(le.generate(model, [1, 2], 10))
    stop = greedy[3]
    assert list(le.generate(model, [1, 2], 10, stop_ids=[stop]))[-1] == stop
    assert len(list(le.generate(model, [1, 2], 10, stop_ids=[stop]))) == greedy.index(stop) + 1


def test_top_k_and_top_p_keep_the_right_tokens():
    logits = torch.log(torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05]))
    assert (le.next_token_probs(logits, 1.0, top_k=2) > 0).tolist() == [True, True, False, False, False]
    # 0.5 + 0.2 = 0.7 < 0.75, so the third token is still needed to reach p
    probs = le.next_token_probs(logits, 1.0, top_p=0.75)
    assert (probs > 0).tolist() == [True, True, True, False, False]
    assert torch.allclose(probs[:3], torch.tensor([0.5, 0.2, 0.15]) / 0.85)
    assert le.next_token_probs(logits, 0.0).tolist() == [1, 0, 0, 0, 0]
    assert torch.allclose(le.next_token_probs(logits, 1.0), torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05]))
    # a high temperature flattens, a low one sharpens
    assert le.next_token_probs(logits, 2.0)[0] < 0.5 < le.next_token_probs(logits, 0.5)[0]
    # the most likely token survives any top_p
    assert le.next_token_probs(logits, 1.0, top_p=0.01).tolist() == [1, 0, 0, 0, 0]


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -1}, "temperature must be"),
    ({"temperature": float("nan")}, "temperature must be"),
    ({"top_k": 0}, "top_k must be"),
    ({"top_k": 2.5}, "top_k must be"),
    ({"top_p": 0}, r"top_p must be .* \(0, 1\]"),
    ({"top_p": 1.5}, "top_p must be"),
    ({"max_new_tokens": -1}, "max_new_tokens must be"),
])
def test_invalid_parameters_name_the_valid_range(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        list(le.generate(model, [1, 2], **kwargs))


def test_prompts_that_cannot_be_run_get_clear_errors(model):
    with pytest.raises(ValueError, match="prompt is empty"):
        list(le.generate(model, []))
    with pytest.raises(ValueError, match="context is 64 tokens"):
        list(le.generate(model, [1] * 70, max_new_tokens=1))
    with pytest.raises(ValueError, match="at most 4 new tokens"):
        list(le.generate(model, [1] * 60, max_new_tokens=10))
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 96\)"):
        list(le.generate(model, [1, 500]))
    with pytest.raises(ValueError, match="exceed the model's context"):
        model(torch.ones(1, 65, dtype=torch.long))


def test_generate_streams_one_token_at_a_time(model):
    stream = le.generate(model, [1, 2], max_new_tokens=3)
    assert isinstance(next(stream), int)
    assert len(list(stream)) == 2


def test_candidates_and_entropy_count_what_can_be_drawn_and_measure_bits():
    from llama_edu.generate import candidates_and_entropy

    assert candidates_and_entropy(torch.tensor([0.25, 0.25, 0.25, 0.25, 0.0])) == (4, 2.0)
    n, entropy = candidates_and_entropy(le.next_token_probs(torch.randn(50), temperature=0))
    assert (n, entropy) == (1, 0.0) and math.copysign(1, entropy) == 1  # no "-0.00 bits"
    n, _ = candidates_and_entropy(le.next_token_probs(torch.randn(50), top_k=7))
    assert n == 7


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_decoding_stepped_by_hand_is_what_generate_gives(model, use_cache):
    settings = dict(temperature=0.9, top_k=30, top_p=0.95)
    decoding = le.Decoding(model, [1, 5, 9], max_new_tokens=8, seed=11, use_cache=use_cache)
    by_hand = [decoding.step(**settings) for _ in range(8)]
    assert by_hand == list(le.generate(model, [1, 5, 9], 8, seed=11, **settings)) == decoding.new_ids
    assert decoding.done and decoding.ids == [1, 5, 9] + by_hand
    with pytest.raises(ValueError, match="all 8 new tokens"):
        decoding.step(**settings)


def test_a_decoding_takes_new_settings_at_each_step_and_its_logits_are_the_models(model):
    decoding = le.Decoding(model, [1, 5, 9], max_new_tokens=4, seed=2)
    first = decoding.step(temperature=0.0)
    torch.testing.assert_close(decoding.next_logits(), model(torch.tensor([[1, 5, 9, first]]))[0, -1],
                               atol=1e-5, rtol=1e-5)
    second = decoding.step(temperature=0.0)
    assert [first, second] == list(le.generate(model, [1, 5, 9], 2))  # greedy steps are greedy generation
    decoding.step(temperature=1.5, top_k=3)  # a slider moved between two clicks
    with pytest.raises(ValueError, match="temperature"):
        decoding.step(temperature=-1)
    assert len(decoding.new_ids) == 3  # a refused step draws nothing
