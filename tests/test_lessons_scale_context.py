"""Lessons 15 (compute and scale) and 16 (long context): the arithmetic of llama_edu.scale and llama_edu.long_context
against independent computations (hand formulas in plain Python, PyTorch's FLOP counter, the model's own forward and
its Llama 3.1 RoPE code, transformers' YaRN), their figures in both languages, their live elements, and every number
the two lessons quote, computed here and found in the English and the German step (German writes 0,76 for 0.76 and
4.096 for 4,096). Figures from papers are listed with their sources in lessons/SOURCES.md.

The tiny model's losses past its context need 20 forward passes over 1,024 tokens, and the elements an AppTest: those
tests are `slow`.
"""

import json
import math

import pytest
import torch
from helpers import open_elements
from lesson_text import assert_quoted, german, readers, some_lessons

import llama_edu as le
from llama_edu import i18n, scale
from llama_edu import long_context as lc
from llama_edu.lessons import LESSONS_DIR
from llama_edu.model import rope_frequencies
from llama_edu.viz import long_context as viz_lc
from llama_edu.viz import scale as viz_scale

SCALE, CONTEXT = "compute-and-scale", "long-context"
FILES = {SCALE: "15-compute-and-scale.yaml", CONTEXT: "16-long-context.yaml"}


LESSONS = some_lessons(FILES)
step, quiz = readers(LESSONS)


# ---- reading the lessons (as tests/test_lesson_numbers.py does) ------------------------------------------------------
def assert_power(value: float, texts: tuple[str, str]) -> None:
    """4.0 × 10²² as the lessons write it in LaTeX: $4.0 \\times 10^{22}$ (German $4{,}0 \\times 10^{22}$)."""
    exponent = math.floor(math.log10(value))
    mantissa = f"{value / 10 ** exponent:.1f}"
    english, german_text = texts
    assert f"{mantissa} \\times 10^{{{exponent}}}" in english, (mantissa, exponent, english)
    assert f"{mantissa.replace('.', '{,}')} \\times 10^{{{exponent}}}" in german_text, (mantissa, exponent)


def f2(value: float) -> str:
    return f"{value:.2f}"


def count(value: float) -> str:
    """A whole number as the lessons write it: 72,000."""
    return f"{value:,.0f}"


# ---- llama_edu.scale: the arithmetic -------------------------------------------------------------------------------
def test_training_costs_six_flops_per_parameter_and_token_two_to_generate():
    assert scale.training_flops(7e9, 1e12) == 6 * 7e9 * 1e12
    assert scale.inference_flops_per_token(7e9) == 2 * 7e9
    assert scale.FORWARD_FLOPS_PER_PARAMETER + scale.BACKWARD_FLOPS_PER_PARAMETER == 6
    assert scale.CHINCHILLA_TOKENS_PER_PARAMETER == pytest.approx(20)  # Chinchilla: 70B on 1.4T
    assert scale.chinchilla_tokens(7e9) == pytest.approx(140e9)


def test_gpu_hours_and_implied_utilisation_undo_each_other():
    flops = 5.5e23
    hours = scale.gpu_hours(flops, 312e12, 0.4)
    assert hours * 3600 * 312e12 * 0.4 == pytest.approx(flops)  # by hand: seconds x FLOP/s = FLOPs
    assert scale.implied_utilisation(flops, hours, 312e12) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="utilisation"):
        scale.gpu_hours(flops, utilisation=1.5)


def _multiplied_by_hand(cfg: le.ModelConfig) -> int:
    """Weights in a matrix product, from the config's shapes: wq, wk, wv, wo, w1, w2, w3 per layer and the output."""
    d, kv = cfg.dim, cfg.n_kv_heads * cfg.head_dim
    return cfg.n_layers * (2 * d * d + 2 * d * kv + 3 * d * cfg.hidden_dim) + cfg.vocab_size * d


@pytest.mark.parametrize("name, n_tokens", [("tiny", 256), ("llama-7b", 2048), ("llama-2-70b", 512),
                                            ("llama-3-8b", 1024)])
def test_pytorch_counts_2_n_t_forward_plus_attention_and_twice_that_backward(name, n_tokens):
    """The counter, run on the model's code, against the formula: forward = 2 x (weights in matrix products) x T +
    attention's two T x T products (4·L·T²·d); backward exactly twice the forward."""
    cfg = le.PRESETS[name]
    counted = scale.training_step_flops(cfg, n_tokens)
    attention = 4 * cfg.n_layers * n_tokens ** 2 * cfg.n_heads * cfg.head_dim
    assert scale.multiplied_parameters(cfg) == _multiplied_by_hand(cfg)
    assert counted.forward == 2 * _multiplied_by_hand(cfg) * n_tokens + attention
    assert scale.attention_flops(cfg, n_tokens) == attention
    assert counted.backward == 2 * counted.forward
    assert counted.parameters == le.count_parameters(cfg)


def test_a_model_that_shares_its_embedding_still_multiplies_by_its_output_layer():
    cfg = le.PRESETS["tiny"].replace(tie_word_embeddings=True)
    assert scale.multiplied_parameters(cfg) == _multiplied_by_hand(cfg)
    assert scale.training_step_flops(cfg, 64).forward == 2 * _multiplied_by_hand(cfg) * 64 + \
        4 * cfg.n_layers * 64 ** 2 * cfg.dim


def test_the_tiny_run_is_the_shipped_model_and_its_card():
    model = le.load_model(le.TINY_MODEL_DIR)
    run = scale.tiny_run()
    card = json.loads((le.TINY_MODEL_DIR / "model_card.json").read_text())
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    assert run.parameters == sum(p.numel() for p in model.parameters())
    assert run.tokens == card["training_tokens"] == log["evals"][-1]["tokens"]
    assert scale.preset_run("tiny") == run and scale.published_runs()["tiny"] == run
    assert scale.preset_run("llama-7b", 2e12).tokens == 2e12


def test_paper_checks_cover_every_model_with_reported_gpu_hours():
    checks = {check.run.name: check for check in scale.paper_checks()}
    assert set(checks) == set(scale.PAPER_GPU_HOURS)
    for name, check in checks.items():
        cfg, tokens = scale.UNRELEASED_RUNS.get(name, (le.PRESETS.get(name), le.config.TRAINING_TOKENS.get(name)))
        by_hand = 6 * le.count_parameters(cfg) * tokens / (scale.PAPER_GPU_HOURS[name] * 3600 * 312e12)
        assert check.utilisation == pytest.approx(by_hand) and 0.3 < check.utilisation < 0.6
    assert set(scale.UNRELEASED_RUNS).isdisjoint(le.PRESETS)  # a preset would take its place


def test_the_unreleased_llama_2_34b_by_hand():
    """Code Llama 34B's shape (dim 8,192, 48 layers, 64 heads, 8 KV heads, feed-forward 22,016, vocabulary 32,000) on
    Llama 2's 2T tokens: N by hand from the shapes, and the share of the A100's peak its 1,038,336 GPU-hours imply."""
    cfg, tokens = scale.UNRELEASED_RUNS["llama-2-34b"]
    assert (cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.hidden_dim, cfg.vocab_size) == \
        (8192, 48, 64, 8, 22016, 32000)
    d, kv, hidden = 8192, 8 * 128, 22016
    by_hand = 48 * (2 * d * d + 2 * d * kv + 3 * d * hidden + 2 * d) + d + 2 * 32000 * d
    run = scale.paper_run("llama-2-34b")
    assert run.parameters == by_hand == 33_743_970_304 and run.tokens == tokens == 2.0e12
    assert scale.PAPER_GPU_HOURS["llama-2-34b"] == 1_038_336
    share = 6 * by_hand * 2e12 / (1_038_336 * 3600 * 312e12)
    assert f"{100 * share:.0f}" == "35"
    assert scale.paper_run("llama-2-70b") == scale.preset_run("llama-2-70b")


def test_sources_record_the_unreleased_llama_2_34b_and_where_its_shape_comes_from():
    sources = (LESSONS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    section = sources[sources.index("## Lessons 15 (compute and scale)"):sources.index("## Lessons 17")]
    cfg, _ = scale.UNRELEASED_RUNS["llama-2-34b"]
    assert f"34B {scale.PAPER_GPU_HOURS['llama-2-34b']:,} (trained, not released)" in section
    assert (f"dim {cfg.dim:,}, {cfg.n_layers} layers, {cfg.n_heads} heads, {cfg.n_kv_heads} KV heads, feed-forward "
            f"{cfg.hidden_dim:,}, vocabulary {cfg.vocab_size:,}") in section and "Code Llama" in section
    assert "Kaplan counts non-embedding parameters, Chinchilla all of them" in section


def test_scientific_writes_powers_of_ten_in_each_language():
    assert viz_scale.scientific(4.043e22) == "4.0 × 10²²"
    assert viz_scale.scientific(4.043e22, lang="de") == "4,0 × 10²²"
    assert viz_scale.scientific(9.96e22) == "1.0 × 10²³" and viz_scale.scientific(3.1e-5, 3) == "3.10 × 10⁻⁵"


# ---- llama_edu.long_context: each rule against its hand formula ------------------------------------------------------
def _theta(i: int, head_dim: int, base: float) -> float:
    return base ** (-2 * i / head_dim)


@pytest.mark.parametrize("head_dim, base", [(32, 10000.0), (128, 10000.0), (128, 500000.0)])
def test_position_interpolation_is_reading_position_m_as_m_over_s(head_dim, base):
    s, L = 4, 256
    freqs = lc.position_interpolation_frequencies(head_dim, base, s)
    for i in range(head_dim // 2):
        for m in (1, L - 1, s * L - 1):
            assert float(m * freqs[i]) == pytest.approx((m * L / (s * L)) * _theta(i, head_dim, base), rel=1e-5)


@pytest.mark.parametrize("head_dim, base, s", [(32, 10000.0, 4), (128, 10000.0, 8), (128, 500000.0, 2)])
def test_ntk_aware_raises_the_base_keeping_pair_0_and_slowing_the_last_pair_s_times(head_dim, base, s):
    raised = base * s ** (head_dim / (head_dim - 2))
    assert lc.ntk_aware_base(head_dim, base, s) == pytest.approx(raised)
    freqs, plain = lc.ntk_aware_frequencies(head_dim, base, s), rope_frequencies(head_dim, base)
    assert [float(f) for f in freqs] == pytest.approx([_theta(i, head_dim, raised) for i in range(head_dim // 2)],
                                                      rel=1e-5)
    assert float(freqs[0]) == 1.0 and float(plain[-1] / freqs[-1]) == pytest.approx(s, rel=1e-5)


def _yarn_by_hand(head_dim, base, s, L, alpha, beta) -> list[float]:
    """YaRN's equations pair by pair: r = L/λ, γ(r) = 0 below α, 1 above β, linear between; h = (1-γ)θ/s + γθ."""
    out = []
    for i in range(head_dim // 2):
        theta = _theta(i, head_dim, base)
        r = L / (2 * math.pi / theta)
        gamma = 0.0 if r < alpha else 1.0 if r > beta else (r - alpha) / (beta - alpha)
        out.append((1 - gamma) * theta / s + gamma * theta)
    return out


@pytest.mark.parametrize("head_dim, base, s, L", [(32, 10000.0, 4, 256), (128, 10000.0, 16, 4096),
                                                  (128, 500000.0, 8, 8192)])
def test_yarn_frequencies_follow_the_papers_ramp(head_dim, base, s, L):
    assert [float(f) for f in lc.yarn_frequencies(head_dim, base, s, L)] == pytest.approx(
        _yarn_by_hand(head_dim, base, s, L, 1.0, 32.0), rel=1e-5)
    assert (lc.YARN_ALPHA, lc.YARN_BETA) == (1.0, 32.0)
    assert lc.yarn_attention_factor(s) == pytest.approx(0.1 * math.log(s) + 1)
    assert lc.attention_factor("yarn", s) == lc.yarn_attention_factor(s) and lc.attention_factor("pi", s) == 1.0


@pytest.mark.parametrize("head_dim, base, s, L", [(128, 500000.0, 8, 8192), (32, 10000.0, 4, 256),
                                                  (128, 10000.0, 4, 2048)])
def test_llama31s_rule_is_yarns_ramp_with_alpha_1_and_beta_4(head_dim, base, s, L):
    """The model's own _llama31_scaled_frequencies (through rope_frequencies with a rope_scaling dict) and YaRN's
    ramp with alpha = low_freq_factor, beta = high_freq_factor give the same frequencies."""
    scaling = {**le.PRESETS["llama-3.1-8b"].rope_scaling, "factor": float(s), "original_max_position_embeddings": L}
    model_code = rope_frequencies(head_dim, base, scaling)
    ramp = lc.yarn_frequencies(head_dim, base, s, L, alpha=scaling["low_freq_factor"],
                               beta=scaling["high_freq_factor"])
    assert torch.allclose(ramp, model_code, rtol=1e-6, atol=0)
    assert torch.equal(lc.llama3_frequencies(head_dim, base, s, L), model_code)


def test_yarn_keeps_and_interpolates_the_same_pairs_as_transformers():
    """transformers' "yarn" ramps linearly over the pair index, the paper (and this library) in r = L/λ: the pairs
    each keeps whole and each divides by s are the same, and so is the attention factor."""
    transformers = pytest.importorskip("transformers")
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    s, L = 4.0, 2048
    config = transformers.LlamaConfig(hidden_size=4096, num_attention_heads=32, max_position_embeddings=int(s * L),
                                      rope_parameters={"rope_type": "yarn", "factor": s, "rope_theta": 10000.0,
                                                       "original_max_position_embeddings": L})
    theirs, their_factor = ROPE_INIT_FUNCTIONS["yarn"](config, "cpu")
    ours, plain = lc.yarn_frequencies(128, 10000.0, s, L), rope_frequencies(128, 10000.0)
    kept = lambda f: set(torch.isclose(f, plain, rtol=1e-6).nonzero().flatten().tolist())
    divided = lambda f: set(torch.isclose(f, plain / s, rtol=1e-6).nonzero().flatten().tolist())
    assert kept(theirs) == kept(ours) and divided(theirs) == divided(ours)
    assert len(kept(ours)) + len(divided(ours)) < len(plain)  # a band in between
    assert their_factor == pytest.approx(lc.yarn_attention_factor(s))


def test_scaled_frequencies_names_every_method_and_refuses_others():
    for method in lc.METHODS:
        assert lc.scaled_frequencies(method, 32, 10000.0, 4, 256).shape == (16,)
    assert torch.equal(lc.scaled_frequencies("plain", 32, 10000.0, 4, 256), rope_frequencies(32, 10000.0))
    with pytest.raises(ValueError, match="unknown method"):
        lc.scaled_frequencies("alibi", 32, 10000.0, 4, 256)


def test_pairs_beyond_training_by_hand():
    """LLaMA-7B at 4 x 2,048: a pair is beyond when it never completed a turn in training (2,048·θ < 2π) and its
    angle at position 8,191 passes 2,048·θ."""
    plain, L = rope_frequencies(128, 10000.0), 2048
    never_round = [i for i in range(64) if L * _theta(i, 128, 10000.0) < 2 * math.pi]
    assert lc.pairs_beyond_training(plain, plain, L, 4 * L) == never_round
    for method in ("pi", "yarn", "llama3"):
        assert lc.pairs_beyond_training(plain, lc.scaled_frequencies(method, 128, 10000.0, 4, L), L, 4 * L) == []
    ntk = lc.ntk_aware_frequencies(128, 10000.0, 4)
    assert lc.pairs_beyond_training(plain, ntk, L, 4 * L) == never_round[:-1]  # all but the slowest
    assert lc.turns_within(plain, L)[0] == pytest.approx(L / (2 * math.pi))


def test_llama3_bands_by_hand():
    bands = lc.llama3_bands(128, 500000.0, 8192)
    wavelength = [2 * math.pi / _theta(i, 128, 500000.0) for i in range(64)]
    assert bands.kept == [i for i, w in enumerate(wavelength) if w < 2048]
    assert bands.divided == [i for i, w in enumerate(wavelength) if w > 8192]
    assert sorted(bands.kept + bands.divided + bands.blended) == list(range(64))


def test_next_token_losses_within_the_context_equal_the_models_own_forward():
    """With plain frequencies the layers called by long_context give exactly the model's forward, and the model's
    own tables are left as they were."""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = lc.long_sequences(tok, 2, 100)
    before = model.rope_cos.clone()
    losses = lc.next_token_losses(model, ids, rope_frequencies(model.cfg.head_dim, model.cfg.rope_theta))
    with torch.no_grad():
        logits = model(ids[:, :-1])
    reference = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")
    assert torch.allclose(losses, reference, atol=1e-4)
    assert torch.equal(model.rope_cos, before)
    assert torch.equal(ids, lc.long_sequences(tok, 2, 100)) and (ids[:, 0] == tok.bos_id).all()
    assert lc.band_means(torch.arange(8.0).reshape(1, 8), 4) == [1.5, 5.5]


# ---- figures and words in both languages ---------------------------------------------------------------------------
def _numbers(fig) -> list:
    """Every trace's numeric x and y (category labels, which are words, left out)."""
    numeric = lambda values: [v for v in (values or []) if isinstance(v, (int, float))]
    return [(numeric(trace.x), numeric(trace.y)) for trace in fig.data]


def _figures(lang: str):
    plain = rope_frequencies(32, 10000.0)
    scaled = {m: lc.scaled_frequencies(m, 32, 10000.0, 4, 256) for m in lc.METHODS}
    losses = {m: [1.5, 2.0, 2.5, 3.0] for m in lc.METHODS}
    return [viz_scale.runs_figure(scale.published_runs(), scale.preset_run("llama-7b", 2e12), lang=lang),
            viz_scale.step_flops_figure(scale.training_step_flops(le.PRESETS["tiny"], 64), lang=lang),
            viz_scale.paper_check_figure(scale.paper_checks(), lang=lang),
            viz_lc.turns_figure(plain, 256, 1024, lang=lang),
            viz_lc.frequencies_figure(plain, scaled, {"trained": 256, "s = 4": 1024}, lang=lang),
            viz_lc.loss_bands_figure(losses, 256, lang=lang)]


def test_the_figure_groups_every_preset_by_its_generation():
    assert {name: viz_scale.family_of(name) for name in ("llama-33b", "llama-2-70b", "llama-3-8b", "llama-3.1-405b",
                                                          "tiny")} == {
        "llama-33b": "LLaMA 1", "llama-2-70b": "Llama 2", "llama-3-8b": "Llama 3", "llama-3.1-405b": "Llama 3",
        "tiny": "tiny"}
    assert viz_scale.size_label("llama-3.1-405b") == "405B" and viz_scale.size_label("tiny") == "tiny"
    fig = viz_scale.runs_figure(scale.published_runs())
    shown = sum(len(trace.x) for trace in fig.data[1:])
    assert shown == len(scale.published_runs()) - 1  # Llama 3 8B and 3.1 8B: one point


def test_the_two_lessons_are_the_files_the_app_loads():
    assert [LESSONS["en"][key].id for key in FILES] == list(FILES)
    assert all(LESSONS["de"][key].steps[0].title != LESSONS["en"][key].steps[0].title for key in FILES)


def test_every_figure_shows_the_same_numbers_in_german_with_other_words():
    for en, de in zip(_figures("en"), _figures("de")):
        assert _numbers(en) == _numbers(de)
        assert en.layout.separators == ".," and de.layout.separators == ",."
        assert json.dumps(de.to_dict()["layout"], default=str) != json.dumps(en.to_dict()["layout"], default=str) \
            or [t.name for t in de.data] != [t.name for t in en.data]


def test_the_strings_of_both_topics_exist_in_both_languages_and_are_used():
    assert i18n.problems() == []
    sources = "".join(path.read_text(encoding="utf-8") for path in [
        le.TINY_MODEL_DIR.parent.parent / "app" / "elements" / "scale.py",
        le.TINY_MODEL_DIR.parent.parent / "app" / "elements" / "long_context.py",
        le.TINY_MODEL_DIR.parent.parent / "llama_edu" / "viz" / "scale.py",
        le.TINY_MODEL_DIR.parent.parent / "llama_edu" / "viz" / "long_context.py"])
    keys = [key for key in i18n.strings() if key.split(".")[0] in ("scale", "long_context")]
    assert keys
    for key in keys:
        if key.startswith("long_context.method."):
            assert '"long_context.method.{' in sources or "f\"long_context.method.{" in sources
        else:
            assert f'"{key}"' in sources, key
        texts = i18n.strings()[key]
        assert texts["en"] != texts["de"] or key in ("long_context.freq.beyond_one", "long_context.target",
                                                     "scale.ratio.one"), key


# ---- lesson 15: compute and scale --------------------------------------------------------------------------------------
def test_lesson_15_six_flops_counted_on_the_models_code():
    """ "For the tiny model on its 256 tokens ... 5.75 FLOPs per parameter per token, for LLaMA-7B on 2,048 tokens
    6.36"; backward exactly twice the forward; the count is 6% above the rule."""
    texts = step(SCALE, "Six FLOPs per parameter per token")
    tiny = scale.training_step_flops(le.read_config(le.TINY_MODEL_DIR), le.read_config(le.TINY_MODEL_DIR).max_seq_len)
    big = scale.training_step_flops(le.PRESETS["llama-7b"], le.PRESETS["llama-7b"].max_seq_len)
    assert tiny.backward == 2 * tiny.forward and big.backward == 2 * big.forward  # "exactly twice"
    assert "exactly twice the forward" in texts[0] and "genau doppelt so viel" in texts[1]
    for value in (tiny.n_tokens, big.n_tokens):
        assert_quoted(f"{value:,}", texts)
    assert_quoted(f2(tiny.per_parameter_per_token), texts)
    assert_quoted(f2(big.per_parameter_per_token), texts)
    assert_quoted(f"{round(100 * (big.per_parameter_per_token / 6 - 1))}", texts)  # "6% above the rule"
    assert "6% above" in texts[0] and "6 % über" in texts[1]
    # PyTorch counts attention's full T x T square; a causal kernel computes half of it: "which leaves 2%"
    causal = (big.total - 3 * scale.attention_flops(le.PRESETS["llama-7b"], big.n_tokens) / 2) / (big.parameters *
                                                                                                  big.n_tokens)
    assert f"{round(100 * (causal / 6 - 1))}" == "2"
    assert "includes the masked half of attention's T × T square; a causal kernel skips it, which leaves 2%" in \
        texts[0]
    assert "enthält die maskierte Hälfte des T × T-Quadrats der Attention; ein kausaler Kernel überspringt sie, " \
           "dann bleiben 2 %" in texts[1]
    # Kaplan's N leaves the embedding out; the lesson's N (count_parameters) counts it
    assert "Kaplan counted only non-embedding parameters; here N is all of them" in texts[0]
    assert "Kaplan zählte nur die Parameter außerhalb der Embeddings; hier ist N die Zahl aller Parameter" in texts[1]
    assert big.parameters == le.count_parameters(le.PRESETS["llama-7b"]) > scale.multiplied_parameters(
        le.PRESETS["llama-7b"])


def test_lesson_15_the_calculator_on_llama_7b():
    """6,738,415,616 parameters, 1.0 trillion tokens, 4.0 x 10^22 FLOPs; 312 TFLOP/s at 50%: about 72,000 GPU-hours,
    3,000 GPU-days, 1.5 days on 2,048 GPUs."""
    texts = step(SCALE, "A calculator for training runs")
    run = scale.preset_run("llama-7b")
    assert_quoted(f"{run.parameters:,}", texts)
    assert_quoted(f"{run.tokens / 1e12:.1f}", texts)
    assert_power(run.flops, texts)
    assert_quoted(f"{scale.A100_BF16_PEAK_FLOPS / 1e12:.0f}", texts)
    assert_quoted(f"{scale.DEFAULT_UTILISATION:.0%}".removesuffix("%"), texts)
    assert_quoted(count(scale.significant(run.gpu_hours(), 2)), texts)
    assert_quoted(count(scale.significant(run.gpu_days(), 2)), texts)
    assert_quoted(f"{run.gpu_days() / scale.LLAMA_GPUS:.1f}", texts)
    assert_quoted(f"{scale.LLAMA_GPUS:,}", texts)


def test_lesson_15_chinchilla_and_llamas_tokens_per_parameter():
    chinchilla = step(SCALE, "Chinchilla: about 20 tokens per parameter")
    assert_quoted(f"{scale.CHINCHILLA_TOKENS_PER_PARAMETER:.0f}", chinchilla)
    assert_quoted(f"{scale.CHINCHILLA_TOKENS / 1e12:.1f}", chinchilla)
    assert_quoted(f"{scale.preset_run('llama-7b').chinchilla_tokens / 1e9:.0f}", chinchilla)  # 135 billion
    bet = step(SCALE, "LLaMA's bet: small models, trained long")
    for name in ("llama-7b", "llama-2-7b", "llama-3-8b", "llama-65b"):
        assert_quoted(count(scale.preset_run(name).tokens_per_parameter), bet)
    assert_quoted(f"{scale.preset_run('llama-3-8b').times_chinchilla:.0f}", bet)
    assert_quoted(f"{3 * scale.preset_run('llama-7b').tokens / 1e12:.0f}", bet)  # "3 trillion tokens"
    # "Only LLaMA-65B, at 21, and Llama 2 70B, at 29, sit close to it": the two within 1.5 times the rule
    close = [name for name, run in scale.published_runs().items() if name != "tiny" and run.times_chinchilla < 1.5]
    assert sorted(close) == ["llama-2-70b", "llama-65b"]
    assert "Only LLaMA-65B, at 21, and Llama 2 70B, at 29, sit close to it" in bet[0]
    assert "Nur LLaMA-65B mit 21 und Llama 2 70B mit 29 liegen nahe daran" in bet[1]
    why = quiz(SCALE, "Why were most LLaMA models trained")
    for name in ("llama-65b", "llama-2-70b"):
        assert_quoted(count(scale.preset_run(name).tokens_per_parameter), why)
    assert "most LLaMA models were trained on far more" in LESSONS["en"][SCALE].summary
    assert "die meisten LLaMA-Modelle wurden auf weit mehr trainiert" in LESSONS["de"][SCALE].summary
    assert "die meisten LLaMA-Modelle" in why[1]
    question = quiz(SCALE, "By Chinchilla's rule")
    assert_quoted(f"{scale.chinchilla_tokens(7e9) / 1e9:.0f}", question)
    assert_quoted(f"{scale.preset_run('llama-7b').chinchilla_tokens / 1e9:.0f}", question)


def test_lesson_15_six_n_d_against_the_papers():
    """LLaMA-65B: 5.5 x 10^23 FLOPs in 1,022,362 GPU-hours = 149 TFLOP/s, 48% of 312; 380 tokens/s/GPU gives 149
    too and 21 days on 2,048 GPUs; the papers' models, the unreleased Llama 2 34B included, between 35% and 51%;
    Llama 3.1 405B 3.8 x 10^25."""
    texts = step(SCALE, "Checking 6·N·D against the papers")
    checks = {check.run.name: check for check in scale.paper_checks()}
    big = checks["llama-65b"]
    assert_quoted(f"{big.paper_gpu_hours:,}", texts)
    assert_quoted(f"{big.run.parameters:,}", texts)
    assert_power(big.run.flops, texts)
    per_gpu = big.run.flops / (big.paper_gpu_hours * 3600)
    from_rate = scale.training_flops(big.run.parameters, scale.LLAMA_65B_TOKENS_PER_GPU_SECOND)
    assert f"{per_gpu / 1e12:.0f}" == f"{from_rate / 1e12:.0f}"  # "also 149 TFLOP/s"
    assert_quoted(f"{per_gpu / 1e12:.0f}", texts)
    assert_quoted(f"{100 * big.utilisation:.0f}", texts)
    assert_quoted(f"{scale.LLAMA_65B_TOKENS_PER_GPU_SECOND}", texts)
    days = big.run.tokens / scale.LLAMA_65B_TOKENS_PER_GPU_SECOND / scale.LLAMA_GPUS / 86400
    assert_quoted(f"{days:.0f}", texts)
    shares = [check.utilisation for check in checks.values()]
    assert f"between {100 * min(shares):.0f}% and {100 * max(shares):.0f}%" in texts[0]
    assert f"zwischen {100 * min(shares):.0f} % und {100 * max(shares):.0f} %" in texts[1]
    assert min(checks.values(), key=lambda check: check.utilisation).run.name == "llama-2-34b"  # the 35%
    assert "the Llama 2 34B that was never released included" in texts[0]
    assert "einschließlich des nie veröffentlichten Llama 2 34B" in texts[1]
    llama3 = scale.preset_run("llama-3.1-405b")
    assert f"{llama3.flops / 1e25:.1f}" == f"{scale.LLAMA_405B_PAPER_FLOPS / 1e25:.1f}"  # 6ND is the paper's figure
    assert_quoted(f"{llama3.tokens / 1e12:.1f}", texts)
    assert_power(llama3.flops, texts)
    question = quiz(SCALE, "LLaMA-65B: 6·N·D")
    for number in (f"{big.paper_gpu_hours:,}", f"{100 * big.utilisation:.0f}", f"{per_gpu / 1e12:.0f}",
                   f"{big.run.flops / 1e23:.1f}"):
        assert_quoted(number, question)


def test_lesson_15_the_tiny_model_on_the_same_scale():
    """6,327,552 parameters, 8,192,000 tokens, 1.3 per parameter, 15 times fewer than Chinchilla (about 127
    million); 3.1 x 10^14 FLOPs in 36 minutes, 143 GFLOP/s; LLaMA-65B 1.8 x 10^9 times as much; loss still falling."""
    texts = step(SCALE, "Our tiny model on the same scale")
    tiny, seconds = scale.tiny_run(), scale.tiny_training_seconds()
    assert_quoted(f"{tiny.parameters:,}", texts)
    assert_quoted(f"{tiny.tokens:,.0f}", texts)
    assert_quoted(f"{tiny.tokens_per_parameter:.1f}", texts)
    assert_quoted(f"{scale.CHINCHILLA_TOKENS_PER_PARAMETER / tiny.tokens_per_parameter:.0f}", texts)
    assert_quoted(f"{tiny.chinchilla_tokens / 1e6:.0f}", texts)
    assert_power(tiny.flops, texts)
    assert_quoted(f"{seconds / 60:.0f}", texts)
    assert_quoted(f"{tiny.flops / seconds / 1e9:.0f}", texts)
    assert_power(scale.preset_run("llama-65b").flops / tiny.flops, texts)
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    assert log["evals"][-1]["val_loss"] < log["evals"][-2]["val_loss"]  # "still falling at its last evaluation"
    assert log["device"] == "cpu, 2 threads" and "two CPU cores" in texts[0] and "zwei CPU-Kernen" in texts[1]


# ---- lesson 16: long context ---------------------------------------------------------------------------------------
def test_lesson_16_pairs_that_never_turned_in_training():
    """Contexts 2,048 / 4,096 / 8,192 / 256; tiny: 9 of 16 pairs under one turn in 256 tokens; LLaMA-7B: 23 of 64 in
    2,048, the slowest 0.236 radians (13.6°), 0.946 over 8,192 tokens."""
    texts = step(CONTEXT, "Trained on L tokens")
    for name in ("llama-7b", "llama-2-7b", "llama-3-8b"):
        assert_quoted(f"{le.PRESETS[name].max_seq_len:,}", texts)
    tiny = le.read_config(le.TINY_MODEL_DIR)
    assert_quoted(f"{tiny.max_seq_len}", texts)
    assert f"head width {tiny.head_dim}, base {tiny.rope_theta:,.0f}" in texts[0]
    for cfg in (tiny, le.PRESETS["llama-7b"]):
        plain = rope_frequencies(cfg.head_dim, cfg.rope_theta)
        under = int((lc.turns_within(plain, cfg.max_seq_len) < 1).sum())
        assert f"{under} of its {cfg.head_dim // 2} pairs" in texts[0]
        assert f"{under} seiner {cfg.head_dim // 2} Paare" in texts[1]
    big = le.PRESETS["llama-7b"]
    slowest = float(rope_frequencies(big.head_dim, big.rope_theta)[-1])
    assert_quoted(f"{big.max_seq_len * slowest:.3f}", texts)
    assert_quoted(f"{math.degrees(big.max_seq_len * slowest):.1f}", texts)
    assert_quoted(f"{4 * big.max_seq_len:,}", texts)
    assert_quoted(f"{4 * big.max_seq_len * slowest:.3f}", texts)


def test_lesson_16_the_rules_numbers():
    """PI: pair 0 turns 0.25 radians per token at s = 4; NTK: 8 of the 9 never-turned pairs still beyond by position
    1,023; YaRN: α = 1, β = 32, 0.1 ln s + 1 = 1.139, only pair 0 above 32 turns, so pair 0 kept, pairs 1-6 blended
    (0.78 ... 0.26), pairs 7-15 divided by s; Llama 3.1: 8, 1, 4, 8,192, 2,048, 29 kept, 29 slowed, 6 blended."""
    tiny, s = le.read_config(le.TINY_MODEL_DIR), 4
    L, hd, base = tiny.max_seq_len, tiny.head_dim, tiny.rope_theta
    plain = rope_frequencies(hd, base)
    assert "each try to stay inside what was seen" in LESSONS["en"][CONTEXT].summary  # NTK-aware does not quite
    assert "versuchen jeweils, durch Skalieren der Frequenzen im Gesehenen zu bleiben" in LESSONS["de"][CONTEXT].summary
    pi = step(CONTEXT, "Position interpolation: squeeze the positions")
    assert_quoted(f"{float(lc.position_interpolation_frequencies(hd, base, s)[0]):.2f}", pi)
    assert "With $s = 4$ pair 0" in pi[0] and "Mit $s = 4$ dreht sich Paar 0" in pi[1]
    ntk = step(CONTEXT, "NTK-aware: raise the base")
    beyond_plain = lc.pairs_beyond_training(plain, plain, L, s * L)
    beyond_ntk = lc.pairs_beyond_training(plain, lc.ntk_aware_frequencies(hd, base, s), L, s * L)
    assert f"{len(beyond_ntk)} of the {len(beyond_plain)} pairs" in ntk[0]
    assert f"{len(beyond_ntk)} der {len(beyond_plain)} Paare" in ntk[1]
    assert_quoted(f"{s * L - 1:,}", ntk)
    yarn = step(CONTEXT, "YaRN: by wavelength, with a temperature")
    assert "$\\alpha = 1$ and $\\beta = 32$" in yarn[0] and (lc.YARN_ALPHA, lc.YARN_BETA) == (1, 32)
    assert_quoted(f"{lc.yarn_attention_factor(s):.3f}", yarn)
    above = [i for i, r in enumerate(lc.turns_within(plain, L)) if r > lc.YARN_BETA]
    assert above == [0] and "only pair 0 turns more than 32 times" in yarn[0]
    # "YaRN keeps pair 0, blends pairs 1 to 6 (0.78, ..., 0.26) and divides the 9 slow pairs 7 to 15 fully by s"
    ratios = (lc.yarn_frequencies(hd, base, s, L) / plain).tolist()
    kept = [i for i, r in enumerate(ratios) if r == pytest.approx(1.0, abs=1e-6)]
    divided = [i for i, r in enumerate(ratios) if r == pytest.approx(1 / s, abs=1e-6)]
    blended = [i for i in range(len(ratios)) if i not in kept + divided]
    assert kept == [0] and blended == list(range(1, 7)) and divided == list(range(7, hd // 2))
    assert divided == lc.pairs_beyond_training(plain, plain, L, s * L)  # the 9 that never turned in training
    assert (f"keeps pair {kept[0]}, blends pairs {blended[0]} to {blended[-1]} (their speeds multiplied by "
            f"{', '.join(f2(ratios[i]) for i in blended[:-1])} and {f2(ratios[blended[-1]])}) and divides the "
            f"{len(divided)} slow pairs {divided[0]} to {divided[-1]} fully by $s$ ({f2(1 / s)})") in yarn[0]
    assert (f"behält also Paar {kept[0]}, mischt die Paare {blended[0]} bis {blended[-1]} (ihre Geschwindigkeiten "
            f"werden mit {', '.join(german(f2(ratios[i])) for i in blended[:-1])} und "
            f"{german(f2(ratios[blended[-1]]))} multipliziert) und teilt die {len(divided)} langsamen Paare "
            f"{divided[0]} bis {divided[-1]} voll durch $s$ ({german(f2(1 / s))})") in yarn[1]
    llama3 = step(CONTEXT, "Llama 3.1: the same ramp, in this library")
    scaling = le.PRESETS["llama-3.1-8b"].rope_scaling
    original = scaling["original_max_position_embeddings"]
    assert (f"factor {scaling['factor']:.0f}, low_freq_factor {scaling['low_freq_factor']:.0f}, high_freq_factor "
            f"{scaling['high_freq_factor']:.0f}, original context {original:,}") in llama3[0]
    assert_quoted(f"{original / scaling['high_freq_factor']:,.0f}", llama3)
    cfg = le.PRESETS["llama-3.1-8b"]
    bands = lc.llama3_bands(cfg.head_dim, cfg.rope_theta, original)
    assert (f"{len(bands.kept)} of the {cfg.head_dim // 2} pairs are kept, {len(bands.divided)} slowed "
            f"{scaling['factor']:.0f} times and {len(bands.blended)} blended") in llama3[0]
    assert (f"{len(bands.kept)} der {cfg.head_dim // 2} Paare unverändert, {len(bands.divided)} werden "
            f"{scaling['factor']:.0f}-mal langsamer und {len(bands.blended)} gemischt") in llama3[1]
    assert f"head width {cfg.head_dim} and base {cfg.rope_theta:,.0f}" in llama3[0]


@pytest.fixture(scope="module")
def past_the_context():
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    return model.cfg.max_seq_len, lc.past_the_context(model, tok, 4)


@pytest.mark.slow
def test_lesson_16_the_tiny_models_loss_past_its_context(past_the_context):
    """Plain RoPE 1.52 -> 3.61 -> ... 5.65; PI 3.11 in the first band; NTK 1.58, 1.51, 1.90, 4.64; YaRN between 1.81
    and 1.98, the 1.98 in its first band (1.97 without its temperature); Llama 3.1's rule between 1.52 and 1.63 (the
    tiny model, four rows of 1,024 tokens, no fine-tuning)."""
    L, losses = past_the_context
    tried = step(CONTEXT, "What the tiny model does past 256 tokens")
    assert_quoted(f"{4 * L:,}", tried)
    plain = losses["plain"]
    for value in (plain[0], plain[1], plain[-1]):
        assert_quoted(f2(value), tried)
    assert plain[0] < plain[1] < plain[-1]
    assert "fail, mainly because the angles are new" in tried[0]
    assert "scheitern an derselben Art Text, hauptsächlich weil die Winkel neu sind" in tried[1]
    # "the 1.98 is its first band, worse than plain RoPE's 1.52", and "without [the temperature] 1.97"
    yarn = step(CONTEXT, "YaRN: by wavelength, with a temperature")
    assert losses["yarn"][0] == max(losses["yarn"]) > plain[0]
    assert (f"the {f2(losses['yarn'][0])} is its first band, worse than plain RoPE's {f2(plain[0])}") in yarn[0]
    assert (f"die {german(f2(losses['yarn'][0]))} ist sein erster Abschnitt, schlechter als die "
            f"{german(f2(plain[0]))} von RoPE ohne Skalierung") in yarn[1]
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    ids = lc.long_sequences(tok, lc.EXPERIMENT_ROWS, 4 * L)
    cfg = model.cfg
    cold = lc.band_means(lc.next_token_losses(model, ids, lc.yarn_frequencies(cfg.head_dim, cfg.rope_theta, 4, L)), L)
    assert cold[0] > plain[0] + 0.3  # the slowed pairs, not the temperature, cost the first band
    assert f"without it the first band is {f2(cold[0])}" in yarn[0]
    assert f"Ohne sie ist der erste Abschnitt bei {german(f2(cold[0]))}" in yarn[1]
    assert_quoted(f2(losses["pi"][0]), step(CONTEXT, "Position interpolation: squeeze the positions"))
    ntk = step(CONTEXT, "NTK-aware: raise the base")
    for value in losses["ntk"]:
        assert_quoted(f2(value), ntk)
    for method, title in (("yarn", "YaRN: by wavelength, with a temperature"),
                          ("llama3", "Llama 3.1: the same ramp, in this library")):
        texts = step(CONTEXT, title)
        assert f"between {f2(min(losses[method]))} and {f2(max(losses[method]))}" in texts[0]
        assert f"zwischen {german(f2(min(losses[method])))} und {german(f2(max(losses[method])))}" in texts[1]
    assert max(losses["llama3"]) < min(losses["pi"])  # the narrow ramp beats slowing every pair


# ---- the live elements in an AppTest -------------------------------------------------------------------------------
TOPICS = ["scale", "long_context"]


ELEMENT_NAMES = ["training_flops_count", "compute_calculator", "tokens_per_parameter", "compute_paper_check",
                 "tiny_model_compute", "context_turns", "context_frequencies", "context_loss"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_element_of_both_lessons_draws_in_each_language(lang):
    at = open_elements(TOPICS, ELEMENT_NAMES, lang=lang, timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 8
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    if lang == "de":
        assert "Paare" in shown and "Tokens pro Parameter" in shown and "FLOPs pro Parameter und Token" in shown
    else:
        assert "pairs" in shown and "tokens per parameter" in shown and "FLOPs per parameter per token" in shown
    at.selectbox(key="compute_calculator_model").set_value("tiny").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="compute_calculator_tokens_tiny").value == pytest.approx(scale.tiny_run().tokens / 1e9)
    at.selectbox(key="context_frequencies_model").set_value("llama-3.1-8b").run()
    assert not at.exception and at.select_slider(key="context_frequencies_factor_llama-3.1-8b").value == 8
