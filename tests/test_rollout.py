"""Attention rollout (Abnar & Zuidema 2020) and the per-head measures, against direct computations and hand-made
patterns whose answers are known."""

import itertools
import math
from fractions import Fraction

import pytest
import torch
from helpers import SMALL_CONFIGS, random_model

from llama_edu.analysis import head_measures, layer_head_measures
from llama_edu.rollout import (attention_rollout, patterns_from_cache, raw_attention, residual_attention,
                               uniform_causal_pattern, uniform_rollout)

T = 5


def rollout_by_paths(patterns: list[torch.Tensor]) -> torch.Tensor:
    """The reference: rollout[l, i, j] as a sum over every path j -> k_0 -> ... -> i through the layers, each path
    weighted by the product of its per-layer weights 0.5 * mean-over-heads + 0.5 * [same position], in float64
    and plain Python loops. L x [H, T, T] -> [L, T, T]"""
    n = patterns[0].shape[-1]
    mixes = []
    for p in patterns:
        mean = p.double().mean(0)  # [T, T]
        mix = [[0.5 * float(mean[i, j]) + (0.5 if i == j else 0.0) for j in range(n)] for i in range(n)]
        mixes.append([[w / sum(row) for w in row] for row in mix])
    result = torch.zeros(len(patterns), n, n, dtype=torch.float64)
    for depth in range(len(patterns)):
        for i, j in itertools.product(range(n), range(n)):
            total = 0.0
            # positions[0] = i after layer `depth`, ..., positions[-1] = j before layer 0
            for middle in itertools.product(range(n), repeat=depth):
                positions = (i, *middle, j)
                weight = 1.0
                for step, layer in enumerate(range(depth, -1, -1)):
                    weight *= mixes[layer][positions[step]][positions[step + 1]]
                total += weight
            result[depth, i, j] = total
    return result


@pytest.mark.parametrize("kind", list(SMALL_CONFIGS))
def test_rollout_equals_the_sum_over_paths_on_a_random_model(kind):
    model = random_model(SMALL_CONFIGS[kind])
    tokens = torch.randint(0, 96, (1, T), generator=torch.Generator().manual_seed(3))
    _, cache = model.run_with_cache(tokens)
    patterns = patterns_from_cache(cache, model.cfg.n_layers)  # [L, B, H, T, T]
    rollout = attention_rollout(patterns)  # [L, B, T, T]
    assert rollout.shape == (model.cfg.n_layers, 1, T, T)
    expected = rollout_by_paths([p[0] for p in patterns])
    torch.testing.assert_close(rollout[:, 0].double(), expected, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(rollout[-1, 0], uniform_rollout(T, model.cfg.n_layers)[-1], atol=1e-2)


def test_rollout_rows_sum_to_one_and_nothing_flows_from_the_future(small_model, tokens):
    _, cache = small_model.run_with_cache(tokens)
    rollout = attention_rollout(patterns_from_cache(cache, small_model.cfg.n_layers))  # [L, B, T, T]
    torch.testing.assert_close(rollout.sum(-1), torch.ones(rollout.shape[:-1]))
    assert (rollout >= 0).all()
    future = torch.triu(torch.ones(tokens.shape[1], tokens.shape[1], dtype=torch.bool), 1)
    assert (rollout[..., future] == 0).all()


def test_a_list_of_layers_gives_the_same_rollout_as_a_stacked_tensor(small_model, tokens):
    _, cache = small_model.run_with_cache(tokens)
    stacked = patterns_from_cache(cache, small_model.cfg.n_layers)
    torch.testing.assert_close(attention_rollout(list(stacked)), attention_rollout(stacked))


def test_pure_self_attention_rolls_out_to_the_identity():
    identity = torch.eye(T).expand(3, T, T)  # one layer, 3 heads, each query on itself
    rollout = attention_rollout(identity[None])
    torch.testing.assert_close(rollout, torch.eye(T)[None])


def test_uniform_causal_attention_gives_the_hand_computed_matrices():
    # One layer on 3 tokens: rows of 0.5 * [1/(i+1) ...] + 0.5 * I.
    one = Fraction(1)
    layer = [[one, 0, 0], [one / 4, 3 * one / 4, 0], [one / 6, one / 6, 2 * one / 3]]
    # Two layers: the same matrix squared, worked by hand: row 2 = [23/72, 17/72, 32/72].
    two = [[one, 0, 0], [7 * one / 16, 9 * one / 16, 0], [23 * one / 72, 17 * one / 72, 32 * one / 72]]
    rollout = uniform_rollout(3, 2)
    torch.testing.assert_close(rollout[0], torch.tensor([[float(x) for x in row] for row in layer]))
    torch.testing.assert_close(rollout[1], torch.tensor([[float(x) for x in row] for row in two]))


def test_uniform_rollout_is_the_rollout_of_uniform_heads():
    pattern = uniform_causal_pattern(4)  # [T, T]
    assert pattern[3].tolist() == [0.25] * 4 and pattern[0].tolist() == [1.0, 0, 0, 0]
    heads = pattern.expand(2, 4, 4)  # two identical heads: their mean is the same pattern
    torch.testing.assert_close(attention_rollout(heads.expand(3, 2, 4, 4)), uniform_rollout(4, 3))


def test_the_first_token_collects_flow_even_under_uniform_attention():
    shares = uniform_rollout(7, 6)[:, -1, 0]  # the last position's share of token 0 after each layer
    assert (shares[1:] > shares[:-1]).all()
    assert shares[-1] == pytest.approx(1083483912282383 / 1951655731200000, rel=1e-6)  # exact fraction, 0.5552


def test_residual_weight_zero_is_plain_attention_and_one_is_the_identity():
    pattern = torch.softmax(torch.randn(2, T, T, generator=torch.Generator().manual_seed(0))
                            + torch.triu(torch.full((T, T), -math.inf), 1), -1)  # [H, T, T]
    torch.testing.assert_close(residual_attention(pattern, 0.0), pattern.mean(0))
    torch.testing.assert_close(residual_attention(pattern, 1.0), torch.eye(T))
    torch.testing.assert_close(raw_attention(pattern), pattern.mean(0))
    torch.testing.assert_close(raw_attention(pattern, head=1), pattern[1])


def test_rollout_refuses_a_kv_cache_pattern():
    with pytest.raises(ValueError, match="square"):
        attention_rollout(torch.ones(1, 1, 2, 4) / 4)


# ---- per-head measures on hand-made patterns -----------------------------------------------------------------------
def one_hot_pattern(target) -> torch.Tensor:
    """[1, T, T]: query q puts all its weight on key target(q)."""
    p = torch.zeros(1, T, T)
    for q in range(T):
        p[0, q, target(q)] = 1.0
    return p


def test_identity_pattern_is_all_self_at_distance_zero_with_no_entropy():
    m = head_measures(one_hot_pattern(lambda q: q))
    assert m["self_token"].item() == pytest.approx(1.0)
    assert m["mean_distance"].item() == pytest.approx(0.0)
    assert m["entropy"].item() == pytest.approx(0.0, abs=1e-6)
    assert m["previous_token"].item() == pytest.approx(0.0)


def test_previous_token_pattern_is_all_previous_at_distance_one():
    m = head_measures(one_hot_pattern(lambda q: max(q - 1, 0)))
    assert m["previous_token"].item() == pytest.approx(1.0)
    assert m["mean_distance"].item() == pytest.approx(1.0)
    assert m["entropy"].item() == pytest.approx(0.0, abs=1e-6)
    # At query 1 the previous token is token 0: one row in T - 1 counts for the first token too.
    assert m["first_token"].item() == pytest.approx(1 / (T - 1))


def test_uniform_causal_rows_have_log2_of_the_visible_tokens_as_entropy():
    m = head_measures(uniform_causal_pattern(T)[None])
    queries = range(1, T)
    assert m["entropy"].item() == pytest.approx(sum(math.log2(q + 1) for q in queries) / (T - 1), rel=1e-5)
    assert m["mean_distance"].item() == pytest.approx(sum(q / 2 for q in queries) / (T - 1), rel=1e-5)
    assert m["self_token"].item() == pytest.approx(sum(1 / (q + 1) for q in queries) / (T - 1), rel=1e-5)


def test_head_measures_refuse_a_kv_cache_pattern():
    with pytest.raises(ValueError, match="square"):
        head_measures(torch.ones(1, 2, 4) / 4)


def test_layer_head_measures_stack_layers_by_heads(small_model, tokens):
    _, cache = small_model.run_with_cache(tokens)
    patterns = [cache[f"layers.{i}.attention.hook_pattern"][0] for i in range(small_model.cfg.n_layers)]
    measures = layer_head_measures(patterns)
    for name, values in measures.items():
        assert values.shape == (small_model.cfg.n_layers, small_model.cfg.n_heads)
        torch.testing.assert_close(values[1], head_measures(patterns[1])[name])
