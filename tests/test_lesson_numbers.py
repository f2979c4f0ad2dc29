"""Every number a lesson quotes about the shipped tiny model, computed here from the model with the library code the
app runs (run_with_cache's hooks, generate, logit_lens, rollout, analysis, the training log), rounded as the lesson
rounds it, and found in that step of the English lesson and of the German one (which writes 0,76 for 0.76).

The numbers measured over held-out stories need the validation stories rebuilt from the corpus seed and 100 forward
passes; those tests are `slow`.
"""

import math
import re

import pytest
import torch

import llama_edu as le
from llama_edu import analysis
from llama_edu import architectures as arch
from llama_edu.lessons import load_lessons
from llama_edu.logit_lens import logit_lens
from llama_edu.rollout import attention_rollout, patterns_from_cache, raw_attention, uniform_rollout
from llama_edu.train import TrainConfig, learning_rate

PROMPT = "The cat sat on the mat"  # the app's default prompt
GARDEN = "The cat in the garden sat down."
LESSONS = {lang: {lesson.id: lesson for lesson in load_lessons(lang=lang)} for lang in ("en", "de")}


# ---- reading the lessons ------------------------------------------------------------------------------------------
def step(lesson_id: str, english_title: str) -> tuple[str, str]:
    """(English, German) text and notice of the step with this English title, whitespace folded to single spaces."""
    english = LESSONS["en"][lesson_id]
    index = next(i for i, s in enumerate(english.steps) if s.title == english_title)
    return tuple(_fold(f"{s.text} {s.notice or ''}") for s in (english.steps[index],
                                                                LESSONS["de"][lesson_id].steps[index]))


def quiz(lesson_id: str, english_question: str) -> tuple[str, str]:
    """(English, German) question, options and explanation of the question that starts with english_question."""
    english = LESSONS["en"][lesson_id]
    index = next(i for i, q in enumerate(english.quiz) if q.question.startswith(english_question))
    return tuple(_fold(" ".join([q.question, *q.options, q.explanation]))
                 for q in (english.quiz[index], LESSONS["de"][lesson_id].quiz[index]))


def _fold(text: str) -> str:
    return " ".join(text.split())


def german(number: str) -> str:
    """0.76 -> 0,76 and 4,096 -> 4.096: German swaps the decimal and the thousands separators."""
    return number.translate({ord("."): ",", ord(","): "."})


def _pattern(number: str) -> re.Pattern:
    # Not part of a longer number: "0.7" must not match "0.76", nor "10" match "10,000" or "110".
    return re.compile(rf"(?<![\d.,]){re.escape(number)}(?![.,]?\d)")


def assert_quoted(number: str, texts: tuple[str, str]) -> None:
    english, german_text = texts
    assert _pattern(number).search(english), f"{number} is not in the English text: {english}"
    in_german = [german(number), number.replace(".", "{,}")]  # 8,32 in text, 8{,}32 in a formula
    assert any(_pattern(n).search(german_text) for n in in_german), f"{in_german[0]} is not in the German text: " \
                                                                     f"{german_text}"


# ---- the model and its captures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)


def capture(tiny, text: str):
    """ids, logits [T, V] and the hooks of one run of the shipped model on text."""
    model, tok = tiny
    ids = tok.encode(text)
    logits, cache = model.run_with_cache(torch.tensor([ids]))
    return ids, logits[0], cache


@pytest.fixture(scope="module")
def default(tiny):
    return capture(tiny, PROMPT)


def at(tiny, text: str, word: str) -> int:
    """Token position of word in text (BOS is position 0)."""
    return analysis.word_token_positions(tiny[1], text, word)[0]


def pattern(cache, layer: int) -> torch.Tensor:
    return cache[f"layers.{layer}.attention.hook_pattern"][0]  # [H, T, S]


def patterns(cache, n_layers: int) -> list[torch.Tensor]:
    return [pattern(cache, layer) for layer in range(n_layers)]


def f2(value: float) -> str:
    return f"{value:.2f}"


# ---- lesson 7: attention --------------------------------------------------------------------------------------------
HEAD_WITH_A_JOB = ("attention", "A head with a job: the previous token")


def test_lesson_7_l5h6_on_the_default_prompt(tiny, default):
    """ "sat" sends 0.76 to "cat", "on" 1.00 to "sat" (one step back); "mat" skips "the" (0.14) and sends 0.82 to
    "on", two steps back."""
    _, _, cache = default
    head = pattern(cache, 5)[6]  # [T, S]
    texts = step(*HEAD_WITH_A_JOB)
    for query, key, back in [("sat", "cat", 1), ("on", "sat", 1), ("mat", "on", 2)]:
        q, k = at(tiny, PROMPT, query), at(tiny, PROMPT, key)
        assert q - k == back and int(head[q].argmax()) == k  # the most weight of the row, that many steps back
        assert_quoted(f2(head[q, k]), texts)
    mat, the = at(tiny, PROMPT, "mat"), at(tiny, PROMPT, "the")
    assert_quoted(f2(head[mat, the]), texts)
    assert_quoted(f2(head[at(tiny, PROMPT, "on"), at(tiny, PROMPT, "sat")]),
                  quiz("attention", "What does head 6 of layer 5 mostly do"))


def test_lesson_7_l4h4_finds_the_subject_of_sat(tiny, default):
    """ "sat" sends 0.99 to its subject "cat" while "the" looks back at <s>; on the garden sentence "cat" still gets
    the most from "sat" (0.37), "garden" almost as much (0.34)."""
    _, _, cache = default
    texts = step(*HEAD_WITH_A_JOB)
    head = pattern(cache, 4)[4]
    assert_quoted(f2(head[at(tiny, PROMPT, "sat"), at(tiny, PROMPT, "cat")]), texts)
    the = at(tiny, PROMPT, "the")  # the second "the", the first whole word "the" in lower case
    assert int(head[the].argmax()) == 0 and the > 1
    _, _, garden_cache = capture(tiny, GARDEN)
    row = pattern(garden_cache, 4)[4, at(tiny, GARDEN, "sat")]
    cat, garden = at(tiny, GARDEN, "cat"), at(tiny, GARDEN, "garden")
    assert int(row.argmax()) == cat and row[cat] > row[garden] > row[[i for i in range(len(row))
                                                                         if i not in (cat, garden)]].max()
    assert_quoted(f2(row[cat]), texts)
    assert_quoted(f2(row[garden]), texts)


def test_lesson_7_short_prompts_park_more_than_half_on_the_first_token(tiny, default):
    """ "on short prompts like the default some heads send more than half their attention there" """
    model, _ = tiny
    _, _, cache = default
    sink = analysis.layer_head_measures(patterns(cache, model.cfg.n_layers))["first_token"]  # [L, H]
    assert (sink > 0.5).sum() >= 2


# ---- lesson 12: generation -------------------------------------------------------------------------------------------
def test_lesson_12_greedy_continuation_of_the_default_prompt(tiny):
    """Greedy decoding gives ". A tiny cat was sitting on the mat. The cat sat on the mat. The cat sat on the mat. …"
    (the lesson quotes up to the fourth full stop), then keeps repeating."""
    model, tok = tiny
    ids = tok.encode(PROMPT)
    new = list(le.generate(model, ids, max_new_tokens=40, temperature=0.0))
    continuation = tok.decode(ids[1:] + new)[len(PROMPT):]
    stops = [i for i, char in enumerate(continuation) if char == "."]
    quoted = continuation[:stops[3] + 1]
    english, german_text = step("generation", "One token per click")
    assert f'gives "{quoted} …"' in english
    assert f"ergibt „{quoted} …“" in german_text
    sentence = "The cat sat on the mat."
    assert continuation.count(sentence) >= 3  # the loop the quiz asks about
    assert all(sentence in text for text in quiz("generation", "Greedy decoding from"))


def test_lesson_12_logit_lens_after_the(tiny, default):
    """After "the": "cat" (layer 0), "table" (layers 1 and 2), "toy" (3 and 4), and the last layer "porch" (0.34)
    with "mat" second."""
    model, tok = tiny
    ids, _, cache = default
    lens = logit_lens(model, cache, k=2)
    the = at(tiny, PROMPT, "the")
    top = [tok.pieces([int(i)])[0].removeprefix("▁") for i in lens.top_ids[1:, the, 0]]  # after layers 0..5
    assert lens.stages[1:] == [f"layer {i}" for i in range(6)]
    assert top[1] == top[2] and top[3] == top[4] and len({top[0], top[1], top[3], top[5]}) == 4
    second = tok.pieces([int(lens.top_ids[-1, the, 1])])[0].removeprefix("▁")
    probability = f2(lens.top_probs[-1, the, 0])
    english, german_text = step("generation", "The logit lens: watching the guess form")
    assert (f'"{top[0]}" after layer 0, "{top[1]}" after layers 1 and 2, "{top[3]}" after layers 3 and 4, and only '
            f'the last layer settles on "{top[5]}" ({probability}), with "{second}" its second choice') in english
    assert (f"„{top[0]}“ nach Schicht 0, „{top[1]}“ nach den Schichten 1 und 2, „{top[3]}“ nach den Schichten 3 "
            f"und 4") in german_text
    assert f"„{top[5]}“ (Veranda, {german(probability)})" in german_text
    assert f"„{second}“ als zweiter Wahl" in german_text
    # The lens after the last layer is the model's own output (README: "porch" 0.337, "mat" 0.194).
    assert (lens.top_ids[-1, the, 0], lens.top_ids[-1, the, 1]) == tuple(
        model(torch.tensor([ids[:the + 1]]))[0, -1].topk(2).indices)


# ---- lesson 13: attention across layers -----------------------------------------------------------------------------
def test_lesson_13_layer_5_averaged_over_heads_from_mat_to_on(tiny, default):
    model, _ = tiny
    _, _, cache = default
    averaged = raw_attention(pattern(cache, model.cfg.n_layers - 1))  # [T, T], the mean over the 8 heads
    assert_quoted(f2(averaged[at(tiny, PROMPT, "mat"), at(tiny, PROMPT, "on")]),
                  step("attention-across-layers", "Attention mixes mixtures"))


def test_lesson_13_rollout_of_mat(tiny, default):
    """After layer 0 "mat" keeps 0.55 of itself, after layer 5 0.02, and 0.69 comes from <s>; layer 5's raw attention
    from "mat" to <s> is 0.15."""
    model, _ = tiny
    _, _, cache = default
    rollout = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[:, 0]  # [L, T, T]
    mat = at(tiny, PROMPT, "mat")
    texts = step("attention-across-layers", "Rolling the layers out")
    assert_quoted(f2(rollout[0, mat, mat]), texts)
    assert_quoted(f2(rollout[-1, mat, mat]), texts)
    assert_quoted(f2(rollout[-1, mat, 0]), texts)
    assert_quoted(f2(raw_attention(pattern(cache, model.cfg.n_layers - 1))[mat, 0]), texts)
    assert_quoted(f2(rollout[-1, mat, 0]), step("attention-across-layers", "Why the first token wins"))


def test_lesson_13_uniform_attention_gives_the_first_token(tiny, default):
    """ "with uniform causal attention in every head of all 6 layers, the last of the 7 tokens ... 0.56 from <s>" """
    model, _ = tiny
    ids, _, _ = default
    share = f2(uniform_rollout(len(ids), model.cfg.n_layers)[-1, -1, 0])
    texts = step("attention-across-layers", "Why the first token wins")
    assert f"all {model.cfg.n_layers} layers, the last of the {len(ids)} tokens" in texts[0]
    assert f"aller {model.cfg.n_layers} Schichten bekäme das letzte der {len(ids)} Tokens" in texts[1]
    assert_quoted(share, texts)
    question = quiz("attention-across-layers", "With uniform causal attention")
    assert_quoted(share, question)
    assert f"{len(ids)} tokens and {model.cfg.n_layers} layers" in question[0]


def test_lesson_13_head_measures_on_the_default_prompt(tiny, default):
    """Mean entropy 1.69 bits (layer 0), 1.46 (layer 3, up again), 0.86 (layer 5); own-token share 0.22 -> 0.07;
    previous-token heads L4H7 0.52, L5H6 0.49, L5H0 0.45; L5H6 the shortest mean distance of all 48 heads, 1.57;
    L1H7 0.83 on <s> and 0.30 on the previous token."""
    model, _ = tiny
    _, _, cache = default
    measures = analysis.layer_head_measures(patterns(cache, model.cfg.n_layers))  # {measure: [L, H]}
    texts = step("attention-across-layers", "How heads change from layer to layer")
    entropy, own = measures["entropy"].mean(-1), measures["self_token"].mean(-1)  # [L]
    for value in (entropy[0], entropy[3], entropy[-1], own[0], own[-1]):
        assert_quoted(f2(value), texts)
    assert entropy[3] > entropy[2]  # "not steadily"
    previous = measures["previous_token"]
    L, H = previous.shape
    ranked = sorted(((float(previous[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)[:3]
    assert f"are {', '.join(f'L{l}H{h} ({v:.2f})' for v, l, h in ranked[:2])} and " \
           f"L{ranked[2][1]}H{ranked[2][2]} ({ranked[2][0]:.2f})" in texts[0]
    assert f"sind {', '.join(f'L{l}H{h} ({german(f2(v))})' for v, l, h in ranked[:2])} und " \
           f"L{ranked[2][1]}H{ranked[2][2]} ({german(f2(ranked[2][0]))})" in texts[1]
    distance = measures["mean_distance"]
    shortest = min((float(distance[l, h]), l, h) for l in range(L) for h in range(H))
    assert shortest[1:] == (5, 6) and f"of all {L * H} heads" in texts[0] and f"aller {L * H} Heads" in texts[1]
    assert_quoted(f2(shortest[0]), texts)
    assert_quoted(f2(measures["first_token"][1, 7]), texts)
    assert_quoted(f2(previous[1, 7]), texts)


def test_lesson_13_subject_head_on_the_probe_sentences(tiny):
    """ "L3H5 sends 0.23 of a verb's attention to its subject" on probes like "The cat in the garden sat down." """
    model, tok = tiny
    subject = analysis.subject_of_verb(model, tok)  # [L, H]
    layer, head = divmod(int(subject.argmax()), subject.shape[1])
    assert (layer, head) == (3, 5)
    assert GARDEN in [sentence for sentence, _, _ in analysis.subject_verb_probes()]
    assert_quoted(f2(subject[layer, head]), step("attention-across-layers", "How heads change from layer to layer"))


# ---- lesson 14: the next-token objective ----------------------------------------------------------------------------
def test_lesson_14_next_token_probabilities(tiny, default):
    """p("▁the" after "▁on") 0.996, p("▁The" after <s>) 0.0003, whose top guess is "▁Once"."""
    _, tok = tiny
    ids, logits, _ = default
    scores = arch.score_next_tokens(logits, ids)  # what the app's next_token_objective shows
    on = at(tiny, PROMPT, "on")
    texts = step("llama-vs-gpt-bert-t5", "GPT and LLaMA: every position predicts the next token")
    assert tok.pieces([scores.targets[on]]) == ["▁the"] and tok.pieces([scores.targets[0]]) == ["▁The"]
    assert_quoted(f"{scores.probabilities[on]:.3f}", texts)
    assert_quoted(f"{scores.probabilities[0]:.4f}", texts)
    top = tok.pieces([scores.top_ids[0]])[0]
    assert f'its top guess there is "{top}"' in texts[0] and f"Sein Favorit dort ist „{top}“" in texts[1]


# ---- lesson 4: the residual stream grows -----------------------------------------------------------------------------
def test_lesson_4_the_residual_streams_rms_on_the_default_prompt(tiny, default):
    """ "from about 0.1 at the embedding to roughly 10 and more after the last layer, largest at <s>", and the last
    layer's inputs "about a hundred times larger than the first" """
    model, _ = tiny
    _, _, cache = default
    rms = lambda name: cache[name][0].float().pow(2).mean(-1).sqrt()  # noqa: E731   [T]
    embedding, last = rms("hook_embed"), rms(f"layers.{model.cfg.n_layers - 1}.hook_resid_post")
    last_input = rms(f"layers.{model.cfg.n_layers - 1}.hook_resid_pre")
    assert {round(float(v), 1) for v in embedding} == {0.1}
    assert round(math.log10(last.min())) == 1 and int(last.argmax()) == 0  # tens and more, <s> the largest
    assert {round(math.log10(v)) for v in (last_input / embedding).tolist()} == {2}  # hundreds
    english, german_text = step("rmsnorm", "Why: the stream keeps growing")
    assert "about 0.1 at the embedding to roughly 10 and more after the last layer, largest at `<s>`" in english
    assert "etwa 0,1 beim Embedding auf rund 10 und mehr nach der letzten Schicht, am stärksten bei `<s>`" \
        in german_text
    assert "about a hundred times larger" in english and "etwa hundertmal" in german_text


# ---- lesson 11: the training run (assets/tiny/training_log.json) -----------------------------------------------------
@pytest.fixture(scope="module")
def training_log():
    import json

    return json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())


def test_lesson_11_loss_from_the_first_batch_to_the_end(tiny, training_log):
    """ln 4096 = 8.32 against a first batch of 8.37; 8.2 million tokens; validation loss 0.662, 1.56 after 200."""
    model, _ = tiny
    texts = step("training-recipe", "The loss, from guessing to knowing")
    assert_quoted(f2(math.log(model.cfg.vocab_size)), texts)
    assert f"\\ln {model.cfg.vocab_size} = {math.log(model.cfg.vocab_size):.2f}" in texts[0]
    assert_quoted(f2(training_log["steps"][0]["loss"]), texts)
    final = training_log["evals"][-1]
    assert_quoted(f"{final['tokens'] / 1e6:.1f}", texts)
    assert_quoted(f"{final['val_loss']:.3f}", texts)
    assert_quoted(f2(next(e["val_loss"] for e in training_log["evals"] if e["step"] == 200)), texts)
    question = quiz("training-recipe", "The tiny model's loss on its first batch")
    assert_quoted(f2(training_log["steps"][0]["loss"]), question)
    assert_quoted(f2(math.log(model.cfg.vocab_size)), question)


def test_lesson_11_schedule_clipping_and_scale(training_log):
    """100 of 2,000 warmup steps to 3e-3, ending at 3e-4; first gradient norm 8.6 (clipped at 1.0), about 0.26 at the
    end; 4,096 tokens per step, under two minutes on one H100; about 170,000 times fewer tokens than 1.4 trillion."""
    config = TrainConfig(**{k: v for k, v in training_log["config"].items() if k in TrainConfig.__dataclass_fields__})
    rates = [learning_rate(s, config) for s in range(config.steps)]
    assert [s["lr"] for s in training_log["steps"]] == pytest.approx(rates)  # the schedule the run followed
    schedule = step("training-recipe", "Warmup, then a cosine to 10%")
    exponent = lambda value: f"3\\times10^{{{round(math.log10(value / 3))}}}"  # noqa: E731   3e-3 -> 3\times10^{-3}
    assert f"{max(rates):.0e}" == "3e-03" and f"{rates[-1]:.0e}" == "3e-04"
    for text in schedule:
        assert f"{exponent(max(rates))}$" in text and f"{exponent(rates[-1])}$" in text
    assert f"warms up for {config.warmup_steps} of its {config.steps:,} steps" in schedule[0]
    assert f"dauert das Warmup {config.warmup_steps} seiner {german(f'{config.steps:,}')} Schritte" in schedule[1]

    clipping = step("training-recipe", "Gradient clipping at 1.0, and scale")
    first, last = training_log["steps"][0]["grad_norm"], training_log["steps"][-1]["grad_norm"]
    assert first > config.grad_clip  # "and was clipped"
    assert_quoted(f"{first:.1f}", clipping)
    assert_quoted(f2(last), clipping)
    tokens_per_step = config.batch_size * config.seq_len
    assert_quoted(f"{tokens_per_step:,}", clipping)
    seconds = sum(tokens_per_step / s["tokens_per_s"] for s in training_log["steps"])
    assert seconds < 120 and "H100" in training_log["device"]
    assert "under two minutes on one H100" in clipping[0] and "H100 in unter zwei Minuten" in clipping[1]
    fewer = 1.4e12 / training_log["evals"][-1]["tokens"]
    assert_quoted(f"{float(f'{fewer:.2g}'):,.0f}", clipping)  # two significant digits: 170,000


def test_lesson_1_tiny_model_read_8_2_million_tokens_and_has_the_quoted_shape(tiny, training_log):
    model, _ = tiny
    cfg = model.cfg
    english, german_text = step("what-is-llama", "Our tiny LLaMA")
    assert_quoted(f"{training_log['evals'][-1]['tokens'] / 1e6:.1f}", (english, german_text))
    assert (f"{cfg.n_layers} layers, width {cfg.dim}, {cfg.n_heads} query heads sharing {cfg.n_kv_heads} "
            f"key/value heads, a SwiGLU width of {cfg.hidden_dim}, RoPE base {cfg.rope_theta:,.0f}, a context of "
            f"{cfg.max_seq_len} tokens and a {cfg.vocab_size:,}-piece vocabulary") in english
    assert (f"{cfg.n_layers} Schichten, Breite {cfg.dim}, {cfg.n_heads} Query-Heads, die sich {cfg.n_kv_heads} "
            f"Key/Value-Heads teilen, eine SwiGLU-Breite von {cfg.hidden_dim}, RoPE-Basis "
            f"{german(f'{cfg.rope_theta:,.0f}')}, ein Kontext von {cfg.max_seq_len} Tokens und ein Vokabular aus "
            f"{german(f'{cfg.vocab_size:,}')} Stücken") in german_text


# ---- lessons 5 and 9: sizes of the tiny model ------------------------------------------------------------------------
def test_lesson_5_the_tiny_models_ffn_width_and_share(tiny):
    model, _ = tiny
    cfg = model.cfg
    texts = step("swiglu", "11,008 and 704")
    multiple_of = le.ModelConfig.from_preset("tiny").multiple_of  # the preset it was trained from
    assert le.ffn_hidden_dim(cfg.dim, multiple_of) == cfg.hidden_dim
    assert f"{2 / 3 * 4 * cfg.dim:.1f}$, rounded up to a multiple of {multiple_of} gives **{cfg.hidden_dim}**" \
        in texts[0]
    assert f"{german(f'{2 / 3 * 4 * cfg.dim:.1f}').replace(',', '{,}')}$, aufgerundet auf ein Vielfaches von " \
           f"{multiple_of}, ergibt **{cfg.hidden_dim}**" in texts[1]
    parts = le.parameter_breakdown(cfg)
    assert sum(parts.values()) == sum(p.numel() for p in model.parameters())
    share = round(100 * parts["feed_forward"] / sum(parts.values()))
    assert f"{share}% of the tiny model" in texts[0] and f"{share} % beim Mini-Modell" in texts[1]


def test_lesson_9_the_tiny_models_kv_cache(tiny):
    """ "the tiny model needs 3 KiB per token in float32, 768 KiB for its whole 256-token context" """
    model, _ = tiny
    cfg = model.cfg
    per_token = le.kv_cache_bytes(cfg, 1, bytes_per_value=4) / 1024
    whole = le.kv_cache_bytes(cfg, cfg.max_seq_len, bytes_per_value=4) / 1024
    texts = step("kv-cache", "Memory grows with context")
    assert f"{per_token:g} KiB per token in float32, {whole:g} KiB for its whole {cfg.max_seq_len}-token" in texts[0]
    assert f"{per_token:g} KiB pro Token, also {whole:g} KiB für seinen ganzen Kontext von {cfg.max_seq_len}" \
        in texts[1]


# ---- over held-out stories (slow) ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def validation_stories(tmp_path_factory, training_log):
    """The training run's val.txt, rebuilt from its seed and size (train.py calls write_corpus the same way)."""
    from llama_edu.train import write_training_corpus

    folder = tmp_path_factory.mktemp("corpus")
    write_training_corpus(training_log["config"], folder)
    return (folder / "val.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def story_measures(tiny, validation_stories):
    """What REPORT.md measures: every head over the first 100 validation stories (llama_edu.evaluate.report)."""
    model, tok = tiny
    return analysis.measure_heads(model, tok, validation_stories[:100])


@pytest.mark.slow
def test_lessons_7_and_13_previous_token_heads_over_the_stories(story_measures):
    """L5H6 leads with 0.38, followed by L5H0 and L5H3 (lesson 7, its quiz, and lesson 13)."""
    previous = story_measures["previous_token"]
    L, H = previous.shape
    ranked = sorted(((float(previous[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)
    assert [(l, h) for _, l, h in ranked[:3]] == [(5, 6), (5, 0), (5, 3)]
    english, german_text = step(*HEAD_WITH_A_JOB)
    assert "followed by L5H0 and L5H3" in english and "danach folgen L5H0 und L5H3" in german_text
    for texts in (step(*HEAD_WITH_A_JOB), quiz("attention", "What does head 6 of layer 5 mostly do"),
                  step("attention-across-layers", "How heads change from layer to layer")):
        assert_quoted(f2(ranked[0][0]), texts)


@pytest.mark.slow
def test_lesson_7_no_head_is_a_strong_sink_over_the_stories(story_measures):
    """ "no head is a strong sink on average over stories (at most about 0.1)" """
    assert round(float(story_measures["first_token"].max()), 1) == 0.1
    assert_quoted("0.1", step("attention", "Attention sinks"))


@pytest.mark.slow
def test_lesson_13_entropy_and_own_token_share_over_the_stories(story_measures):
    """Entropy 4.94 -> 2.04 bits from layer 0 to layer 5, own-token share 0.03 -> 0.04."""
    texts = step("attention-across-layers", "How heads change from layer to layer")
    entropy, own = story_measures["entropy"].mean(-1), story_measures["self_token"].mean(-1)
    for value in (entropy[0], entropy[-1], own[0], own[-1]):
        assert_quoted(f2(value), texts)
    assert own[-1] >= own[0]  # "but the own-token share does not" fall


@pytest.mark.slow
def test_lesson_11_bits_per_character_on_held_out_stories(tiny, validation_stories):
    """0.218 bits per character on the first 400 validation stories, as REPORT.md measured it."""
    from llama_edu.evaluate import bits_per_character

    model, tok = tiny
    bits = bits_per_character(model, tok, validation_stories[:400])
    assert_quoted(f"{bits:.3f}", step("training-recipe", "The loss, from guessing to knowing"))
