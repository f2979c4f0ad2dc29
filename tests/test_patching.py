"""Activation patching (llama_edu/patching.py), against a forward pass finished by hand from the patched layer's
inputs, and the properties any patching must have: the clean activation everywhere gives the clean run, the
corrupted run's own activation changes nothing, and prompts of different lengths are refused with both lengths."""

import contextlib
import math

import pytest
import torch
from helpers import random_model

import llama_edu as le
from llama_edu import hooks, patching
from llama_edu.patching import Patch

# The GQA shape of tests/conftest.py's small models, built here (as in test_viz_attention.py): 3 layers, so that a
# patch in the middle has layers before and after it.
GQA = le.ModelConfig(dim=64, n_layers=3, n_heads=8, n_kv_heads=2, vocab_size=96, multiple_of=16, max_seq_len=64)
T, CHANGED = 9, 3  # tokens per prompt; the position where the two prompts differ
ATOL = 1e-4


@pytest.fixture(scope="module")
def pair():
    """A random model, a clean and a corrupted prompt that differ in one token, and a full capture of each."""
    model = random_model(GQA)
    clean = torch.randint(0, GQA.vocab_size, (T,), generator=torch.Generator().manual_seed(3)).tolist()
    corrupt = list(clean)
    corrupt[CHANGED] = (clean[CHANGED] + 1) % GQA.vocab_size
    clean_logits, clean_cache = model.run_with_cache(torch.tensor([clean]))
    corrupt_logits, corrupt_cache = model.run_with_cache(torch.tensor([corrupt]))
    return model, clean, corrupt, clean_logits, clean_cache, corrupt_logits, corrupt_cache


def finish_by_hand(model: le.Transformer, x: torch.Tensor, first_layer: int) -> torch.Tensor:
    """Run the residual stream x [1, T, D] through blocks first_layer.. and the output: no hooks listen, so attention
    takes the fused kernel, a path independent of the hooked one patching uses.   -> logits [1, T, V]"""
    n = x.shape[1]
    cos, sin = model.rope_cos[:n, None], model.rope_sin[:n, None]
    with torch.no_grad():
        for block in model.layers[first_layer:]:
            x = block(x, cos, sin, None)
        return model.output(model.norm(x)).float()


def test_patching_the_residual_stream_matches_a_hand_finished_forward_pass(pair):
    """Reference: the corrupted run's hook_resid_pre of layer 1 with position CHANGED taken from the clean run, then the
    blocks 1.. and the output by hand."""
    model, clean, corrupt, clean_logits, clean_cache, corrupt_logits, corrupt_cache = pair
    layer, name = 1, "layers.1.hook_resid_pre"
    x = corrupt_cache[name].clone()
    x[:, CHANGED] = clean_cache[name][:, CHANGED]
    expected = finish_by_hand(model, x, layer)
    patched = patching.run_patched(model, corrupt, clean_cache, [Patch(layer, "resid_pre", position=CHANGED)])
    torch.testing.assert_close(patched, expected, rtol=ATOL, atol=ATOL)
    assert not torch.allclose(patched, corrupt_logits, atol=1e-3)  # the patch did something

    metric = patching.logit_difference_metric(clean_logits[0, -1], corrupt_logits[0, -1])
    layer_map = patching.patch_layers(model, clean, corrupt)
    assert math.isclose(float(layer_map.effect[layer, CHANGED]), float(metric(expected[0, -1])), abs_tol=1e-3)


def test_patching_one_head_matches_a_hand_finished_forward_pass(pair):
    """Reference: the corrupted run's hook_z of layer 1 with head 5's slice from the clean run (every position), then
    wo, the residual add, the feed-forward, the later blocks and the output by hand."""
    model, clean, corrupt, clean_logits, clean_cache, corrupt_logits, corrupt_cache = pair
    layer, head = 1, 5
    block = model.layers[layer]
    z = corrupt_cache[f"layers.{layer}.attention.hook_z"].clone()  # [1, T, H, hd]
    z[:, :, head] = clean_cache[f"layers.{layer}.attention.hook_z"][:, :, head]
    with torch.no_grad():
        mid = corrupt_cache[f"layers.{layer}.hook_resid_pre"] + block.attention.wo(z.flatten(2))
        post = mid + block.feed_forward(block.ffn_norm(mid))
    expected = finish_by_hand(model, post, layer + 1)
    patched = patching.run_patched(model, corrupt, clean_cache, [Patch(layer, "z", head=head)])
    torch.testing.assert_close(patched, expected, rtol=ATOL, atol=ATOL)

    metric = patching.logit_difference_metric(clean_logits[0, -1], corrupt_logits[0, -1])
    head_map = patching.patch_heads(model, clean, corrupt)
    assert math.isclose(float(head_map.effect[layer, head]), float(metric(expected[0, -1])), abs_tol=1e-3)


@pytest.mark.parametrize("layer", range(GQA.n_layers))
def test_patching_every_position_of_a_layer_with_the_clean_stream_gives_the_clean_logits(pair, layer):
    model, _, corrupt, clean_logits, clean_cache, _, _ = pair
    patched = patching.run_patched(model, corrupt, clean_cache, [Patch(layer, "resid_pre")])
    torch.testing.assert_close(patched, clean_logits, rtol=1e-5, atol=1e-5)


def test_patching_with_the_corrupted_runs_own_activations_changes_nothing(pair):
    model, _, corrupt, _, _, corrupt_logits, corrupt_cache = pair
    patches = [Patch(layer, site, position=pos) for layer in range(GQA.n_layers) for site in patching.LAYER_SITES
               for pos in (None, 0, CHANGED, T - 1)]
    patches += [Patch(layer, "z", head=head) for layer in range(GQA.n_layers) for head in (0, 7)]
    patched = patching.run_patched(model, corrupt, corrupt_cache, patches)  # [N, T, V]
    torch.testing.assert_close(patched, corrupt_logits.expand_as(patched), rtol=1e-5, atol=1e-5)


def test_a_batch_of_different_patches_gives_each_row_only_its_own(pair):
    model, _, corrupt, _, clean_cache, _, _ = pair
    patches = [Patch(0, "resid_pre", position=CHANGED), Patch(2, "attn_out", position=T - 1), Patch(1, "z", head=3),
               Patch(1, "mlp_out"), Patch(1, "z", head=6)]
    together = patching.run_patched(model, corrupt, clean_cache, patches)
    one_by_one = torch.cat([patching.run_patched(model, corrupt, clean_cache, [p]) for p in patches])
    torch.testing.assert_close(together, one_by_one, rtol=ATOL, atol=ATOL)
    torch.testing.assert_close(patching.run_patched(model, corrupt, clean_cache, patches, batch_size=2), together,
                               rtol=ATOL, atol=ATOL)


def test_prompts_of_different_lengths_are_refused_with_both_lengths(pair):
    model, clean, corrupt, *_ = pair
    for run in (patching.patch_layers, patching.patch_heads):
        with pytest.raises(patching.UnequalLengths, match=f"clean prompt has {T}, the corrupted one {T + 1}") as err:
            run(model, clean, corrupt + [5])
        assert (err.value.clean_tokens, err.value.corrupt_tokens) == (T, T + 1)
    assert issubclass(patching.UnequalLengths, ValueError)
    comparison = patching.compare_runs(model, clean, corrupt + [5])  # comparing needs no alignment
    assert comparison.relative_difference is None and comparison.attention_change is None
    assert comparison.last_relative_difference.shape == (GQA.n_layers + 1,)


def test_the_metric_is_1_for_the_clean_run_and_0_for_the_corrupted_one(pair):
    _, _, _, clean_logits, _, corrupt_logits, _ = pair
    metric = patching.logit_difference_metric(clean_logits[0, -1], corrupt_logits[0, -1])
    assert metric.clean_answer == int(clean_logits[0, -1].argmax())
    assert math.isclose(float(metric(clean_logits[0, -1])), 1.0, abs_tol=1e-5)
    assert math.isclose(float(metric(corrupt_logits[0, -1])), 0.0, abs_tol=1e-5)


def test_answers_are_each_runs_top_token_or_the_token_the_change_raised_most():
    clean = torch.tensor([3.0, 2.0, 1.0, 0.0])
    assert patching.answer_tokens(clean, torch.tensor([1.0, 2.0, 3.0, 0.0])) == (0, 2)  # different top tokens
    # Both predict token 0; token 1's probability rose the most (token 3's rose less).
    corrupt = torch.tensor([3.0, 2.8, 1.0, 0.5])
    rise = corrupt.softmax(-1) - clean.softmax(-1)
    assert int(rise[1:].argmax()) + 1 == 1 and patching.answer_tokens(clean, corrupt) == (0, 1)
    metric = patching.logit_difference_metric(clean, corrupt)
    assert (metric.clean, metric.corrupt) == pytest.approx((1.0, 0.2))
    with pytest.raises(patching.NothingToRestore):
        patching.logit_difference_metric(clean, clean)


def test_a_budget_runs_the_cells_that_differ_most_and_leaves_the_rest_unmeasured(pair):
    model, clean, corrupt, *_ = pair
    full = patching.patch_layers(model, clean, corrupt)
    # Positions before the change hold equal values in both runs, and so do the embeddings after it (layer 0's
    # hook_resid_pre): 0 without a run.
    same = GQA.n_layers * CHANGED + (T - CHANGED - 1)
    assert (full.n_same, full.n_runs) == (same, GQA.n_layers * T - same) and full.complete
    assert (full.effect[:, :CHANGED] == 0).all()
    bounded = patching.patch_layers(model, clean, corrupt, max_runs=5)
    assert bounded.n_runs == 5 and int(bounded.measured.sum()) == 5 + full.n_same and not bounded.complete
    kept = bounded.measured
    torch.testing.assert_close(bounded.effect[kept], full.effect[kept], rtol=1e-4, atol=1e-4)
    heads = patching.patch_heads(model, clean, corrupt, max_runs=4)
    assert heads.n_runs == 4 and int(heads.measured.sum()) == 4


def test_a_7b_gets_a_few_runs_and_the_tiny_model_every_cell():
    assert patching.affordable_runs(le.PRESETS["llama-7b"], 8) == patching.MIN_RUNS
    tiny = le.read_config(le.TINY_MODEL_DIR)
    assert patching.affordable_runs(tiny, 24) >= tiny.n_layers * 24 >= tiny.n_layers * tiny.n_heads  # app.common.TOKEN_WINDOW


def test_patching_leaves_the_shared_model_and_the_captures_untouched(pair):
    model, clean, corrupt, clean_logits, clean_cache, _, _ = pair
    before = {name: value.clone() for name, value in clean_cache.items()}
    weights = {name: p.clone() for name, p in model.state_dict().items()}
    patching.patch_heads(model, clean, corrupt)
    patching.run_patched(model, corrupt, clean_cache, [Patch(0, "z", head=1), Patch(1, "resid_pre")])
    assert all(torch.equal(clean_cache[name], value) for name, value in before.items())
    assert all(torch.equal(model.state_dict()[name], p) for name, p in weights.items())
    assert not hooks.hooks_active()
    with torch.no_grad():
        torch.testing.assert_close(model(torch.tensor([clean])), clean_logits, rtol=1e-5, atol=1e-5)


def test_every_forward_pass_runs_inside_its_turn_in_the_queue(pair):
    """The app passes its model queue's take as `turn`: other students' runs go between a map's batches."""
    model, clean, corrupt, *_ = pair
    depth, passes = [0], []

    @contextlib.contextmanager
    def turn():
        depth[0] += 1
        yield
        depth[0] -= 1

    handle = model.register_forward_pre_hook(lambda module, args: passes.append(depth[0]))  # only this test's model
    try:
        patching.compare_runs(model, clean, corrupt, turn=turn)
        heads = patching.patch_heads(model, clean, corrupt, turn=turn)
        patching.run_patched(model, corrupt, {}, [], turn=turn)
    finally:
        handle.remove()
    batches = math.ceil(heads.n_runs / (patching.MAX_BATCH_TOKENS // T))
    assert passes == [1] * (2 + 1 + batches)  # two runs to compare, one batch of both, the patched batches


def test_bad_patches_are_refused(pair):
    model, _, corrupt, _, clean_cache, _, _ = pair
    for patch, message in [(Patch(3), "no layer 3"), (Patch(0, position=T), f"no position {T}"),
                           (Patch(0, "resid_pre", head=0), "heads are patched at site 'z'"),
                           (Patch(0, "z", head=8), "no head 8"), (Patch(0, "nowhere"), "no site 'nowhere'")]:
        with pytest.raises(ValueError, match=message):
            patching.run_patched(model, corrupt, clean_cache, [patch])


def test_compare_runs_measures_the_stream_attention_and_prediction(pair):
    model, clean, corrupt, clean_logits, clean_cache, corrupt_logits, corrupt_cache = pair
    comparison = patching.compare_runs(model, clean, corrupt)
    assert comparison.changed_positions == [CHANGED]
    for row, name in enumerate(["hook_embed"] + [f"layers.{i}.hook_resid_post" for i in range(GQA.n_layers)]):
        difference = (clean_cache[name][0] - corrupt_cache[name][0]).norm(dim=-1)  # [T]
        torch.testing.assert_close(comparison.difference_norm[row], difference, rtol=1e-4, atol=1e-5)
    assert (comparison.relative_difference[:, :CHANGED] == 0).all()  # nothing flows back in time
    p = clean_cache["layers.2.attention.hook_pattern"][0]
    q = corrupt_cache["layers.2.attention.hook_pattern"][0]
    torch.testing.assert_close(comparison.attention_change[2], 0.5 * (p - q).abs().sum(-1).mean(-1))
    torch.testing.assert_close(comparison.clean_logits, clean_logits[0, -1], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(comparison.corrupt_logits, corrupt_logits[0, -1], rtol=1e-5, atol=1e-5)


def test_cat_to_dog_on_the_tiny_model_is_carried_by_the_cat_position_then_layer_4s_attention():
    """The facts the Compare page and the closing note quote, measured on the shipped model."""
    model, tok = le.load_model(le.TINY_MODEL_DIR, dtype="float32"), le.load_tokenizer(le.TINY_MODEL_DIR)
    clean, corrupt = tok.encode("The cat sat on the mat"), tok.encode("The dog sat on the mat")
    assert tok.pieces([clean[2], corrupt[2]]) == ["▁cat", "▁dog"]
    layers = patching.patch_layers(model, clean, corrupt)
    assert tok.pieces([layers.metric.clean_answer, layers.metric.corrupt_answer]) == [".", ","]
    assert layers.complete and layers.effect[0, 2] == pytest.approx(1.0, abs=1e-4)  # the embedding of "cat"
    assert (layers.effect[:5, 2] > 0.9).all() and layers.effect[5, 2] < 0.1  # "cat" carries it into layer 4 ...
    assert layers.effect[5, -1] > 0.6  # ... then the last position does
    attention = patching.patch_layers(model, clean, corrupt, site="attn_out")
    assert attention.strongest()[:2] == (4, len(clean) - 1)  # layer 4's attention moves it there
    heads = patching.patch_heads(model, clean, corrupt)
    assert heads.strongest()[:2] == (4, 4) and heads.strongest()[2] > 0.5


@pytest.mark.parametrize("text, expected", [
    ("The cat sat on the mat", "The dog sat on the mat"),
    ("The Dog ran.", "The Cat ran."),
    ("SHE LAUGHED", "HE LAUGHED"),
    ("The tree fell", "The tree dog"),  # no word of SWAPS: the last word is replaced
    ("Look at the dog", "Look at the cat"),
    ("1 + 2 = ", "1 + 2 = "),
])
def test_one_word_changed_swaps_the_first_known_word(text, expected):
    assert patching.one_word_changed(text) == expected


def test_one_word_changed_prefers_a_swap_that_keeps_the_token_count():
    lengths = {"The boy saw a cat": 5, "The girl saw a cat": 6, "The boy saw a dog": 5}
    assert patching.one_word_changed("The boy saw a cat", lambda s: lengths[s]) == "The boy saw a dog"


def test_a_sentence_without_a_listed_word_still_gets_a_pair_of_the_same_length():
    """A student's own sentences (none chose its words for SWAPS) get a second prompt patching can use."""
    tok = le.load_tokenizer(le.TINY_MODEL_DIR)
    count = lambda s: len(tok.encode(s))  # noqa: E731
    for text in ["My grandmother baked bread on Sunday", "Photosynthesis converts sunlight", "It rained all week"]:
        changed = patching.one_word_changed(text, count)
        assert changed != text and count(changed) == count(text), (text, changed)
        assert sum(a != b for a, b in zip(text.split(), changed.split())) == 1
