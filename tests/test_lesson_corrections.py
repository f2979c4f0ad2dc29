"""Issue 18's corrections, as specifications: each claim the lessons (English and German), the UI strings and
memory.py's docstring now make is computed here with the library's own code (torch's activations as llama_edu.ffn
lists them, parameter_breakdown, weights_bytes, kv_cache_bytes, memory.estimate, train.make_optimizer, the probe
sentences of llama_edu.analysis) and found in the text, rounded as the text rounds it. German writes 0,76 for 0.76.
"""

import re

import pytest
import torch
from helpers import SMALL_CONFIGS, random_model
from test_lesson_numbers import LESSONS, assert_quoted, german, quiz, step

import llama_edu as le
from llama_edu import analysis, memory
from llama_edu.config import PRESETS, kv_cache_bytes, parameter_breakdown, weights_bytes
from llama_edu.ffn import ACTIVATIONS
from llama_edu.i18n import text
from llama_edu.lessons import LESSONS_DIR
from llama_edu.train import TrainConfig, make_optimizer

GIB = 1024 ** 3


def both(lesson_id: str) -> tuple[str, str]:
    """(English, German) text of a whole lesson: summary, steps, notices, questions, options and explanations."""
    def words(lesson):
        parts = [lesson.summary, *(f"{s.text} {s.notice or ''}" for s in lesson.steps),
                 *(" ".join([q.question, *q.options, q.explanation]) for q in lesson.quiz)]
        return " ".join(" ".join(parts).split())
    return words(LESSONS["en"][lesson_id]), words(LESSONS["de"][lesson_id])


def assert_negative_quoted(number: str, texts: tuple[str, str]) -> None:
    """−0.278 (with the minus sign U+2212) in English and −0,278 in German."""
    assert_quoted(number, texts)
    assert f"−{number}" in texts[0] and f"−{german(number)}" in texts[1]


def f1(value: float) -> str:
    return f"{value:.1f}"


# ---- 1. lesson 11: clipping does not cap AdamW's update at 1.0 x lr ---------------------------------------------------
def _gradients(model, scale: float, seed: int) -> list[torch.Tensor]:
    """Random gradients for every parameter, scaled together to global norm `scale`."""
    gen = torch.Generator().manual_seed(seed)
    grads = [torch.randn(p.shape, generator=gen) for p in model.parameters()]
    norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    return [g * scale / norm for g in grads]


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().flatten() for t in tensors])


def _adamw_run(gradient_norms: list[float], clip: bool) -> list[dict[str, torch.Tensor]]:
    """A small model's AdamW (train.make_optimizer) fed random gradients of these global norms, clipped as train.py
    clips them (clip_grad_norm_ at TrainConfig.grad_clip) or not. Per step: the gradient fed in (before clipping),
    the step taken (weight decay taken out) and Adam's running averages m and v after it, each flattened."""
    tc = TrainConfig()
    model = random_model(SMALL_CONFIGS["gqa"], seed=3)
    params = list(model.parameters())
    optimizer = make_optimizer(model, tc)
    run = []
    for i, norm in enumerate(gradient_norms):
        grads = _gradients(model, norm, seed=i)
        for p, g in zip(params, grads):
            p.grad = g.clone()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, tc.grad_clip)
        before = _flat(params)
        decay = _flat([tc.lr * tc.weight_decay * p if p.ndim >= 2 else torch.zeros_like(p) for p in params])
        optimizer.step()
        run.append({"gradient": _flat(grads), "update": before - _flat(params) - decay,
                    "m": _flat([optimizer.state[p]["exp_avg"] for p in params]),
                    "v": _flat([optimizer.state[p]["exp_avg_sq"] for p in params])})
    return run


def test_lesson_11_adamws_first_step_is_the_same_clipped_or_not_and_far_above_lr():
    """A first gradient of norm 7.6 (the tiny model's), clipped to 1.0 or not: the same step, each weight moving by
    the learning rate, so the step's norm is lr * sqrt(number of weights), not at most 1.0 * lr (true of SGD only)."""
    tc = TrainConfig()
    n = sum(p.numel() for p in random_model(SMALL_CONFIGS["gqa"]).parameters())
    (clipped,), (unclipped,) = _adamw_run([7.6], clip=True), _adamw_run([7.6], clip=False)
    # the same step, but for the few entries whose clipped gradient comes near Adam's epsilon (1e-8)
    assert (clipped["update"] - unclipped["update"]).norm() < 1e-3 * unclipped["update"].norm()
    assert clipped["update"].abs().max() < 1.0001 * tc.lr  # no weight moves by more than the learning rate...
    assert float(clipped["update"].norm()) == pytest.approx(tc.lr * n ** 0.5, rel=1e-3)  # ... and each by about it
    assert clipped["update"].norm() > 50 * tc.grad_clip * tc.lr
    english, german_text = quiz("training-recipe", "What does gradient clipping at 1.0 do?")
    assert "It does not cap the update at 1.0 times the learning rate: that holds for plain SGD only" in english
    assert "Das Update wird dadurch nicht auf 1,0 mal Lernrate begrenzt: Das gilt nur für einfaches SGD" \
        in german_text
    assert "$m/(\\sqrt{v}+\\epsilon)$" in english and "$m/(\\sqrt{v}+\\epsilon)$" in german_text
    english, german_text = step("training-recipe", "Gradient clipping at 1.0, and scale")
    assert "With AdamW this does not make the steps small" in english
    assert "Mit AdamW macht das die Schritte nicht klein" in german_text


def test_lesson_11_clipping_keeps_one_huge_batch_out_of_adams_running_averages():
    """Ten ordinary gradients (norm 0.5), one of norm 1,000, ten more. Unclipped, the spike multiplies m by hundreds
    and v by tens of thousands, and ten steps later the update still points along the spike; clipped to 1.0, m and v
    less than double and the spike's direction fades."""
    norms = [0.5] * 10 + [1000.0] + [0.5] * 10
    clipped, unclipped = _adamw_run(norms, clip=True), _adamw_run(norms, clip=False)
    spike = unclipped[10]["gradient"]

    def along_spike(run, i):
        return float(torch.nn.functional.cosine_similarity(run[i]["update"], spike, dim=0))

    def growth(run, name):
        return float(run[10][name].norm() / run[9][name].norm())

    assert growth(unclipped, "m") > 100 and growth(unclipped, "v") > 10_000
    assert growth(clipped, "m") < 2 and growth(clipped, "v") < 2
    assert along_spike(unclipped, 20) > 0.7 and along_spike(clipped, 20) < 0.35


# ---- 2 and 3. lesson 7: previous token on the default prompt, subject on the probe sentences --------------------------
def test_lesson_7_the_subject_head_is_measured_where_the_subject_is_not_the_previous_token():
    """In every probe sentence, the 32 that start with the subject and the 16 moved ones, the subject ends 4 or 5
    tokens before its verb (so subject_of_verb cannot score a previous-token head), and on the 32 the head the
    lesson names, L4H4, sends more from the verb to the subject than to the token just before the verb. (On "The
    cat sat on the mat", "cat" is both the subject of "sat" and its previous token: the lesson does not use that
    prompt for the subject head. On the moved probes L4H4 sends more to the token before the verb: lesson 7 says
    so, tests/test_lesson_numbers.py checks it.)"""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    probes = analysis.subject_verb_probes()
    moved = [(s, noun, verb) for s, noun, verb, _ in analysis.moved_subject_probes()]
    for probe_set in (probes, moved):
        places = [(analysis.word_token_positions(tok, s, verb)[0], analysis.word_token_positions(tok, s, noun)[1])
                  for s, noun, verb in probe_set]
        assert {verb - noun for verb, noun in places} == {4, 5}
    places = [(analysis.word_token_positions(tok, s, verb)[0], analysis.word_token_positions(tok, s, noun)[1])
              for s, noun, verb in probes]
    patterns = analysis.batched_patterns(model, [tok.encode(s) for s, _, _ in probes])
    to_subject = sum(layers[4][4, verb, noun] for (verb, noun), layers in zip(places, patterns)) / len(probes)
    to_previous = sum(layers[4][4, verb, verb - 1] for (verb, _), layers in zip(places, patterns)) / len(probes)
    assert float(to_subject) == pytest.approx(float(analysis.subject_of_verb(model, tok, probes)[4, 4]), abs=1e-6)
    assert to_subject > to_previous
    english, german_text = step("attention", "A head with a job: the previous token")
    assert "pick layer 4, head 4" in english and "sat on the mat" not in english.split("pick layer 4, head 4")[1]
    assert "wähle Schicht 4, Head 4" in german_text


# ---- 4. lesson 5: SiLU and GELU are alike, not identical ---------------------------------------------------------------
def test_lesson_5_silu_and_gelu_differ_in_their_minimum_and_at_one():
    """SiLU: minimum −0.278 at z = −1.28, silu(1) = 0.73; GELU (exact erf form, as the chart draws it): minimum
    −0.170 at z = −0.75, gelu(1) = 0.84; GELU is within 0.03 of z·σ(1.702 z) everywhere."""
    silu, gelu = ACTIVATIONS["SiLU / Swish"], ACTIVATIONS["GELU"]
    z = torch.linspace(-4, 0, 40_001, dtype=torch.float64)
    texts = step("swiglu", "SiLU, also called Swish")
    for activation, minimum, where, at_one in [(silu, "0.278", "1.28", "0.73"), (gelu, "0.170", "0.75", "0.84")]:
        values = activation(z)
        assert f"{-float(values.min()):.3f}" == minimum and f"{-float(z[values.argmin()]):.2f}" == where
        assert f"{float(activation(torch.tensor(1.0, dtype=torch.float64))):.2f}" == at_one
        assert_negative_quoted(minimum, texts)
        assert_negative_quoted(where, texts)
        assert_quoted(at_one, texts)
    wide = torch.linspace(-6, 6, 12_001, dtype=torch.float64)
    assert float((gelu(wide) - wide * torch.sigmoid(1.702 * wide)).abs().max()) < 0.03
    assert_quoted("1.702", texts)
    english, german_text = texts
    assert "nearly identical" not in english and "fast identisch" not in german_text
    assert "silu(1) = 0.73 against gelu(1) = 0.84" in english and "silu(1) = 0,73 gegenüber gelu(1) = 0,84" \
        in german_text


# ---- 5. lesson 5: the feed-forward share of Llama 2 70B rises mostly through GQA ---------------------------------------
def _ffn_share(cfg) -> float:
    """Percent of all parameters (embeddings and output included, as the chart counts them) in the feed-forward."""
    parts = parameter_breakdown(cfg)
    return 100 * parts["feed_forward"] / sum(parts.values())


def _attention_share(cfg) -> float:
    parts = parameter_breakdown(cfg)
    return 100 * parts["attention"] / sum(parts.values())


def test_lesson_5_llama_2_70b_feed_forward_share_with_and_without_its_multiplier():
    """LLaMA-7B 64%; LLaMA-65B 66.3% (attention 32.9%); Llama 2 70B 81.7% (attention 17.5%), 79.3% without the 1.3
    multiplier: GQA alone (65B with 8 KV heads) adds more than the multiplier does."""
    old, new = PRESETS["llama-65b"], PRESETS["llama-2-70b"]
    assert (old.dim, old.n_layers, old.n_heads) == (new.dim, new.n_layers, new.n_heads)  # "same width and depth"
    assert new.ffn_dim_multiplier == 1.3 and (old.n_kv_heads, new.n_kv_heads) == (64, 8)
    without = new.replace(ffn_dim_multiplier=None)
    texts = step("swiglu", "11,008 and 704")
    assert f"{round(_ffn_share(PRESETS['llama-7b']))}% of LLaMA-7B" in texts[0]
    assert f"{round(_ffn_share(PRESETS['llama-7b']))} % bei LLaMA-7B" in texts[1]
    for value in (_ffn_share(new), _ffn_share(old), _ffn_share(without), _attention_share(old),
                  _attention_share(new)):
        assert_quoted(f1(value), texts)
    assert f"Llama 2 70B puts {f1(_ffn_share(new))}% into them, against {f1(_ffn_share(old))}% in LLaMA-65B" \
        in texts[0]
    assert f"without it Llama 2 70B would still be at {f1(_ffn_share(without))}%" in texts[0]
    assert f"Ohne ihn läge Llama 2 70B immer noch bei {german(f1(_ffn_share(without)))} %" in texts[1]
    # "The 1.3 multiplier is the smaller part of that rise ... Most of it is grouped-query attention"
    multiplier = _ffn_share(new) - _ffn_share(without)
    gqa_alone = _ffn_share(old.replace(n_kv_heads=8)) - _ffn_share(old)
    assert multiplier < (_ffn_share(new) - _ffn_share(old)) / 2 and gqa_alone > (_ffn_share(new) - _ffn_share(old)) / 2
    assert "embeddings included" in texts[0] and "Embeddings eingeschlossen" in texts[1]
    assert "it grows with the 1.3 multiplier" not in texts[0]


# ---- 6. lesson 8: decoding reads the weights every step; the cache takes over at long contexts or large batches ------
def test_lesson_8_the_weights_not_the_cache_dominate_decoding_at_short_contexts():
    """Llama 2 7B in bfloat16: 12.6 GiB of weights, a 2 GiB cache for 4,096 tokens; as large as the weights at about
    six such sequences or one of about 26,000 tokens. The quiz: Llama 2 70B's 1.25 GiB per sequence, 10 GiB with
    MHA."""
    cfg = PRESETS["llama-2-7b"]
    weights, sequence = weights_bytes(cfg, 2), kv_cache_bytes(cfg, 4096, bytes_per_value=2)
    per_token = kv_cache_bytes(cfg, 1, bytes_per_value=2)
    texts = step("gqa", "Why share: decoding is limited by memory")
    english, german_text = texts
    assert f"({f1(weights / GIB)} GiB for Llama 2 7B in bfloat16)" in english
    assert f"({german(f1(weights / GIB))} GiB bei Llama 2 7B in bfloat16)" in german_text
    assert f"sequence of Llama 2 7B is {sequence / GIB:g} GiB" in english
    assert f"ist bei Llama 2 7B {sequence / GIB:g} GiB groß" in german_text
    sequences = {6: ("six", "sechs")}[round(weights / sequence)]  # KeyError: the text's word needs changing
    assert f"about {sequences[0]} such sequences" in english and f"etwa {sequences[1]} solchen Sequenzen" \
        in german_text
    assert_quoted(f"{round(weights / per_token, -3):,.0f}", texts)
    assert "The cache grows with the context and with the number of sequences" in english
    seventy = PRESETS["llama-2-70b"]
    gqa = kv_cache_bytes(seventy, 4096, bytes_per_value=2) / GIB
    mha = kv_cache_bytes(seventy.replace(n_kv_heads=seventy.n_heads), 4096, bytes_per_value=2) / GIB
    question = quiz("gqa", "What is the main reason to use MQA or GQA?")
    assert f"{gqa:g} GiB per 4,096-token sequence instead of {mha:g} GiB" in question[0]
    assert f"{german(f'{gqa:g}')} GiB pro Sequenz von 4.096 Tokens statt {mha:g} GiB" in question[1]
    assert "Decoding speed is limited by reading the cached keys and values" not in question[0]


# ---- 7. memory.py's docstring ----------------------------------------------------------------------------------------
def _gib(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def test_memory_docstring_figures_are_what_estimate_computes():
    """Every row of the table in llama_edu/memory.py's docstring, and its sentence: Llama-3-8B at its 8,192 tokens
    needs 20.9 GiB of activations, more than its 15.0 GiB of weights; at 512 tokens the working memory is a few
    percent of the weights."""
    doc = " ".join(memory.__doc__.split())
    rows = re.findall(r"(Llama-[\d.]+-\dB) ([\d.]+) GiB ([\d.]+) GiB (?:\((\d+) MiB of RoPE tables\) )?"
                      r"([\d,]+) tokens: ([\d,.]+) GiB", doc)
    assert [row[0] for row in rows] == ["Llama-2-7B", "Llama-3-8B", "Llama-3.1-8B"]
    cpu = torch.device("cpu")
    for name, weights, working, rope, context, full in rows:
        cfg = le.ModelConfig.from_preset(name.lower())
        at_512 = memory.estimate(cfg, cpu, torch.bfloat16, 512, available=None)
        at_full = memory.estimate(cfg, cpu, torch.bfloat16, cfg.max_seq_len, available=None)
        assert (weights, working) == (f1(at_512.weights / GIB), f"{at_512.working / GIB:.2f}")
        assert (context, full) == (f"{cfg.max_seq_len:,}", _gib(at_full.working / GIB))
        assert not rope or rope == f"{at_512.rope_tables // 2 ** 20}"
        assert at_512.working < 0.05 * at_512.weights  # "a few percent of the weights"
    cfg = le.ModelConfig.from_preset("llama-3-8b")
    full = memory.estimate(cfg, cpu, torch.bfloat16, cfg.max_seq_len, available=None)
    assert full.activations > full.weights
    assert (f"Llama-3-8B at its {cfg.max_seq_len:,} tokens needs {f1(full.activations / GIB)} GiB for the "
            f"activations alone, more than its {f1(full.weights / GIB)} GiB of weights") in doc


# ---- 8 to 12: words ---------------------------------------------------------------------------------------------------
def test_sources_credit_the_llama_paper_with_a_single_gpu_not_a_v100():
    sources = (LESSONS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "13B runs on a single GPU (the paper names no GPU model)" in sources
    assert "13B runs on one V100" not in sources


def test_lesson_7_the_variance_d_needs_mean_0_too():
    """The dot product of d independent entries with mean 0 and variance 1 has variance d; with mean 1 (variance
    still 1) it is 3d, as the lesson says. Sampled here for d = 32, the tiny model's head width."""
    d, gen = 32, torch.Generator().manual_seed(0)
    q, k = torch.randn(200_000, d, generator=gen, dtype=torch.float64), torch.randn(200_000, d, generator=gen,
                                                                                  dtype=torch.float64)
    assert float((q * k).sum(-1).var()) == pytest.approx(d, rel=0.02)
    assert float(((q + 1) * (k + 1)).sum(-1).var()) == pytest.approx(3 * d, rel=0.02)
    english, german_text = step("attention", "Why divide by √d_head")
    assert "each with mean 0 and variance 1, their dot product $q \\cdot k$ has variance $d$" in english
    assert "unabhängige Einträge mit Mittelwert 0 und Varianz 1, dann hat ihr Skalarprodukt $q \\cdot k$ die " \
           "Varianz $d$" in german_text
    assert "with a mean of 1 the variance would be $3d$" in english and "bei Mittelwert 1 wäre die Varianz $3d$" \
        in german_text


def test_bert_is_said_to_have_learned_next_sentence_prediction_too():
    english, german_text = step("llama-vs-gpt-bert-t5", "Three families, one toolbox")
    assert "hidden at random, and whether sentence B follows sentence A" in english
    assert "zufällig verdeckt, und ob Satz B auf Satz A folgt" in german_text
    english, german_text = step("llama-vs-gpt-bert-t5", "BERT: hide some tokens, predict them from both sides")
    assert "**next sentence prediction**" in english and "**Next Sentence Prediction**" in german_text
    assert "masked-LM loss" in english and "Masked-LM-Loss" in german_text
    for lang, words in [("en", "and whether sentence B follows sentence A"), ("de", "und ob Satz B auf Satz A folgt")]:
        assert words in text("arch.overview_table", lang)
    assert "next sentence prediction" in text("arch.bert_text", "en")
    assert "Next Sentence Prediction" in text("arch.bert_text", "de")


def test_rope_scores_depend_on_content_and_offset_not_on_the_offset_alone():
    english, german_text = (LESSONS[lang]["rope"].summary for lang in ("en", "de"))
    assert "depends on their content and on how far apart they are, not on where in the text they stand" in english
    assert "von ihrem Inhalt und ihrem Abstand abhängt, nicht davon, wo im Text sie stehen" in german_text
    for lang, words in [("en", "depend only on how far apart"), ("de", "nur davon abhängen, wie weit")]:
        assert words not in both("rope")[lang == "de"]
    assert "besides the two vectors themselves" in text("app.rope.intro_relative", "en")
    assert "Außer von den beiden Vektoren selbst" in text("app.rope.intro_relative", "de")


def test_lesson_9_a_token_attends_to_itself_as_well():
    english, german_text = step("kv-cache", "Decoding repeats work")
    assert "every token up to and including itself" in english
    assert "aller Tokens bis einschließlich $t$ selbst" in german_text
    assert "from itself and the tokens before it" in text("app.attention.core_idea", "en")
    assert "aus sich selbst und den Tokens vor ihm" in text("app.attention.core_idea", "de")
