"""Lessons 21 (how models are evaluated) and 22 (the open-weights story): llama_edu.likelihood and llama_edu.fine_tune
against independent computations (the model's own forward and log-softmax, llama_edu.evaluate.bits_per_character,
AdamW's first step, hand formulas), their figures in both languages, their live elements, and every number the two
lessons quote about the shipped tiny model, computed here and found in the English and the German step (German
writes 0,76 for 0.76 and 4.096 for 4,096). Figures from papers and from the web are listed with their sources in
lessons/SOURCES.md.

Fine-tuning a copy of the tiny model takes a second or more on 2 busy cores, the overlap check regenerates the
training corpus, and the elements need an AppTest: those tests are `slow`. Numbers that depend on a fine-tune's
exact arithmetic are quoted as bounds ("over 0.99"), which any CPU meets.
"""

import json
import math
import re

import pytest
import torch
from helpers import open_elements
from lesson_text import assert_quoted, german, readers, some_lessons

import llama_edu as le
from llama_edu import fine_tune, i18n, likelihood
from llama_edu.evaluate import EVERYDAY_SENTENCES, bits_per_character, read_model_card, words_shared_with
from llama_edu.lessons import LESSONS_DIR
from llama_edu.likelihood import ITEMS, SHOTS
from llama_edu.logit_lens import logit_lens
from llama_edu.training_words import training_words
from llama_edu.viz import evaluation as viz_eval
from llama_edu.viz import fine_tuning as viz_ft

EVAL, OPEN = "evaluation", "open-weights"
FILES = {EVAL: "21-evaluation.yaml", OPEN: "22-open-weights.yaml"}
ROOT = LESSONS_DIR.parent


LESSONS = some_lessons(FILES)
step, quiz = readers(LESSONS)


# ---- reading the lessons (as tests/test_lessons_scale_context.py does) ----------------------------------------------
def assert_negative(value: float, texts: tuple[str, str]) -> None:
    """A log-probability as the lessons write it: −2.89 with a minus sign (German −2,89)."""
    assert value < 0
    number = f"{-value:.2f}"
    assert f"−{number}" in texts[0], (number, texts[0])
    assert f"−{german(number)}" in texts[1], (german(number), texts[1])


def f2(value: float) -> str:
    return f"{value:.2f}"


# ---- the shipped model, once -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny():
    return le.load_with_tokenizer(le.TINY_MODEL_DIR, device="cpu", dtype="float32")


@pytest.fixture(scope="module")
def style_run(tiny):
    model, tok = tiny
    return fine_tune.fine_tuned_copy(model, tok, fine_tune.STYLE_SENTENCES)


# ---- llama_edu.likelihood --------------------------------------------------------------------------------------------
def test_continuation_logprobs_are_the_models_own_log_softmax(tiny):
    """The option's tokens read off one forward pass of the whole text, by hand: log_softmax of the logits at the
    position before each token."""
    model, tok = tiny
    context, option = "The frog sat on the", " lily pad."
    logprobs, ids = likelihood.continuation_logprobs(model, tok, context, option)
    whole = tok.encode(context + option)
    start = len(tok.encode(context))
    assert ids == whole[start:] and len(ids) == 5
    with torch.no_grad():
        logits = model(torch.tensor([whole]))[0].float().log_softmax(-1)
    by_hand = [float(logits[i - 1, whole[i]]) for i in range(start, len(whole))]
    assert logprobs == pytest.approx(by_hand, abs=1e-5)
    with pytest.raises(ValueError, match="adds no token"):
        likelihood.continuation_logprobs(model, tok, context, "")


def test_the_three_rules_divide_the_total_by_nothing_tokens_and_characters():
    score = likelihood.OptionScore(" lily pad.", ["▁l", "ily", "▁p", "ad", "."], [-1.0, -2.0, -3.0, -4.0, -5.0])
    assert (score.total, score.per_token, score.per_character) == (-15.0, -3.0, -1.5)
    assert score.score("per_token") == -3.0
    with pytest.raises(ValueError, match="unknown rule"):
        score.score("median")
    short = likelihood.OptionScore(" mat.", ["▁mat", "."], [-4.0, -4.0])
    assert likelihood.choice([score, short], "total") == 1  # -8 beats -15
    assert likelihood.choice([score, short], "per_token") == 0  # -3 beats -4
    assert likelihood.choice([short, short], "total") == 0  # a tie goes to the first


def test_few_shot_writes_each_solved_example_as_a_sentence_before_the_question():
    assert likelihood.few_shot_prompt("Snow is") == "Snow is"
    assert likelihood.few_shot_prompt("Snow is", SHOTS) == "Paris is in France. Birds can fly. Ice is cold. Snow is"
    assert SHOTS[0].solved() == "Paris is in France."


def test_the_benchmark_is_in_the_tiny_models_words_and_keeps_its_examples_apart(tiny):
    """ "Written in words the tiny model read in training": every word of every question and option is in its
    training_words.txt. The solved examples are not test questions."""
    known = training_words(le.TINY_MODEL_DIR)
    words = {w.lower() for item in (*ITEMS, *SHOTS) for text in (item.question, *item.options)
             for w in re.findall(r"[^\W\d_]+", text)}
    assert words - known == set()
    assert not {item.question for item in ITEMS} & {shot.question for shot in SHOTS}
    assert all(len(item.options) == 3 and item.answer == 0 for item in ITEMS)


def test_text_surprise_is_evaluates_bits_per_character(tiny):
    model, tok = tiny
    text = "Lily was sad because it was raining."
    surprise = likelihood.text_surprise(model, tok, tok.encode(text, eos=True))
    assert surprise.bits_per_character == pytest.approx(bits_per_character(model, tok, [text]), rel=1e-5)
    assert surprise.perplexity == pytest.approx(math.exp(surprise.mean_loss))
    assert surprise.n_characters == len(text)  # the EOS spells nothing
    ids = tok.encode(text)
    with torch.no_grad():
        logits = model(torch.tensor([ids]))[0]
    from_logits = likelihood.surprise_from_logits(tok, ids, logits)  # a last row, past the text, is left out
    assert from_logits.losses == pytest.approx(likelihood.text_surprise(model, tok, ids).losses, abs=1e-5)
    with pytest.raises(ValueError):
        likelihood.text_surprise(model, tok, ids[:1])


def test_one_bits_per_character_is_a_different_perplexity_for_each_tokenizer():
    assert likelihood.perplexity_for(1.0, 1.0) == 2.0
    assert likelihood.perplexity_for(0.5, 4.0) == 4.0  # 2 bits per token
    assert likelihood.perplexity_for(0.4, 3.94) > likelihood.perplexity_for(0.4, 3.17)


# ---- llama_edu.fine_tune ---------------------------------------------------------------------------------------------
def test_a_sentence_batch_predicts_each_next_token_and_ignores_the_padding(tiny):
    _, tok = tiny
    texts = ["The cat sat.", "The girl flew her rocket to the moon."]
    inputs, targets = fine_tune.sentence_batch(tok, texts)
    for row, text in enumerate(texts):
        ids = tok.encode(text, bos=True, eos=True)
        n = len(ids) - 1
        assert inputs[row, :n].tolist() == ids[:-1] and targets[row, :n].tolist() == ids[1:]
        assert (targets[row, n:] == fine_tune.IGNORE).all()
    assert fine_tune.tokens_read(tok, texts) == sorted(set(inputs[targets != fine_tune.IGNORE].tolist()))


@pytest.mark.slow
def test_one_step_leaves_the_model_alone_and_moves_every_weight_by_at_most_the_learning_rate(tiny):
    """AdamW's first step is lr times the sign of the gradient (m / sqrt(v) = g / |g|, bias-corrected): almost every
    entry of every block's matrices moves by exactly the learning rate (those whose gradient is below Adam's eps
    move less), and no weight moves by more. The original model is untouched."""
    model, tok = tiny
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    run = fine_tune.fine_tuned_copy(model, tok, fine_tune.STYLE_SENTENCES, steps=1)
    assert all(torch.equal(before[name], p) for name, p in model.named_parameters())
    assert not any(p.requires_grad for p in model.parameters())
    lr = fine_tune.FINE_TUNE_LR
    for name, after in run.model.named_parameters():
        step_ = (after - before[name]).abs().detach()
        assert float(step_.max()) <= lr * (1 + 1e-4), name
        if name.startswith("layers.") and after.ndim == 2:
            assert float((abs(step_ - lr) < 1e-5).float().mean()) > 0.9, name
    assert len(run.losses) == 1 and fine_tune.same_architecture(model, run.model)


@pytest.mark.slow
def test_weight_changes_by_hand(tiny):
    model, tok = tiny
    run = fine_tune.fine_tuned_copy(model, tok, fine_tune.STYLE_SENTENCES[:2], steps=1)
    changes = {c.name: c for c in fine_tune.weight_changes(model, run.model)}
    assert list(changes) == [name for name, _ in model.named_parameters()]
    old, new = model.layers[2].feed_forward.w1.weight, run.model.layers[2].feed_forward.w1.weight
    by_hand = float((new - old).norm() / old.norm())
    wanted = changes["layers.2.feed_forward.w1.weight"]
    assert (wanted.kind, wanted.layer) == ("feed_forward.w1", 2) and wanted.relative == pytest.approx(by_hand)
    assert (changes["tok_embeddings.weight"].kind, changes["tok_embeddings.weight"].layer) == ("tok_embeddings", None)
    by_kind = fine_tune.change_by_kind(list(changes.values()))
    assert list(by_kind.values()) == sorted(by_kind.values(), reverse=True)
    assert by_kind["norm"] == changes["norm.weight"].relative and len(by_kind) == 12


@pytest.mark.slow
def test_the_fine_tune_is_bounded_and_fast_on_the_cpu(tiny, style_run):
    """What keeps the live fine-tune cheap is fixed, not timed: a few steps over one small batch (the six sentences,
    padded), so the work is a few hundred tokens forward and backward, whatever the machine. The wall-clock bound is
    only a generous guard against a runaway (about a second on 2 idle cores, 25 s seen on a very busy machine); the
    app runs the fine-tune once per server and caches it (st.cache_resource in app/elements/fine_tuning.py)."""
    _, tok = tiny
    assert len(style_run.losses) == fine_tune.FINE_TUNE_STEPS <= 10
    inputs, _ = fine_tune.sentence_batch(tok, fine_tune.STYLE_SENTENCES)
    assert inputs.shape[0] == len(fine_tune.STYLE_SENTENCES) and inputs.shape[1] <= 32
    assert fine_tune.FINE_TUNE_STEPS * inputs.numel() <= 1_000  # tokens processed in all
    assert style_run.final_loss < style_run.losses[0]
    assert style_run.seconds < 120
    assert style_run.model.device.type == "cpu" and style_run.model.dtype == torch.float32
    source = (ROOT / "app" / "elements" / "fine_tuning.py").read_text(encoding="utf-8")
    assert "@st.cache_resource" in source and "fine_tuned_copy" in source


@pytest.mark.slow
def test_the_fine_tuned_copy_saves_as_a_checkpoint_with_the_originals_config_and_tokenizer(tiny, style_run, tmp_path):
    """ "A fine-tuned LLaMA loads with LLaMA's code and LLaMA's tokenizer": the copy, saved the way the shipped
    model was, has a byte-identical config.json and tokenizer.model, and loads back predicting "moon"."""
    _, tok = tiny
    le.save_model(style_run.model, tmp_path, tokenizer_file=tok.path)
    assert (tmp_path / "config.json").read_bytes() == (le.TINY_MODEL_DIR / "config.json").read_bytes()
    assert (tmp_path / "tokenizer.model").read_bytes() == (le.TINY_MODEL_DIR / "tokenizer.model").read_bytes()
    loaded, loaded_tok = le.load_with_tokenizer(tmp_path, device="cpu", dtype="float32")
    shift = fine_tune.next_token_shift(style_run.model, loaded, loaded_tok, fine_tune.STYLE_PROMPT)
    assert shift[0].piece == "▁moon" and shift[0].after == pytest.approx(shift[0].before, abs=1e-5)


# ---- figures and words in both languages ---------------------------------------------------------------------------
def _numbers(fig) -> list:
    numeric = lambda values: [v for v in (values or []) if isinstance(v, (int, float))]
    out = []
    for trace in fig.data:
        z = getattr(trace, "z", None)
        out.append((numeric(trace.x), numeric(trace.y), [list(row) for row in z] if z is not None else None))
    return out


def _figures(lang: str):
    scores = [likelihood.OptionScore(" lily pad.", ["▁l", "ily", "▁p", "ad", "."], [-9.2, -0.3, -0.3, -1.2, -0.5]),
              likelihood.OptionScore(" mat.", ["▁mat", "."], [-6.9, -0.6])]
    results = [likelihood.BenchmarkResult(n, {rule: [0, 1] for rule in likelihood.RULES}) for n in (0, 3)]
    surprise = likelihood.TextSurprise(["▁cat", "▁sat"], [2.5, 0.5], 8)
    card = {"heldout_bits_per_char": 0.4, "n_heldout_stories": 400, "everyday_bits_per_char": 1.9,
            "n_everyday_sentences": 50, "confirm_bits_per_char": 2.8, "n_confirm_sentences": 40}
    changes = [fine_tune.WeightChange(f"layers.{layer}.{kind}.weight", kind, layer, 0.01 * (layer + 1))
               for layer in range(2) for kind in (*fine_tune.BLOCK_MATRICES, *fine_tune.BLOCK_NORMS)]
    changes += [fine_tune.WeightChange(name, name, None, 0.005) for name in ("tok_embeddings", "norm", "output")]
    shifts = [fine_tune.NextTokenShift(5, "▁moon", 0.0001, 0.99), fine_tune.NextTokenShift(6, "▁roof", 0.21, 0.001)]
    return [viz_eval.option_scores_figure(scores, 0, lang=lang),
            viz_eval.benchmark_figure(ITEMS[:2], results, lang=lang),
            viz_eval.token_losses_figure(surprise, lang=lang),
            viz_eval.tokenizer_perplexity_figure(0.4, {"a": 3.17, "b": 3.94}, lang=lang),
            viz_eval.heldout_figure(card, lang=lang),
            viz_eval.leak_figure({"leaked": 2, "clean": 4}, {"leaked": 5, "clean": 4}, {"leaked": 5, "clean": 5},
                                 lang=lang),
            viz_ft.weight_change_figure(changes, lang=lang),
            viz_ft.next_token_shift_figure(shifts, "The cat sat on the", lang=lang)]


def test_every_figure_shows_the_same_numbers_in_german_with_other_words():
    for en, de in zip(_figures("en"), _figures("de")):
        assert _numbers(en) == _numbers(de)
        assert en.layout.separators == ".," and de.layout.separators == ",."
        assert json.dumps(de.to_dict()["layout"], default=str) != json.dumps(en.to_dict()["layout"], default=str) \
            or [t.name for t in de.data] != [t.name for t in en.data]


def test_the_strings_of_both_lessons_exist_in_both_languages_and_are_used():
    assert i18n.problems() == []
    sources = "".join((ROOT / path).read_text(encoding="utf-8") for path in [
        "app/elements/evaluation.py", "app/elements/fine_tuning.py", "llama_edu/viz/evaluation.py",
        "llama_edu/viz/fine_tuning.py"])
    keys = [key for key in i18n.strings() if key.split(".")[0] in ("evaluation", "fine_tuning")]
    assert len(keys) > 40
    built = {"evaluation.viz.rule.": 'f"evaluation.viz.rule.{', "evaluation.viz.set.": 'f"evaluation.viz.set.{',
             "evaluation.viz.half.": 'f"evaluation.viz.half.{', "fine_tuning.prompt.": 'f"fine_tuning.prompt.{'}
    for key in keys:
        prefix = next((p for p in built if key.startswith(p)), None)
        assert (built[prefix] if prefix else f'"{key}"') in sources, key
        texts = i18n.strings()[key]
        assert texts["en"] != texts["de"] or key in ("fine_tuning.prompt_choice",), key


def test_the_two_lessons_are_the_files_the_app_loads():
    assert [LESSONS["en"][key].id for key in FILES] == list(FILES)
    for key in FILES:
        english, deutsch = LESSONS["en"][key], LESSONS["de"][key]
        assert 5 <= len(english.steps) <= 8 and 3 <= len(english.quiz) <= 4
        assert all(a.title != b.title for a, b in zip(english.steps, deutsch.steps))


# ---- lesson 21: how models are evaluated -------------------------------------------------------------------------------
def test_lesson_21_the_cat_item_scored_token_by_token(tiny):
    """ " mat." = ▁mat −2.89 + "." −0.53 = −3.42, probability 0.033; " soup." −11.04, " moon." −14.05; ten items."""
    model, tok = tiny
    texts = step(EVAL, "Multiple choice without writing an answer")
    scores = likelihood.score_options(model, tok, ITEMS[0])
    mat, moon, soup = scores
    assert ITEMS[0].question == "The cat sat on the" and mat.pieces == ["▁mat", "."]
    for value in (*mat.token_logprobs, mat.total, soup.total, moon.total):
        assert_negative(value, texts)
    assert_quoted(f"{math.exp(mat.total):.3f}", texts)
    assert likelihood.choice(scores, "total") == 0
    assert len(ITEMS) == 10 and "all ten" in texts[0] and "Alle zehn" in texts[1]


def test_lesson_21_the_frog_item_total_against_mean(tiny):
    """ " lily pad." five tokens, −11.48 in all, −2.30 per token, −1.15 per character; " mat." −7.44, −3.72, −1.49:
    the total picks mat, the normalised rules lily pad."""
    model, tok = tiny
    texts = step(EVAL, "Long answers lose: length normalisation")
    item = ITEMS[2]
    scores = likelihood.score_options(model, tok, item)
    lily, mat = scores[0], scores[1]
    assert item.question == "The frog sat on the" and lily.pieces == ["▁l", "ily", "▁p", "ad", "."]
    assert "(▁l, ily, ▁p, ad, .)" in texts[0] and "(▁l, ily, ▁p, ad, .)" in texts[1]
    for value in (lily.total, mat.total, lily.per_token, mat.per_token, lily.per_character, mat.per_character):
        assert_negative(value, texts)
    assert [likelihood.choice(scores, rule) for rule in likelihood.RULES] == [1, 0, 0]
    question = quiz(EVAL, "After \"The frog sat on the\"")
    for value in (lily.total, mat.total, lily.per_token, mat.per_token):
        assert_negative(value, question)


@pytest.mark.slow
def test_lesson_21_zero_shot_and_few_shot(tiny):
    """Guessing 3.3 of 10; zero-shot 6 (total) and 7 (per token); three shots 7 and 8; the shots put "Snow is" and
    "The sun is" right and "Bees make" wrong (milk)."""
    model, tok = tiny
    texts = step(EVAL, "Zero-shot and few-shot")
    zero, few = (likelihood.run_benchmark(model, tok, ITEMS, SHOTS[:n]) for n in (0, len(SHOTS)))
    assert_quoted(f"{len(ITEMS) / 3:.1f}", texts)
    assert f"gets {zero.right('total')} by the total and {zero.right('per_token')} per token" in texts[0]
    assert f"it gets {few.right('total')} and {few.right('per_token')}" in texts[0]
    assert f"{zero.right('total')} nach der Summe und {zero.right('per_token')} pro Token" in texts[1]
    assert f"{few.right('total')} und {few.right('per_token')}." in texts[1]
    assert (zero.right("total"), zero.right("per_token"), few.right("total"), few.right("per_token")) == (6, 7, 7, 8)
    assert likelihood.few_shot_prompt("", SHOTS).strip() in texts[0]
    index = {item.question: i for i, item in enumerate(ITEMS)}
    for question in ("Snow is", "The sun is"):
        assert zero.picks["total"][index[question]] != 0 and few.picks["total"][index[question]] == 0
    bees = index["Bees make"]
    assert zero.picks["total"][bees] == 0 and ITEMS[bees].options[few.picks["total"][bees]] == " milk."


def test_lesson_21_perplexity_of_the_default_prompt_and_of_the_validation_text(tiny):
    """6 tokens, 16.77 nats, 2.80 per token, perplexity 16.36; sat 5.29, the 0.00, mat 2.89; validation 1.195 nats
    per token (training log), perplexity 3.30."""
    model, tok = tiny
    texts = step(EVAL, "Perplexity: surprise per token")
    surprise = likelihood.text_surprise(model, tok, tok.encode("The cat sat on the mat"))
    assert "The cat sat on the mat" in texts[0]
    assert f"predicts {len(surprise.losses)} tokens" in texts[0] and f"{len(surprise.losses)} Tokens" in texts[1]
    for value in (surprise.total_nats, surprise.mean_loss, surprise.perplexity):
        assert_quoted(f2(value), texts)
    losses = dict(zip(surprise.pieces, surprise.losses))  # "▁the" occurs once among the predicted tokens
    for piece in ("▁sat", "▁the", "▁mat"):
        assert_quoted(f2(losses[piece]), texts)
    assert f2(losses["▁the"]) == "0.00"
    mat_first = likelihood.score_options(model, tok, ITEMS[0])[0].token_logprobs[0]
    assert f2(losses["▁mat"]) == f2(-mat_first)  # "the 2.89 of the first step"
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    val = log["evals"][-1]["val_loss"]
    assert_quoted(f"{val:.3f}", texts)
    assert_quoted(f2(math.exp(val)), texts)
    # how llama_edu.train.validation_loss measures it: eval_batches batches of batch_size windows of seq_len tokens,
    # each window from a story's BOS (train.get_batch), running on into the next stories
    config = log["config"]
    assert_quoted(f"{config['eval_batches'] * config['batch_size']}", texts)
    assert_quoted(f"{config['seq_len']}", texts)
    assert "start at a story's BOS and run on into the next stories" in texts[0]
    assert "am BOS einer Geschichte beginnen und in die nächsten Geschichten weiterlaufen" in texts[1]


@pytest.mark.slow
def test_lesson_21_quotes_lesson_19s_held_out_loss(tiny):
    """Lesson 19's 1.090 nats per token: the first 100 held-out stories scored one at a time, BOS to EOS."""
    from llama_edu import quantise

    model, tok = tiny
    texts = step(EVAL, "Perplexity: surprise per token")
    assert_quoted(f"{quantise.heldout_loss(model, tok, quantise.heldout_texts()).per_token:.3f}", texts)
    assert "scores whole stories one at a time" in texts[0] and "bewerten ganze Geschichten einzeln" in texts[1]


def test_lesson_21_one_bits_per_character_two_perplexities():
    """3.94 and 3.17 characters per token (lesson 10); 0.403 bits per character (model card): 2.43 and 3.01."""
    texts = step(EVAL, "Per token or per character")
    card = read_model_card(le.TINY_MODEL_DIR)
    bpc = card["heldout_bits_per_char"]
    question = quiz(EVAL, "On the same text")
    # quoted to four decimals where it is converted: 2 ** (0.4035 × 3.17) = 2.43, as the unrounded 0.40346 gives;
    # 0.403 would give 2.42
    quoted = f"{bpc:.4f}"
    for texts_ in (texts, question):
        assert_quoted(quoted, texts_)
        assert not any(re.search(r"(?<![\d.,])0[.,]403(?![.,]?\d)", t) for t in texts_)
    for cpt in (likelihood.LLAMA2_CHARACTERS_PER_TOKEN, likelihood.LLAMA3_CHARACTERS_PER_TOKEN):
        assert_quoted(f2(cpt), texts)
        shown = f2(likelihood.perplexity_for(bpc, cpt))
        assert f2(likelihood.perplexity_for(float(quoted), cpt)) == shown  # the quoted input gives the quoted output
        assert_quoted(shown, texts)
        assert_quoted(shown, question)
    assert f2(likelihood.perplexity_for(round(bpc, 3), likelihood.LLAMA2_CHARACTERS_PER_TOKEN)) != f2(
        likelihood.perplexity_for(bpc, likelihood.LLAMA2_CHARACTERS_PER_TOKEN))  # why three decimals would not do
    lesson_10 = (LESSONS_DIR / "10-llama-1-2-3.yaml").read_text(encoding="utf-8")
    assert "3.94 instead of" in lesson_10 and "3.17 characters per token" in lesson_10


def test_lesson_21_the_projects_test_sets_and_overlap():
    """0.403 / 1.933 / 2.801 bits per character on 400 stories, 50 and 40 sentences (model card); 0 sentences
    whole and 30 of 380 runs of five words, 7.9% (REPORT.md); the split drops training stories from val.txt."""
    texts = step(EVAL, "Contamination: the test in the training data")
    card = read_model_card(le.TINY_MODEL_DIR)
    for key in ("heldout_bits_per_char", "everyday_bits_per_char", "confirm_bits_per_char"):
        assert_quoted(f"{card[key]:.3f}", texts)
    assert_quoted(f"{card['n_everyday_sentences']}", texts)
    assert_quoted(f"{card['n_confirm_sentences']}", texts)
    report = (le.TINY_MODEL_DIR / "REPORT.md").read_text()
    found = re.search(r"Of the everyday sentences, (\d+) occur whole in the training text, and (\d+) of their (\d+) "
                      r"runs of 5 words \(([\d.]+)%\)", report)
    whole, runs_found, runs, percent = found.groups()
    assert f"{whole} of the everyday sentences occur whole" in texts[0] and f"{whole} der Alltagssätze" in texts[1]
    assert f"{runs_found} of their {runs} runs of five words ({percent}%)" in texts[0]
    assert f"{runs_found} ihrer {runs} Folgen von fünf Wörtern ({german(percent)} %)" in texts[1]
    assert len(likelihood.ITEMS) == 10 and len(EVERYDAY_SENTENCES.read_text().splitlines()) >= card[
        "n_everyday_sentences"]
    # the gap between the two hand-written sets is not all tuning
    assert "part of that gap can come from tuning" in texts[0] and "also differ in difficulty" in texts[0]
    assert "ein Teil des Abstands kann also vom Optimieren kommen" in texts[1] and "verschieden schwer" in texts[1]
    assert f"eine zweite Sammlung von {card['n_confirm_sentences']} Sätzen" in texts[1]


def test_the_corpus_split_keeps_every_training_story_out_of_the_held_out_file(tmp_path):
    """ "write_corpus draws them from a second random stream and drops any story that also occurs in the training
    text", on a small corpus (the shipped model's is the same code at 24 million characters)."""
    le_corpus = pytest.importorskip("llama_edu.corpus")
    le_corpus.write_corpus(tmp_path, n_chars=150_000, seed=0)
    train = set((tmp_path / "train.txt").read_text(encoding="utf-8").splitlines())
    val = (tmp_path / "val.txt").read_text(encoding="utf-8").splitlines()
    assert val and not set(val) & train


@pytest.mark.slow
def test_the_reports_overlap_figures_are_the_training_text_regenerated(tmp_path):
    """REPORT.md's 0 whole sentences and 30 of 380 runs, recomputed on the corpus write_corpus gives for the shipped
    model's training run (its training_log.json's config)."""
    from llama_edu.evaluate import everyday_sentences
    from llama_edu.train import write_training_corpus

    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    write_training_corpus(log["config"], tmp_path)
    whole, found, runs = words_shared_with(everyday_sentences(), (tmp_path / "train.txt").read_text(encoding="utf-8"))
    report = (le.TINY_MODEL_DIR / "REPORT.md").read_text()
    assert (f"Of the everyday sentences, {whole} occur whole in the training text, and {found} of their {runs} runs "
            f"of 5 words ({found / runs:.1%})") in report


@pytest.mark.slow
def test_lesson_21_five_leaked_questions(tiny):
    """A copy trained fine_tune.FINE_TUNE_STEPS steps on the even-numbered items' answers: leaked 2 -> 5 of 5, the
    others 4 -> 4 of 5, 6 -> 9 of 10 (total rule)."""
    model, tok = tiny
    leaked, clean = ITEMS[0::2], ITEMS[1::2]
    run = fine_tune.fine_tuned_copy(model, tok, [item.solved() for item in leaked])
    right = {(half, which): likelihood.run_benchmark(m, tok, items).right("total", items)
             for half, items in (("leaked", leaked), ("clean", clean))
             for which, m in (("before", model), ("after", run.model))}
    assert right == {("leaked", "before"): 2, ("leaked", "after"): 5, ("clean", "before"): 4, ("clean", "after"): 4}
    texts = step(EVAL, "Contamination: the test in the training data")
    assert f"for {fine_tune.FINE_TUNE_STEPS} steps" in texts[0] and f"{fine_tune.FINE_TUNE_STEPS} Schritte" in texts[1]
    assert "it scores 9 of 10 instead of 6" in texts[0] and "Sie schafft 9 von 10 statt 6" in texts[1]
    assert "still 4 of the other 5" in texts[0] and "weiterhin 4 der anderen 5" in texts[1]
    question = quiz(EVAL, "A copy of the tiny model trained on five")
    assert "scores 9 of 10 instead of 6" in question[0] and "(4 of 5)" in question[0]
    assert "9 von 10 statt 6" in question[1] and "(4 von 5)" in question[1]


def test_lesson_21_the_logit_lens_on_the_default_prompt(tiny):
    """After "sat": "down" at layers 0 to 3, "on" at 4 and 5; after the second "the": "moon" at layers 0 to 3, "roof"
    only at the last layer, 5, with 0.21 (the model's own output: REPORT.md's 0.209)."""
    model, tok = tiny
    ids = tok.encode("The cat sat on the mat")
    _, cache = model.run_with_cache(torch.tensor([ids]), names_filter=r"^hook_embed$|hook_resid_post$")
    lens = logit_lens(model, cache, k=1)
    top = lambda stage, position: tok.pieces([int(lens.top_ids[stage, position, 0])])[0]
    layers = range(1, model.cfg.n_layers + 1)  # stage 0 is the embedding
    sat, the = tok.pieces(ids).index("▁sat"), len(ids) - 2
    assert [top(s, sat) for s in layers] == ["▁down"] * 4 + ["▁on"] * 2
    assert [top(s, the) for s in layers][:4] == ["▁moon"] * 4 and top(model.cfg.n_layers, the) == "▁roof"
    assert "▁roof" not in [top(s, the) for s in range(model.cfg.n_layers)]
    texts = step(EVAL, "The logit lens: reading the layers")
    last = model.cfg.n_layers - 1
    assert f'"down" at layers 0 to 3 and "on", the word that really follows, at layers 4 and {last}' in texts[0]
    assert f'"moon" at layers 0 to 3 and "roof" only at the last layer, {last}' in texts[0]
    assert f"Schichten 0 bis 3 „down“ und in den Schichten 4 und {last} „on“" in texts[1]
    assert f"erst in der letzten Schicht, {last}, „roof“" in texts[1]
    assert_quoted(f2(float(lens.top_probs[model.cfg.n_layers, the, 0])), texts)
    assert "nostalgebraist, 2020" in texts[0] and "Belrose et al. (2023)" in texts[0]


# ---- lesson 22: the open-weights story --------------------------------------------------------------------------------
@pytest.mark.slow
def test_lesson_22_the_fine_tune_and_its_next_tokens(tiny, style_run):
    """Six sentences, 6 steps, learning rate 0.001; loss 4.7 -> under 0.3; "roof" 0.21 and "moon" under 1 in 10,000
    -> "moon" over 0.99; "girl" 0.55 -> over 0.7; 8,192,000 tokens; Alpaca's 0.00002, 50 times smaller."""
    model, tok = tiny
    texts = step(OPEN, "Fine-tuning the tiny model")
    assert len(fine_tune.STYLE_SENTENCES) == 6 and "six sentences" in texts[0] and "sechs Sätze" in texts[1]
    assert f"for {fine_tune.FINE_TUNE_STEPS} steps" in texts[0] and f"{fine_tune.FINE_TUNE_STEPS} Schritte" in texts[1]
    assert_quoted(f"{fine_tune.FINE_TUNE_LR:g}", texts)
    assert_quoted(f"{style_run.losses[0]:.1f}", texts)
    assert style_run.final_loss < 0.3 and "under 0.3" in texts[0] and "unter 0,3" in texts[1]
    shift = {s.piece: s for s in fine_tune.next_token_shift(model, style_run.model, tok, fine_tune.STYLE_PROMPT)}
    assert fine_tune.STYLE_PROMPT in texts[0]
    assert_quoted(f2(shift["▁roof"].before), texts)
    assert shift["▁moon"].before < 1e-4 and "less than 1 in 10,000" in texts[0] and "weniger als 1 zu 10.000" in texts[1]
    assert shift["▁moon"].after > 0.99 and "over 0.99" in texts[0] and "über 0,99" in texts[1]
    girl = {s.piece: s for s in fine_tune.next_token_shift(model, style_run.model, tok,
                                                            "Once upon a time, there was a little")}["▁girl"]
    assert_quoted(f2(girl.before), texts)
    assert girl.after > 0.7 and "to over 0.7" in texts[0] and "auf über 0,7" in texts[1]
    assert sum("girl" in s for s in fine_tune.STYLE_SENTENCES) == 1
    assert_quoted(f"{read_model_card(le.TINY_MODEL_DIR)['training_tokens']:,}", texts)
    alpaca_lr = 2e-5  # the Alpaca README's fine-tuning table (lessons/SOURCES.md)
    assert_quoted(f"{alpaca_lr:.5f}", texts)
    assert_quoted(f"{fine_tune.FINE_TUNE_LR / alpaca_lr:.0f}", texts)


@pytest.mark.slow
def test_lesson_22_which_weights_moved(tiny, style_run):
    """wv moved most on average (6.0%); layer 0's wv most of all matrices (11.9%), the matrix with the smallest
    entries; norms' gains under 1% on average; the first step's 0.001."""
    model, _ = tiny
    texts = step(OPEN, "Which weights moved")
    changes = fine_tune.weight_changes(model, style_run.model)
    by_kind = fine_tune.change_by_kind(changes)
    top_kind, top_value = next(iter(by_kind.items()))
    assert top_kind == "attention.wv" and "`wv` moved most on average" in texts[0]
    assert_quoted(f"{100 * top_value:.1f}", texts)
    largest = fine_tune.largest_matrix_change(changes)
    assert largest.name == "layers.0.attention.wv.weight" and "layer 0's `wv`" in texts[0]
    assert_quoted(f"{100 * largest.relative:.1f}", texts)
    rms = {name: float(p.pow(2).mean().sqrt()) for name, p in model.named_parameters() if p.ndim == 2}
    assert min(rms, key=rms.get) == largest.name  # "the one with the smallest entries"
    assert max(by_kind[k] for k in (*fine_tune.BLOCK_NORMS, "norm")) < 0.01
    assert "under 1% on average" in texts[0] and "im Mittel um weniger als 1 %" in texts[1]
    assert_quoted(f"{fine_tune.FINE_TUNE_LR:g}", texts)


@pytest.mark.slow
def test_lesson_22_what_fine_tuning_leaves_alone(tiny, style_run):
    """57 tensors, 6,327,552 parameters, 4,096 pieces; 33 of 4,096 embedding rows moved, exactly the tokens read;
    all 4,096 output rows moved."""
    model, tok = tiny
    texts = step(OPEN, "What fine-tuning leaves alone")
    assert fine_tune.same_architecture(model, style_run.model)
    assert_quoted(f"{len(list(model.parameters()))}", texts)
    assert_quoted(f"{sum(p.numel() for p in style_run.model.parameters()):,}", texts)
    assert_quoted(f"{tok.vocab_size:,}", texts)
    moved = fine_tune.moved_embedding_rows(model, style_run.model)
    assert moved == fine_tune.tokens_read(tok, fine_tune.STYLE_SENTENCES)
    assert f"only {len(moved)} of its {model.cfg.vocab_size:,} rows moved" in texts[0]
    assert f"nur {len(moved)} ihrer {german(f'{model.cfg.vocab_size:,}')} Zeilen" in texts[1]
    output = fine_tune.moved_output_rows(model, style_run.model)
    assert len(output) == model.cfg.vocab_size
    assert f"all {len(output):,} of its rows moved" in texts[0]
    assert f"Alle {german(f'{len(output):,}')} Zeilen haben sich bewegt" in texts[1]
    question = quiz(OPEN, "After fine-tuning the tiny model")
    assert_quoted(f"{len(output):,}", question)


def test_lesson_22_the_fine_tune_has_no_weight_decay_as_its_steps_say():
    """Steps 5-7 rest on weight decay being off (lesson 11's recipe uses 0.1): only then does an unread token's row
    stay bit for bit, and the first step move no weight by more than the learning rate. So the lesson says so, and
    the quiz's unchanged rows are those never read (BOS, which is no sentence's token, moved)."""
    import inspect

    from llama_edu.train import TrainConfig

    assert "TrainConfig(lr=lr, weight_decay=0.0" in inspect.getsource(fine_tune.fine_tuned_copy)
    assert TrainConfig().weight_decay == 0.1
    texts = step(OPEN, "Fine-tuning the tiny model")
    assert "no warmup or weight decay" in texts[0] and "ohne Warmup und ohne Weight Decay" in texts[1]
    texts = step(OPEN, "What fine-tuning leaves alone")
    assert "with weight decay off nothing else moves it" in texts[0] and "ohne Weight Decay bewegt sie" in texts[1]
    assert "4.096 Pieces" in texts[1] and "4.096 Stücke" not in texts[1]
    question = quiz(OPEN, "After fine-tuning the tiny model")
    assert "tokens the fine-tune never read (all but BOS and the sentences' tokens)" in question[0]
    assert "nie gelesen hat (alle außer BOS und den Tokens der Sätze)" in question[1]


def test_lesson_22_history_wording():
    """Alpaca's weights came after its recipe, data and demo; before LLaMA the strongest models, not every
    model of its quality, were API-only (OPT-175B was given on request and BLOOM-176B was downloadable in 2022)."""
    texts = step(OPEN, "Alpaca, Vicuna, Koala: weeks, not years")
    assert "published Alpaca's recipe, data and demo (the weights followed later)" in texts[0]
    assert "Rezept, Daten und Demo von Alpaca (die Gewichte folgten später)" in texts[1]
    assert "each was for research only" in texts[0] and "jedes war nur für die Forschung bestimmt" in texts[1]
    texts = step(OPEN, "Leaked within a week")
    assert "the strongest models were generally used only through a company's API" in texts[0]
    assert "die stärksten Modelle in der Regel nur über die API einer Firma" in texts[1]


def test_lesson_22_the_paper_and_web_figures_are_those_in_sources():
    """Dates and counts of the history steps, each listed in lessons/SOURCES.md's section for these lessons."""
    sources = (LESSONS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    section = sources[sources.index("## Lessons 21 (evaluation) and 22 (open weights)"):]
    history = " ".join(step(OPEN, title)[0] for title in (
        "LLaMA 1: weights on request", "Leaked within a week", "Alpaca, Vicuna, Koala: weeks, not years",
        "Llama 2 and Llama 3: commercial use, with a condition"))
    # the lesson's words -> the sources' (which write 52K as the papers and blogs do)
    facts = {"24 February 2023": "24 February 2023", "3 March 2023": "3 March 2023", "13 March 2023": "13 March 2023",
             "52,000": "52K", "175 seed tasks": "175 human-written seed tasks", "30 March": "30 March 2023",
             "70,000": "70K", "3 April": "3 April 2023", "18 July 2023": "18 July 2023", "700 million": "700 million",
             "18 April 2024": "18 April 2024", "$600": "$600", "$300": "$300", "GPL v3": "GPL v3", "4chan": "4chan"}
    for in_lesson, in_sources in facts.items():
        assert in_lesson in history, in_lesson
        assert in_sources in section, in_sources
    assert "2e-5" in section and "nostalgebraist" in section and "arXiv 2303.08112" in section


# ---- the live elements in an AppTest -------------------------------------------------------------------------------
TOPICS = ["evaluation", "fine_tuning", "generation"]


ELEMENT_NAMES = ["choice_scores", "choice_lengths", "choice_benchmark", "prompt_surprise", "perplexity_per_character",
                 "contamination", "fine_tune_run", "fine_tune_weights", "fine_tune_unchanged"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_element_of_both_lessons_draws_in_each_language(lang):
    at = open_elements(TOPICS, ELEMENT_NAMES, lang=lang, timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 9  # contamination draws two, fine_tune_unchanged none
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    if lang == "de":
        assert "Bits pro Zeichen" in shown and "Zeilen" in shown and "Richtige Antwort" in shown
    else:
        assert "bits per character" in shown and "rows" in shown and "Right answer" in shown
    at.selectbox(key="choice_scores_item").set_value(4).run()  # "Snow is"
    at.select_slider(key="choice_scores_shots").set_value(3).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Paris is in France" in c.value for c in at.caption)
    at.radio(key="fine_tune_run_prompt").set_value("yours").run()
    assert not at.exception, [e.value for e in at.exception]
