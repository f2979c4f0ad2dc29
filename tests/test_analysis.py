"""Head measures on hand-made attention patterns, where the right answer is known."""

import math
from types import SimpleNamespace

import pytest
import torch

from llama_edu.analysis import (
    CONTROL_MARGIN,
    find_head_roles,
    head_measures,
    moved_subject_probes,
    previous_token_head,
    subject_of_verb,
    subject_scores,
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


# ---- the subject of the verb, and its controls ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_tok():
    import llama_edu as le

    return le.load_tokenizer(le.TINY_MODEL_DIR)


def test_the_template_always_puts_the_subject_first_and_the_moved_probes_never_do(tiny_tok):
    """subject_verb_probes: the subject is the first noun, at position 2. moved_subject_probes: another noun comes
    first (position 2 or 3) and the subject stands at position 5, 6, 7 or 9; in both the subject ends 4 or 5 tokens
    before its verb, and every word is one of the tiny model's training words, spelled as one token."""
    import llama_edu as le
    from llama_edu.training_words import training_words, unseen_words

    known = training_words(le.TINY_MODEL_DIR)

    def pos(sentence, word):
        return word_token_positions(tiny_tok, sentence, word)

    assert {pos(s, subject)[1] for s, subject, _ in subject_verb_probes()} == {2}
    assert {pos(s, verb)[0] - pos(s, subject)[1] for s, subject, verb in subject_verb_probes()} == {4, 5}
    moved = moved_subject_probes()
    assert len(moved) == 16 and ("The girl saw that the dog from the big farm sang.", "dog", "sang", "girl") in moved
    assert {pos(s, first)[1] for s, _, _, first in moved} == {2, 3}
    assert {pos(s, subject)[1] for s, subject, _, _ in moved} == {5, 6, 7, 9}
    for sentence, subject, verb, first in moved:
        assert pos(sentence, first)[1] < pos(sentence, subject)[0]
        assert pos(sentence, verb)[0] - pos(sentence, subject)[1] in (4, 5)
        assert unseen_words(sentence, known) == []
        pieces = tiny_tok.pieces(tiny_tok.encode(sentence, bos=False))
        assert len(pieces) == len(sentence.replace(",", " ,").replace(".", " .").split())  # one token per word


def _fake_model(rules):
    """A model whose attention patterns follow rules: rule(ids, q) -> the key position query q looks at."""
    def run_with_cache(tokens, names_filter, last_only=False):
        B, T = tokens.shape
        pattern = torch.zeros(B, len(rules), T, T)
        for b in range(B):
            ids = tokens[b].tolist()
            for h, rule in enumerate(rules):
                for q in range(T):
                    pattern[b, h, q, rule(ids, q)] = 1.0
        return None, {name: pattern for name in names_filter}

    return SimpleNamespace(cfg=SimpleNamespace(n_layers=1, n_heads=len(rules)), device="cpu",
                           run_with_cache=run_with_cache)


def test_a_position_head_passes_the_template_but_only_a_subject_head_passes_the_moved_probes(tiny_tok):
    """Head 0 looks at position 2, head 1 at the latest animal or child before the query (a toy subject head),
    head 2 one token back. On the template heads 0 and 1 both score 1.0 on the subject: it cannot tell them apart.
    On the moved probes head 0 scores 0 on the subject and 1 on the first noun where that noun is at position 2
    (half the openings), head 2 scores 1 on the token before the verb, and only head 1 is named."""
    nouns = {tiny_tok.encode(w, bos=False)[-1] for w in ["cat", "dog", "bird", "girl", "boy", "rabbit", "duck", "bear"]}
    model = _fake_model([lambda ids, q: min(q, 2),
                         lambda ids, q: max([k for k in range(q) if ids[k] in nouns], default=q),
                         lambda ids, q: max(q - 1, 0)])
    template = subject_of_verb(model, tiny_tok, subject_verb_probes())[0]
    assert template.tolist() == pytest.approx([1.0, 1.0, 0.0])
    scores = {m: v[0] for m, v in subject_scores(model, tiny_tok).items()}
    assert scores["subject_of_verb"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert scores["first_noun"].tolist() == pytest.approx([0.5, 0.0, 0.0])
    assert scores["token_before_verb"].tolist() == pytest.approx([0.0, 0.0, 1.0])
    roles = find_head_roles({m: v[None] for m, v in scores.items()})
    assert [(r.layer, r.head, r.role) for r in roles] == [(0, 1, "subject of the verb")]


def test_subject_scores_equal_a_hand_computation_on_two_sentences(tiny_tok):
    """Two moved probes, each run alone; positions read off their tokens by hand:
        <s> The girl saw that the dog from the big farm sang .                     verb 11, subject 6, first noun 2
        <s> After the rain stopped , the rabbit with the red hat slept .           verb 12, subject 7, first noun 3"""
    import llama_edu as le

    model = le.load_model(le.TINY_MODEL_DIR)
    probes = [("The girl saw that the dog from the big farm sang.", "dog", "sang", "girl"),
              ("After the rain stopped, the rabbit with the red hat slept.", "rabbit", "slept", "rain")]
    assert all(p in moved_subject_probes() for p in probes)
    places = [(11, 6, 2), (12, 7, 3)]  # (verb, subject, first noun)
    expected = {m: torch.zeros(model.cfg.n_layers, model.cfg.n_heads)
                for m in ("subject_of_verb", "first_noun", "token_before_verb")}
    for (sentence, *_), (verb, subject, first) in zip(probes, places):
        _, cache = model.run_with_cache(torch.tensor([tiny_tok.encode(sentence)]), names_filter=r"hook_pattern$")
        for i in range(model.cfg.n_layers):
            pattern = cache[f"layers.{i}.attention.hook_pattern"][0]  # [H, T, T]
            expected["subject_of_verb"][i] += pattern[:, verb, subject] / 2
            expected["first_noun"][i] += pattern[:, verb, first] / 2
            expected["token_before_verb"][i] += pattern[:, verb, verb - 1] / 2
    scores = subject_scores(model, tiny_tok, probes)
    assert scores.keys() == expected.keys()
    for measure, value in expected.items():
        torch.testing.assert_close(scores[measure], value, rtol=0, atol=1e-5)
    torch.testing.assert_close(subject_of_verb(model, tiny_tok, probes), expected["subject_of_verb"], rtol=0, atol=1e-5)


def test_a_subject_head_must_beat_each_control_by_the_margin():
    """Head (0, 0) beats both controls by 0.3: named. Head (0, 1) scores higher but its first-noun control is within
    the margin; head (0, 2) fails on the token before the verb. Without the controls all three are named."""
    subject = torch.tensor([[0.4, 0.6, 0.5]])
    first_noun = torch.tensor([[0.1, 0.6 - CONTROL_MARGIN + 0.01, 0.0]])
    before_verb = torch.tensor([[0.1, 0.0, 0.45]])
    measures = {"subject_of_verb": subject, "first_noun": first_noun, "token_before_verb": before_verb}
    assert [(r.layer, r.head) for r in find_head_roles(measures)] == [(0, 0)]
    assert [(r.layer, r.head) for r in find_head_roles({"subject_of_verb": subject})] == [(0, 1), (0, 2), (0, 0)]
