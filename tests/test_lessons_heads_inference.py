"""Lessons 17 (heads together) and 18 (inference economics), as specifications.

The library first: llama_edu.head_writes against a forward pass finished by hand from the model's own hooks (z from
hook_pattern and hook_v, each head's block of wo applied in a loop) and against hook_out; switching a head off against
an independent intervention that subtracts its vector from hook_out; llama_edu.roofline against FLOPs and bytes
counted by hand from the config. Then every number the two lessons quote, computed here with that library code and
found in the English and the German text (German writes 0,76 for 0.76), the README figures lesson 18 quotes, the
figures in German, and the lessons' live elements drawn in the app.
"""

import math
import re
from pathlib import Path

import pytest
import torch
from helpers import SMALL_CONFIGS, open_elements, random_model
from test_lesson_numbers import LESSONS, assert_quoted, quiz, step
from test_viz_i18n import assert_translated, numbers, texts

import llama_edu as le
from llama_edu import head_writes, interventions, roofline
from llama_edu.config import PRESETS, count_parameters, kv_cache_bytes, parameter_breakdown, weights_bytes
from llama_edu.viz import head_writes as viz_heads
from llama_edu.viz import roofline as viz_roofline

PROMPT = "The cat sat on the mat"  # the app's default prompt
ROOT = Path(__file__).resolve().parents[1]
H100, A100, H200 = roofline.GPUS["H100 SXM"], roofline.GPUS["A100 80GB SXM"], roofline.GPUS["H200 SXM"]
LLAMA2_7B, LLAMA3_8B = PRESETS["llama-2-7b"], PRESETS["llama-3-8b"]
HEADS, INFERENCE = "heads-together", "inference-economics"
STRING_FILES = ("heads_together", "inference")  # llama_edu/strings/<file>.yaml: the words of these lessons' figures


def f1(value: float) -> str:
    return f"{value:.1f}"


def f3(value: float) -> str:
    return f"{value:.3f}"


def whole(value: float, digits: int = 0) -> str:
    """4986.4 -> "5,000" with digits=-3: rounded as the text rounds it, with thousands separators."""
    return f"{round(value, digits):,.0f}"


# ---- the tiny model on the default prompt ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny():
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = tok.encode(PROMPT)
    logits, cache = model.run_with_cache(torch.tensor([ids]))  # every hook
    return model, tok, ids, logits, cache


def by_hand_z(cache: dict, layer: int, n_rep: int) -> torch.Tensor:
    """z [T, H, hd] finished by hand: each query head's pattern times the values of the KV head it reads."""
    pattern = cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, S]
    v = cache[f"layers.{layer}.attention.hook_v"][0]  # [S, Hkv, hd]
    return torch.stack([pattern[h] @ v[:, h // n_rep] for h in range(pattern.shape[0])], dim=1)


def by_hand_writes(z: torch.Tensor, wo: torch.Tensor) -> torch.Tensor:
    """[H, T, D]: head h's z times its own block of columns of wo, in a plain loop."""
    _, H, hd = z.shape
    return torch.stack([z[:, h] @ wo[:, h * hd:(h + 1) * hd].T for h in range(H)])


# ---- llama_edu.head_writes ------------------------------------------------------------------------------------------
def test_head_writes_are_each_heads_block_of_wo_and_add_up_to_hook_out(small_model, tokens):
    """For MHA, GQA and MQA: the library's per-head vectors equal a hand loop over wo's blocks applied to a z finished
    by hand from hook_pattern and hook_v, and their sum is the model's own attention output."""
    cfg = small_model.cfg
    _, cache = small_model.run_with_cache(tokens[:1])
    for layer in range(cfg.n_layers):
        z = by_hand_z(cache, layer, cfg.n_rep)
        torch.testing.assert_close(z, cache[f"layers.{layer}.attention.hook_z"][0], atol=1e-5, rtol=1e-5)
        wo = small_model.layers[layer].attention.wo.weight.detach()
        writes = head_writes.layer_head_writes(small_model, cache, layer)  # [H, T, D]
        torch.testing.assert_close(writes, by_hand_writes(z, wo), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(writes.sum(0), cache[f"layers.{layer}.attention.hook_out"][0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(head_writes.write_norms(writes, 2), writes[:, 2].norm(dim=-1))
        for position in (0, 4, -1):
            torch.testing.assert_close(head_writes.head_writes_at(small_model, cache, layer, position),
                                       writes[:, position], atol=1e-6, rtol=1e-6)


def test_wo_blocks_are_the_heads_columns_and_a_wrong_width_is_refused():
    wo = torch.arange(6 * 8.0).view(6, 8)
    blocks = head_writes.wo_blocks(wo, 4)  # [4, 6, 2]
    assert blocks.shape == (4, 6, 2) and torch.equal(blocks[3], wo[:, 6:8])
    with pytest.raises(ValueError, match="not a multiple of 3 heads"):
        head_writes.wo_blocks(wo, 3)


@pytest.mark.parametrize("kind", list(SMALL_CONFIGS))
def test_switching_a_head_off_removes_exactly_its_vector_and_nothing_else_in_its_layer(kind):
    """ablate_heads' own run, seen through hook_out, loses the head's vector; its logits are those of an independent
    intervention that subtracts the head's vector from hook_out; earlier layers do not change."""
    model = random_model(SMALL_CONFIGS[kind], seed=4)
    ids = torch.randint(3, model.cfg.vocab_size, (9,), generator=torch.Generator().manual_seed(5)).tolist()
    layer, head = model.cfg.n_layers - 1, model.cfg.n_heads - 1
    logits, cache = model.run_with_cache(torch.tensor([ids]), names_filter=head_writes.HOOKS)
    check = head_writes.ablation_check(model, ids, logits, cache, layer, head)
    torch.testing.assert_close(check.removed, check.write, atol=1e-5, rtol=1e-5)
    assert check.largest_difference < 1e-5 and check.norm > 0.1
    write = head_writes.layer_head_writes(model, cache, layer)[head]  # [T, D]
    subtracted = model.run_with_hooks(torch.tensor([ids]), fwd_hooks=[
        (f"layers.{layer}.attention.hook_out", lambda out, name: out - write)])
    torch.testing.assert_close(interventions.ablate_heads(model, ids, [(layer, head)]), subtracted, atol=1e-5,
                               rtol=1e-5)
    earlier, _ = head_writes.attention_out_without(model, ids, 0, [])  # nothing silenced: the clean hook_out
    torch.testing.assert_close(earlier, cache["layers.0.attention.hook_out"][0])


def test_silencing_heads_side_by_side_gives_what_ablate_heads_gives_one_at_a_time(tiny):
    model, _, ids, _, _ = tiny
    heads = [(0, 0), (2, 5), (4, 0), (5, 3), (5, 6), (5, 7)] * 3  # more than one batched run (ABLATIONS_PER_RUN)
    together = head_writes.last_logits_silenced(model, ids, heads)
    assert together.shape == (len(heads), model.cfg.vocab_size)
    for row, (layer, head) in zip(together, heads):
        torch.testing.assert_close(row, interventions.ablate_heads(model, ids, [(layer, head)])[0, -1], atol=1e-4,
                                   rtol=1e-4)
    effects = head_writes.head_effects(model, ids, max_ablations=5)
    assert int((~effects.kl_bits.isnan()).sum()) == 5  # only the five longest writers are silenced
    tried = effects.kl_bits.nan_to_num(-1).flatten().topk(5).indices
    assert set(tried.tolist()) <= set(effects.norms.flatten().topk(5).indices.tolist())


# ---- lesson 17: every number ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def effects(tiny):
    model, _, ids, _, _ = tiny
    return head_writes.head_effects(model, ids)  # all 48 heads silenced, one at a time


def test_lesson_17_wo_is_256_by_256_and_head_3_meets_columns_96_to_127(tiny):
    model, *_ = tiny
    cfg = model.cfg
    wo = model.layers[5].attention.wo.weight
    assert tuple(wo.shape) == (cfg.dim, cfg.n_heads * cfg.head_dim) == (256, 256)
    assert (cfg.n_heads, cfg.head_dim) == (8, 32)
    first, last = 3 * cfg.head_dim, 4 * cfg.head_dim - 1
    assert torch.equal(head_writes.wo_blocks(wo, cfg.n_heads)[3], wo[:, first:last + 1])
    english, german_text = step(HEADS, "Eight heads, one output projection")
    assert "$d_\\text{head} = 32$" in english and "$d_\\text{head} = 32$" in german_text
    assert "256 × 256 matrix" in english and "256 × 256 Einträgen" in german_text
    # with GQA the query heads already share keys and values: it is their outputs that meet only in wo
    assert cfg.n_kv_heads < cfg.n_heads
    assert "the only place in the attention layer where the heads' outputs meet" in english
    assert "Nur an dieser Stelle der Attention-Schicht kommen die Ausgaben der Heads zusammen" in german_text
    for texts_ in (step(HEADS, "One block of wo per head"), quiz(HEADS, "In the tiny model (width 256")):
        assert_quoted(str(first), texts_)
        assert_quoted(str(last), texts_)
    english, german_text = quiz(HEADS, "In the tiny model (width 256")
    assert f"columns {first} to {last}" in english and f"Spalten {first} bis {last}" in german_text


def test_lesson_17_the_head_vectors_add_up_to_hook_out_at_mat(tiny):
    """ "the last two rows are the same picture": the 8 vectors' sum and hook_out at "mat", every layer."""
    model, tok, ids, _, cache = tiny
    assert tok.pieces(ids)[-1] == "▁mat"
    for layer in range(model.cfg.n_layers):
        writes = head_writes.layer_head_writes(model, cache, layer)[:, -1]
        out = cache[f"layers.{layer}.attention.hook_out"][0, -1]
        assert float((writes.sum(0) - out).abs().max()) < 1e-4
        z = by_hand_z(cache, layer, model.cfg.n_rep)
        torch.testing.assert_close(writes, by_hand_writes(z, model.layers[layer].attention.wo.weight.detach())[:, -1],
                                   atol=1e-4, rtol=1e-4)


def test_lesson_17_lengths_at_mat_in_layer_5(tiny):
    """L5H6 27.1 (the longest of all 48 heads), L5H3 13.5, lengths adding up to 126.2, their sum 58.4 long."""
    model, _, _, _, cache = tiny
    norms = torch.stack([head_writes.write_norms(head_writes.layer_head_writes(model, cache, layer))
                         for layer in range(model.cfg.n_layers)])  # [L, H]
    assert divmod(int(norms.argmax()), model.cfg.n_heads) == (5, 6) and norms.numel() == 48
    out = float(cache["layers.5.attention.hook_out"][0, -1].norm())
    texts_ = step(HEADS, "How much each head writes")
    english, german_text = texts_
    assert "layer 5, head 6 writes the longest vector of all 48 heads" in english
    assert "Schicht 5, Head 6 den längsten Vektor aller 48" in german_text
    for value in (norms[5, 6], norms[5, 3], norms[5].sum(), out):
        assert_quoted(f1(value), texts_)
    assert out < float(norms[5].sum()) / 2  # "only": the vectors partly cancel
    question = quiz(HEADS, "At \"mat\", the vectors of the 8 heads of layer 5")
    assert_quoted(f1(norms[5].sum()), question)
    assert_quoted(f1(out), question)
    effect = step(HEADS, "A long vector is not necessarily an important one")
    assert_quoted(f1(norms[5, 6]), effect)
    assert_quoted(f1(norms[5, 3]), effect)
    assert 0.4 < float(norms[5, 3] / norms[5, 6]) < 0.6  # "half as much"


def test_lesson_17_switching_off_l5h3_removes_its_vector_and_moves_the_prediction(tiny, effects):
    model, _, ids, logits, cache = tiny
    check = head_writes.ablation_check(model, ids, logits, cache, 5, 3)
    assert check.largest_difference < 1e-4  # "no number differs by more than 0.0001"
    texts_ = step(HEADS, "Switching a head off removes exactly its vector")
    english, german_text = texts_
    assert "no number differs by more than 0.0001" in english and "um mehr als 0,0001 ab" in german_text
    assert "switches off layer 5, head 3" in english and "schaltet Schicht 5, Head 3" in german_text
    assert model.cfg.n_layers - 1 == 5  # "Layer 5 is the last layer"
    assert_quoted(f3(check.kl_bits), texts_)
    assert f3(check.kl_bits) == f3(effects.kl_bits[5, 3])  # the element's check and the all-heads scatter agree
    # the first "bits" of the lesson says what they measure
    assert f"by {f3(check.kl_bits)} bits of KL divergence" in english
    assert f"um {f3(check.kl_bits).replace('.', ',')} Bit KL-Divergenz" in german_text
    for lang, word, first_use in (("en", "bits", "bits of KL divergence"), ("de", "Bit", "Bit KL-Divergenz")):
        steps_text = " ".join(" ".join(step_.text.split()) for step_ in LESSONS[lang][HEADS].steps)
        assert steps_text[re.search(rf"\b{word}\b", steps_text).start():].startswith(first_use)


def test_lesson_17_the_longest_vector_is_not_the_most_important_one(effects):
    """L5H6 (longest) moves the prediction 0.006 bits; L5H3 0.037, the most of all 48; lesson 7's L4H0 second, 0.034."""
    kl = effects.kl_bits
    assert not kl.isnan().any()
    ranked = sorted(((float(kl[l, h]), l, h) for l in range(kl.shape[0]) for h in range(kl.shape[1])), reverse=True)
    assert [(l, h) for _, l, h in ranked[:2]] == [(5, 3), (4, 0)]
    texts_ = step(HEADS, "A long vector is not necessarily an important one")
    english, german_text = texts_
    for value in (kl[5, 6], kl[5, 3], kl[4, 0]):
        assert_quoted(f3(value), texts_)
    assert "more than any other head; lesson 7's L4H0 comes second" in english
    titles = [step_.title for step_ in LESSONS["en"][HEADS].steps]
    index = titles.index("A long vector is not necessarily an important one")
    assert LESSONS["de"][HEADS].steps[index].title == "Ein langer Vektor ist nicht unbedingt ein wichtiger"
    assert "L4H0 aus Lektion 7 folgt an zweiter Stelle" in german_text
    assert float(kl[5, 6]) < float(kl[5, 3]) / 5
    question = quiz(HEADS, "On \"The cat sat on the mat\", L5H6")
    assert_quoted(f3(kl[5, 6]), question)
    assert_quoted(f3(kl[5, 3]), question)


# ---- llama_edu.roofline ----------------------------------------------------------------------------------------------
def test_a_matrix_product_counts_its_flops_and_bytes():
    k, n = 4096, 4096
    assert roofline.matmul_flops(1, k, n) == 2 * k * n
    assert roofline.matmul_bytes(1, k, n) == 2 * (k * n + k + n)
    assert roofline.matmul_intensity(1, k, n) == pytest.approx(1.0, abs=1e-3)  # 2 FLOPs per 2-byte weight
    assert roofline.matmul_intensity(1, k, n, bytes_per_value=0.5) == pytest.approx(4.0, abs=1e-2)
    for m in (8, 64, 512):  # about m FLOPs per byte while m is small against k and n, a little less
        assert 0.75 * m < roofline.matmul_intensity(m, k, n) < m


def _matrix_parameters(cfg) -> int:
    """Weights that take part in a matrix product: every parameter but the embedding table and the norms' gains."""
    parts = parameter_breakdown(cfg)
    return count_parameters(cfg) - parts["tok_embeddings"] - parts["norms"]


@pytest.mark.parametrize("name", ["llama-2-7b", "llama-3-8b", "llama-2-70b", "tiny"])
def test_a_decode_step_is_two_flops_per_matrix_weight_plus_attention_and_reads_weights_and_caches(name):
    cfg = PRESETS[name]
    for batch, context in [(1, 1), (8, 512), (64, min(4096, cfg.max_seq_len))]:
        step_ = roofline.decode_step(cfg, batch, context)
        attention = 2 * 2 * cfg.n_layers * cfg.n_heads * cfg.head_dim * context  # q k^T and pattern @ v
        assert step_.flops == batch * (2 * _matrix_parameters(cfg) + attention)
        assert step_.weight_bytes == 2 * count_parameters(cfg)
        assert step_.kv_bytes == batch * 2 * cfg.n_layers * cfg.n_kv_heads * cfg.head_dim * context * 2
        assert step_.tokens == batch
        assert step_.seconds(H100) == max(step_.bytes / H100.bandwidth, step_.flops / H100.peak_flops)
    with pytest.raises(ValueError):
        roofline.decode_step(cfg, 0, 10)


def test_a_decode_step_needs_one_row_of_the_embedding_table_unless_it_is_tied():
    for name in ("llama-2-7b", "llama-3-8b", "tiny"):
        cfg = PRESETS[name]
        parts = parameter_breakdown(cfg)
        by_hand = 2 * (count_parameters(cfg) - parts["tok_embeddings"] + cfg.dim)  # every weight, one row of the table
        assert roofline.weights_read_per_token(cfg) == by_hand
        assert roofline.bandwidth_bound(cfg, H100, whole_embedding_table=False) == H100.bandwidth / by_hand
        assert roofline.bandwidth_bound(cfg, H100) == H100.bandwidth / weights_bytes(cfg)  # the default: all of it
    tied = PRESETS["tiny"].replace(tie_word_embeddings=True)  # the output layer multiplies by the whole table
    assert roofline.weights_read_per_token(tied, 4) == weights_bytes(tied, 4)


def test_the_roofline_and_its_ridge_point():
    for gpu in roofline.GPUS.values():
        assert gpu.attainable(gpu.ridge) == pytest.approx(gpu.peak_flops)
        assert gpu.attainable(1.0) == gpu.bandwidth and gpu.attainable(10 * gpu.ridge) == gpu.peak_flops


@pytest.mark.parametrize("context", [1, 8, 16, 64])
def test_the_compute_bound_batch_is_where_the_step_crosses_the_ridge(context):
    batch = roofline.compute_bound_batch(LLAMA2_7B, H100, context)
    assert not roofline.decode_step(LLAMA2_7B, batch, context).memory_bound(H100)
    assert roofline.decode_step(LLAMA2_7B, batch - 1, context).memory_bound(H100)


def test_at_long_contexts_no_batch_is_compute_bound_and_the_memory_ends_the_batch():
    assert roofline.compute_bound_batch(LLAMA2_7B, H100, 4096) is None
    assert all(roofline.decode_step(LLAMA2_7B, b, 4096).memory_bound(H100) for b in (1, 10, 100, 10_000, 1_000_000))
    for cfg in (LLAMA2_7B, LLAMA3_8B):
        fits = roofline.batch_that_fits(cfg, H100, 4096)
        assert weights_bytes(cfg) + fits * kv_cache_bytes(cfg, 4096) <= H100.memory
        assert weights_bytes(cfg) + (fits + 1) * kv_cache_bytes(cfg, 4096) > H100.memory
    assert roofline.batch_that_fits(PRESETS["llama-3.1-405b"], H100, 4096) == 0  # its weights alone do not fit


def test_measuring_decode_here_takes_well_under_a_second_and_counts_the_bytes_it_reads(tiny):
    import time

    model, _, ids, _, _ = tiny
    start = time.perf_counter()
    run = roofline.measure_decode(model, ids, most_steps=8, budget_s=0.2)
    assert time.perf_counter() - start < 3  # prefill, warm-up and the timed steps, on a busy shared CPU
    assert 1 <= len(run.ms) <= 8 and (sum(run.ms[:-1]) < 200 or len(run.ms) == 1)
    context = len(ids) + 1 + len(run.ms)  # prompt, warm-up token, timed tokens: the last step's input is one before
    assert run.bytes_per_step == weights_bytes(model.cfg, 4) + kv_cache_bytes(model.cfg, context, 1, 4)
    assert run.tokens_per_second == pytest.approx(1000 / run.per_token.median)
    with pytest.raises(ValueError, match="3 are needed"):
        roofline.measure_decode(model, ids * 40)


# ---- lesson 18: every number -------------------------------------------------------------------------------------------
def gb(value: float) -> float:
    return value / 1e9


def test_lesson_18_one_matrix_one_token_one_flop_per_byte():
    texts_ = step(INFERENCE, "Two FLOPs per weight")
    english, german_text = texts_
    k = LLAMA2_7B.dim
    assert k == 4096 and "is 4,096 × 4,096" in english and "hat 4.096 × 4.096 Einträge" in german_text
    assert_quoted(f1(roofline.matmul_flops(1, k, k) / 1e6), texts_)  # 33.6 million FLOPs
    assert_quoted(f1(k * k / 1e6), texts_)  # 16.8 million weights
    assert_quoted(f1(roofline.matmul_bytes(1, k, k) / 1e6), texts_)  # 33.6 MB
    assert_quoted(f"{roofline.matmul_intensity(1, k, k):.2f}", texts_)  # 1.00
    assert_quoted(f"{roofline.matmul_intensity(512, k, k):.0f}", texts_)  # 410
    assert f"{roofline.matmul_intensity(512, k, k):.0f}" == "410"


def test_lesson_18_ridge_points_and_the_roofline():
    texts_ = step(INFERENCE, "The roofline: two ceilings")
    for gpu, peak, bandwidth in ((H100, "989", "3.35"), (A100, "312", "2.039"), (H200, "989", "4.8")):
        assert f"{gpu.peak_flops / 1e12:g}" == peak and f"{gpu.bandwidth / 1e12:g}" == bandwidth
        assert_quoted(peak, texts_)
        assert_quoted(bandwidth, texts_)
        assert_quoted(f"{gpu.ridge:.0f}", texts_)
    assert [f"{g.ridge:.0f}" for g in (A100, H100, H200)] == ["153", "295", "206"]
    assert H100.attainable(1.0) / 1e12 == pytest.approx(3.35)  # "at 1 FLOP per byte ... at most 3.35 of its 989"
    prefill = roofline.prefill(LLAMA2_7B, 512)
    assert_quoted(f"{prefill.intensity:.0f}", texts_)
    assert prefill.bytes == weights_bytes(LLAMA2_7B) + kv_cache_bytes(LLAMA2_7B, 512)  # no activations
    assert f"makes {prefill.intensity:.0f} FLOPs per byte (activations left out, as in the rest of the lesson)" in \
        texts_[0]
    assert f"schafft {prefill.intensity:.0f} FLOPs pro Byte (ohne die Aktivierungen, wie im Rest der Lektion)" in \
        texts_[1]
    assert not any(prefill.memory_bound(g) for g in roofline.GPUS.values())  # "compute-bound on all three GPUs"
    assert_quoted(f"{H100.ridge:.0f}", quiz(INFERENCE, "Why is decoding one sequence memory-bound?"))


def test_lesson_18_one_sequence_waits_for_memory():
    decode = roofline.decode_step(LLAMA2_7B, 1, 8)  # the token after a short prompt
    texts_ = step(INFERENCE, "Decoding one sequence: waiting for memory")
    assert_quoted(f1(gb(decode.weight_bytes)), texts_)  # 13.5 GB
    assert_quoted(f1(decode.flops / 1e9), texts_)  # 13.2 billion FLOPs
    assert_quoted(f1(decode.memory_seconds(H100) * 1e3), texts_)  # 4.0 ms
    assert_quoted(f"{decode.compute_seconds(H100) * 1e6:.0f}", texts_)  # 13 µs
    idle = 1 - decode.compute_seconds(H100) / decode.memory_seconds(H100)
    assert_quoted(f"{100 * idle:.1f}", texts_)  # 99.7%
    bounds = [roofline.bandwidth_bound(LLAMA2_7B, g) for g in (H100, A100, H200)]
    for bound in bounds:
        assert_quoted(f"{bound:.0f}", texts_)
    assert f"{bounds[0]:.0f}" == "249"
    assert bounds[0] == pytest.approx(decode.tokens_per_second(H100), rel=1e-3)  # the cache of 8 tokens: nothing
    assert_quoted(f"{100 * (bounds[2] / bounds[0] - 1):.0f}", texts_)  # the H200 43% faster
    # the bound's two assumptions, and what it becomes when only the looked-up row of the embedding table is read
    english, german_text = texts_
    assert "These bounds assume one token per step (speculative decoding" in english
    assert "Diese Grenzen gelten für ein Token pro Schritt (spekulatives Decodieren" in german_text
    one_row = roofline.bandwidth_bound(LLAMA2_7B, H100, whole_embedding_table=False)
    read = f1(gb(roofline.weights_read_per_token(LLAMA2_7B)))
    assert f"count the whole embedding table, though a step reads only one row of it: without the rest, {read} GB " \
           f"and {one_row:.0f} tokens/s on the H100" in english
    assert f"zählen die ganze Embedding-Tabelle mit, obwohl ein Schritt nur eine Zeile davon liest: ohne den Rest " \
           f"{read.replace('.', ',')} GB und {one_row:.0f} Tokens/s auf der H100" in german_text
    assert (read, f"{one_row:.0f}") == ("13.2", "254")
    prefill = roofline.prefill(LLAMA2_7B, 512)
    assert_quoted(f1(prefill.seconds(H100) * 1e3), texts_)  # 6.8 ms
    assert prefill.seconds(H100) < 2 * decode.seconds(H100)  # "not even two generated tokens' time"
    question = quiz(INFERENCE, "Llama 2 7B in bfloat16 (13.5 GB of weights)")
    assert_quoted(f1(gb(decode.weight_bytes)), question)
    assert_quoted(f"{bounds[0]:.0f}", question)
    assert_quoted(whole(H100.peak_flops / decode.flops, -3), question)  # about 75,000


def test_lesson_18_batching_shares_the_weights():
    texts_ = step(INFERENCE, "Batching shares the reads")
    bound = roofline.bandwidth_bound(LLAMA2_7B, H100)
    for context in (1, 8):  # "near the start of the texts, while the caches are small"
        assert whole(roofline.compute_bound_batch(LLAMA2_7B, H100, context), -2) == "300"
        assert roofline.decode_step(LLAMA2_7B, 64, context).seconds(H100) * 1e3 == pytest.approx(4.0, abs=0.15)
        assert roofline.decode_step(LLAMA2_7B, 64, context).tokens_per_second(H100) == pytest.approx(64 * bound,
                                                                                                     rel=0.02)
    assert_quoted("300", texts_)
    assert_quoted(f"{bound:.0f}", texts_)
    assert_quoted(whole(64 * bound, -2), texts_)  # 15,900
    ceiling = H100.peak_flops / roofline.decode_step(LLAMA2_7B, 1, 8).flops
    assert_quoted(whole(ceiling, -3), texts_)  # 75,000
    assert "64 × 249 ≈ 15,900 tokens/s" in texts_[0] and "64 × 249 ≈ 15.900 Tokens/s" in texts_[1]
    question = quiz(INFERENCE, "A server decodes 64 short sequences together")
    intensity = roofline.decode_step(LLAMA2_7B, 64, 8).intensity
    assert_quoted(whole(intensity, -1), question)  # about 60 FLOPs per byte
    assert_quoted(f"{H100.ridge:.0f}", question)
    alone = roofline.decode_step(LLAMA2_7B, 1, 8).seconds(H100)
    assert_quoted(f1(alone * 1e3), question)  # "about the same 4.0 ms" as one sequence's step
    assert roofline.decode_step(LLAMA2_7B, 64, 8).seconds(H100) < 1.05 * alone


def test_lesson_18_the_kv_cache_adds_reads_that_batching_does_not_share():
    texts_ = step(INFERENCE, "The KV cache adds reads")
    one = roofline.decode_step(LLAMA2_7B, 1, 4096)
    assert LLAMA2_7B.n_kv_heads == 32 and LLAMA3_8B.n_kv_heads == 8
    assert_quoted(f"{gb(one.kv_bytes):.2f}", texts_)  # 2.15 GB per sequence and step
    assert_quoted(f1(gb(roofline.decode_step(LLAMA2_7B, 8, 4096).kv_bytes)), texts_)  # 17.2 GB for 8
    assert_quoted(f1(gb(one.weight_bytes)), texts_)
    assert_quoted(f"{one.kv_bytes / H100.bandwidth * 1e6:.0f}", texts_)  # 641 µs
    assert_quoted(f1(one.compute_seconds(H100) * 1e6), texts_)  # 15.5 µs
    assert roofline.compute_bound_batch(LLAMA2_7B, H100, 4096) is None  # "no batch becomes compute-bound"
    fits = roofline.batch_that_fits(LLAMA2_7B, H100, 4096)
    assert_quoted(str(fits), texts_)  # 30
    assert_quoted(f"{H100.memory / 1e9:.0f}", texts_)  # 80 GB
    assert_quoted(whole(roofline.decode_step(LLAMA2_7B, fits, 4096).tokens_per_second(H100), -2), texts_)  # 1,300
    three = roofline.decode_step(LLAMA3_8B, 1, 4096)
    assert_quoted(f"{gb(three.kv_bytes):.2f}", texts_)  # 0.54 GB
    fits3 = roofline.batch_that_fits(LLAMA3_8B, H100, 4096)
    assert_quoted(str(fits3), texts_)  # 119
    assert_quoted(whole(roofline.decode_step(LLAMA3_8B, fits3, 4096).tokens_per_second(H100), -3), texts_)  # 5,000
    question = quiz(INFERENCE, "Why does batching help less")
    assert_quoted(f"{gb(one.kv_bytes):.2f}", question)
    assert_quoted(str(math.ceil(one.weight_bytes / one.kv_bytes)), question)  # from 7 sequences on
    assert_quoted(f1(gb(one.weight_bytes)), question)
    assert_quoted(str(fits), question)


README_COMMAND_7B = "python -m llama_edu.bench --preset llama-2-7b --dtype bfloat16 --device cuda --prompt-len 512 --repeats 3"
README_COMMAND_TINY = "python -m llama_edu.bench --repeats 20"


def test_lesson_18_quotes_only_measurements_the_readme_prints_with_their_command():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert README_COMMAND_7B in readme and README_COMMAND_TINY in readme and "H100 80GB HBM3" in readme
    measured = re.search(r"\*\*(\d+) tokens/s with llama_edu, \d+ with transformers\*\* \([\d.]+×\)\. Without its CUDA "
                         r"graph llama_edu makes (\d+) tokens/s: at batch 1 each of the ~([\d,]+) small kernels", readme)
    assert measured, "README's 7B decode figures moved: update lesson 18"
    rate, eager, kernels = measured.groups()
    tiny_rate = re.search(r"\| greedy decode, 64 tokens \| (\d+) vs \d+ tokens/s", readme).group(1)
    texts_ = step(INFERENCE, "This project's own decoding")
    english, german_text = texts_
    assert README_COMMAND_7B in english and README_COMMAND_7B in german_text
    assert README_COMMAND_TINY in english and README_COMMAND_TINY in german_text
    for number in (rate, eager, kernels, tiny_rate):
        assert_quoted(number, texts_)
    share = int(rate) / roofline.bandwidth_bound(LLAMA2_7B, H100)
    assert_quoted(f"{round(100 * share, -1):.0f}", texts_)  # about 40%
    assert_quoted(f"{roofline.bandwidth_bound(LLAMA2_7B, H100):.0f}", texts_)
    assert "about 40% of the 249 bound (one token per step; counting the whole embedding table)" in english
    assert "etwa 40 % der Grenze von 249 (ein Token pro Schritt; die ganze Embedding-Tabelle mitgezählt)" in \
        german_text
    one_row = int(rate) / roofline.bandwidth_bound(LLAMA2_7B, H100, whole_embedding_table=False)
    assert f"{round(100 * one_row, -1):.0f}" == "40"  # the same "about 40%" against the one-row bound
    assert_quoted(f1(weights_bytes(PRESETS['tiny'], 4) / 1e6), texts_)  # 25.3 MB per token in float32
    tiny_cfg = le.read_config(le.TINY_MODEL_DIR)
    assert weights_bytes(tiny_cfg, 4) == weights_bytes(PRESETS["tiny"], 4)  # the preset is the shipped model


def test_sources_list_the_hardware_figures_with_their_datasheets():
    sources = (ROOT / "lessons" / "SOURCES.md").read_text(encoding="utf-8")
    section = sources[sources.index("## Lessons 17 (heads together) and 18 (inference economics)"):]
    for gpu in roofline.GPUS.values():
        row = next(line for line in section.splitlines() if line.startswith(f"| {gpu.name}:"))
        assert f"{gpu.peak_flops / 1e12:g} TFLOP/s" in row and "datasheet" in row
        assert (f"{gpu.bandwidth / 1e9:,.0f} GB/s" in row or f"{gpu.bandwidth / 1e12:g} TB/s" in row)
        assert f"{gpu.memory / 1e9:.0f} GB" in row
    assert "Williams, Waterman & Patterson" in section and README_COMMAND_7B in section


def test_the_german_files_leave_the_answers_to_the_english_ones():
    """The loader takes every answer from the English file (lessons.translate): an answer in a German file would be
    ignored and could drift unnoticed."""
    import yaml

    for name in ("17-heads-together.yaml", "18-inference-economics.yaml"):
        german_file = yaml.safe_load((ROOT / "lessons" / "de" / name).read_text(encoding="utf-8"))
        assert german_file["quiz"] and all("answer" not in question for question in german_file["quiz"]), name
    for lesson_id in (HEADS, INFERENCE):
        assert [q.answer for q in LESSONS["de"][lesson_id].quiz] == [q.answer for q in LESSONS["en"][lesson_id].quiz]


def test_both_lessons_have_twins_of_the_same_shape_and_end_with_a_quiz():
    for lesson_id in (HEADS, INFERENCE):
        english, german_lesson = LESSONS["en"][lesson_id], LESSONS["de"][lesson_id]
        assert 5 <= len(english.steps) <= 8 and 3 <= len(english.quiz) <= 4
        assert len(german_lesson.steps) == len(english.steps) and len(german_lesson.quiz) == len(english.quiz)
        assert all(step_.element for step_ in english.steps)
        assert german_lesson.title != english.title


# ---- the figures, in English and German -------------------------------------------------------------------------------
def _figures(tiny):
    model, _, ids, logits, cache = tiny
    writes = head_writes.layer_head_writes(model, cache, 5)
    check = head_writes.ablation_check(model, ids, logits, cache, 5, 3)
    norms = torch.rand(6, 8, generator=torch.Generator().manual_seed(0)) * 20
    kl = torch.rand(6, 8, generator=torch.Generator().manual_seed(1)) / 10
    kl[0, 0] = float("nan")
    wide = torch.randn(4096, 4096, generator=torch.Generator().manual_seed(2))  # a 7B's wo: drawn every 16th
    cfg = LLAMA2_7B
    return {
        "wo_blocks_figure": lambda lang: viz_heads.wo_blocks_figure(model.layers[5].attention.wo.weight, 8, 3, "t",
                                                                    lang=lang),
        "wo_blocks_figure, a 7B's width": lambda lang: viz_heads.wo_blocks_figure(wide, 32, 31, lang=lang),
        "head_writes_figure": lambda lang: viz_heads.head_writes_figure(
            writes[:, -1], cache["layers.5.attention.hook_out"][0, -1], 3, lang=lang),
        "write_norms_figure": lambda lang: viz_heads.write_norms_figure(writes[:, -1].norm(dim=-1), 58.4, 6,
                                                                        lang=lang),
        "ablation_check_figure": lambda lang: viz_heads.ablation_check_figure(check.write, check.removed, lang=lang),
        "write_vs_effect_figure": lambda lang: viz_heads.write_vs_effect_figure(norms, kl, (5, 3), lang=lang),
        "intensity_figure": lambda lang: viz_roofline.intensity_figure(
            [1, 8, 64], [roofline.matmul_intensity(m, 4096, 4096) for m in (1, 8, 64)], roofline.GPUS, 4096, 4096,
            lang=lang),
        "roofline_figure": lambda lang: viz_roofline.roofline_figure(roofline.GPUS, {"a": 1.0, "b": 492.0},
                                                                     lang=lang),
        "time_split_figure": lambda lang: viz_roofline.time_split_figure(
            {g.name: (roofline.decode_step(cfg).memory_seconds(g), roofline.decode_step(cfg).compute_seconds(g))
             for g in roofline.GPUS.values()}, lang=lang),
        "batch_throughput_figure": lambda lang: viz_roofline.batch_throughput_figure(
            {"8": ([1, 2, 4], [roofline.decode_step(cfg, b, 8).tokens_per_second(H100) for b in (1, 2, 4)])},
            74841.0, 248.6, lang=lang),
    }


FIGURE_NAMES = ["wo_blocks_figure", "wo_blocks_figure, a 7B's width", "head_writes_figure", "write_norms_figure",
                "ablation_check_figure", "write_vs_effect_figure", "intensity_figure", "roofline_figure",
                "time_split_figure", "batch_throughput_figure"]


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_each_new_figure_shows_the_same_numbers_in_german_with_german_words(name, tiny):
    draw = _figures(tiny)[name]
    en, de = draw("en"), draw("de")
    assert numbers(de) == numbers(en), "the numbers differ between languages"
    assert_translated(texts(en), texts(de), STRING_FILES)
    assert draw("xx").to_json() == en.to_json()  # an unknown language falls back to English
    en.to_json()  # valid


def test_every_public_figure_of_the_new_viz_modules_is_drawn_here(tiny):
    import inspect

    drawn = {name.split(",")[0] for name in FIGURE_NAMES}
    public = {name for module in (viz_heads, viz_roofline) for name, fn in inspect.getmembers(module, inspect.isfunction)
              if not name.startswith("_") and fn.__module__ == module.__name__}
    assert public == drawn
    for module in (viz_heads, viz_roofline):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                assert inspect.signature(fn).parameters["lang"].kind is inspect.Parameter.KEYWORD_ONLY


def test_every_word_of_the_lessons_strings_files_is_asked_for_by_their_code():
    """Each key of llama_edu/strings/{heads_together,inference}.yaml appears in the figure module or the element
    module that shows it (a key left behind by an edit would never be translated again)."""
    from llama_edu import i18n

    code = {"heads_together": [viz_heads, ROOT / "app" / "elements" / "heads_together.py"],
            "inference": [viz_roofline, ROOT / "app" / "elements" / "inference.py"]}
    for file, (viz_module, element_file) in code.items():
        source = Path(viz_module.__file__).read_text(encoding="utf-8") + element_file.read_text(encoding="utf-8")
        keys = [key for key in i18n.strings() if key.split(".")[0] == file]
        assert keys and [key for key in keys if f'"{key}"' not in source] == []


# ---- the live elements, drawn in the app ------------------------------------------------------------------------------
ELEMENTS = {"heads_together": ["wo_blocks", "head_write_sum", "head_write_norms", "head_ablation_check",
                               "head_write_vs_effect"],
            "inference": ["matmul_intensity", "roofline_chart", "decode_time_split", "batch_throughput",
                          "decode_calculator", "decode_measured"]}
CHARTS = {"decode_calculator": 0, "decode_measured": 0}  # every other element draws one figure
EACH = [(topic, name) for topic, names in ELEMENTS.items() for name in names]


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "name"), EACH, ids=[name for _, name in EACH])
def test_each_element_draws_twice_on_one_screen_in_both_languages(topic, name):
    """Drawn with keys "first" and "second": two keys never share a widget; in German too."""
    import json

    for lang in ("en", "de"):
        at = open_elements([topic], [name], keys=("first", "second"), lang=lang)
        assert not at.exception, [e.value for e in at.exception]
        charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
        assert len(charts) == 2 * CHARTS.get(name, 1)
    if name == "decode_measured":  # German, after the loop
        at.button(key="first_run").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert "first_measured" in at.session_state and "second_measured" not in at.session_state
        assert any("GB/s" in m.value and "Tokens/s" in m.value for m in at.markdown)
    if name == "decode_calculator":
        at.number_input(key="second_batch").set_value(64).run()
        assert not at.exception, [e.value for e in at.exception]
        assert sum("Tokens/s pro Sequenz" in m.value for m in at.markdown) == 2
    if name == "head_ablation_check":  # the pickers move the check to another head
        at.selectbox(key="first_head").set_value(0).run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("Schicht 5, Head 0" in json.loads(c.proto.spec)["layout"]["title"]["text"]
                   for c in at.get("plotly_chart"))
