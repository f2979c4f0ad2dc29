"""Head measures on hand-made attention patterns, where the right answer is known."""

import math

import pytest
import torch

from llama_edu.analysis import (
    find_head_roles,
    head_measures,
    previous_token_head,
    subject_verb_probes,
    word_token_positions,
)

T = 6


def pattern_from(rule) -> torch.Tensor:
    """[1, T, T] pattern where query q puts all attention on key rule(q)."""
    p = torch.zeros(1, T, T)
    for q in range(T):
        p[0, q, rule(q)] = 1.0
    return p


def test_previous_token_head():
    m = head_measures(pattern_from(lambda q: max(q - 1, 0)))
    assert m["previous_token"].item() == pytest.approx(1.0)
    assert m["mean_distance"].item() == pytest.approx(1.0)
    assert m["entropy"].item() == pytest.approx(0.0)
    assert m["self_token"].item() == pytest.approx(0.0)


def test_first_token_head():
    m = head_measures(pattern_from(lambda q: 0))
    assert m["first_token"].item() == pytest.approx(1.0)
    assert m["mean_distance"].item() == pytest.approx(sum(range(1, T)) / (T - 1))


def test_self_head_and_uniform_head():
    assert head_measures(pattern_from(lambda q: q))["self_token"].item() == pytest.approx(1.0)
    uniform = torch.tril(torch.ones(T, T))
    uniform = (uniform / uniform.sum(-1, keepdim=True))[None]
    m = head_measures(uniform)
    expected_entropy = sum(math.log2(q + 1) for q in range(1, T)) / (T - 1)
    assert m["entropy"].item() == pytest.approx(expected_entropy, rel=1e-5)
    assert m["first_token"].item() == pytest.approx(sum(1 / (q + 1) for q in range(1, T)) / (T - 1))


def test_roles_pick_the_strongest_heads():
    measures = {k: torch.zeros(2, 3) for k in ["previous_token", "first_token", "self_token", "subject_of_verb"]}
    measures["previous_token"][1, 2] = 0.9
    measures["first_token"][0, 1] = 0.7
    roles = find_head_roles(measures)
    assert [(r.layer, r.head, r.role) for r in roles] == [(1, 2, "previous token"),
                                                         (0, 1, "first token (attention sink)")]


def test_probe_word_positions(spm_tokenizer_file):
    import llama_edu as le

    tok = le.load_tokenizer(spm_tokenizer_file)
    sentence, noun, verb = subject_verb_probes()[0]
    first, last = word_token_positions(tok, sentence, noun)
    assert tok.decode(tok.encode(sentence)[first:last + 1]).strip() == noun
    first, last = word_token_positions(tok, sentence, verb)
    assert tok.decode(tok.encode(sentence)[first:last + 1]).strip() == verb


def test_previous_token_head_is_the_strongest_over_the_texts():
    """Two texts through a model whose layer 1 head 2 copies the previous token: it is found, with its score."""
    import llama_edu as le

    cfg = le.ModelConfig(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=64, multiple_of=16, max_seq_len=32)
    model = le.Transformer(cfg).eval()

    def fake_run(tokens, names_filter, last_only=False):
        T = tokens.shape[1]
        uniform = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]
        patterns = {name: uniform.repeat(tokens.shape[0], cfg.n_heads, 1, 1) for name in names_filter}
        patterns["layers.1.attention.hook_pattern"][:, 2] = pattern_from(lambda q: max(q - 1, 0))[0, :T, :T]
        return None, patterns

    class Tok:
        def encode(self, text):
            return list(range(len(text.split()) + 1))

    model.run_with_cache = fake_run
    role = previous_token_head(model, Tok(), ["one two three four five", "a b c d e"])
    assert (role.layer, role.head, role.role) == (1, 2, "previous token") and role.score == pytest.approx(1.0)


def test_batched_patterns_equal_one_run_per_sentence():
    """Padding on the right changes nothing a causal model's earlier positions see: the batched run's patterns,
    cut to each sentence, are each sentence's own run's."""
    import llama_edu as le
    from llama_edu.analysis import batched_patterns

    model, tok = le.load_with_tokenizer(le.TINY_MODEL_DIR)
    id_lists = [tok.encode(text) for text in ["The cat sat on the mat.", "A dog ran.", "Tom and Mia went home."]]
    batched = batched_patterns(model, id_lists)
    for ids, layers in zip(id_lists, batched):
        _, cache = model.run_with_cache(torch.tensor([ids]), names_filter=r"hook_pattern$")
        for i, pattern in enumerate(layers):
            torch.testing.assert_close(pattern, cache[f"layers.{i}.attention.hook_pattern"][0], rtol=0, atol=1e-6)
