"""Every number a lesson quotes about the shipped tiny model, computed here from the model with the library code the
app runs (run_with_cache's hooks, generate, logit_lens, rollout, analysis, the training log), rounded as the lesson
rounds it, and found in that step of the English lesson and of the German one (which writes 0,76 for 0.76).

The numbers measured over held-out stories need the validation stories rebuilt from the corpus seed and 100 forward
passes; those tests are `slow`.
"""

import math

import pytest
import torch
from lesson_text import assert_quoted, every_lesson, german, readers

import llama_edu as le
from llama_edu import analysis
from llama_edu import architectures as arch
from llama_edu.logit_lens import logit_lens
from llama_edu.rollout import attention_rollout, patterns_from_cache, raw_attention, uniform_rollout
from llama_edu.train import TrainConfig, learning_rate

PROMPT = "The cat sat on the mat"  # the app's default prompt
GARDEN = "The cat in the garden sat down."
LESSONS = every_lesson()
step, quiz = readers(LESSONS)


# ---- reading the lessons ------------------------------------------------------------------------------------------
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


L7_QUIZ = "Over 100 held-out texts, which job does head 0 of layer 4 do"


def test_lesson_7_previous_token_heads_on_the_default_prompt(tiny, default):
    """L3H0: "sat" sends 1.00 to "cat", "on" 0.99 to "sat" (one step back); "the" 0.95 to "cat", three steps back.
    L4H0 holds on to the verb: "sat" keeps 0.72 on itself, "on" and "the" send 0.99 to "sat" (the quiz: "the" looks
    two steps back, at "sat", 0.99)."""
    _, _, cache = default
    texts = step(*HEAD_WITH_A_JOB)
    english, german_text = texts
    assert "The heatmap below shows layer 3, head 0" in english and "Schicht (Layer) 3, Head 0" in german_text
    l3h0 = pattern(cache, 3)[0]  # [T, S]
    for query, key, back in [("sat", "cat", 1), ("on", "sat", 1), ("the", "cat", 3)]:
        q, k = at(tiny, PROMPT, query), at(tiny, PROMPT, key)
        assert q - k == back and int(l3h0[q].argmax()) == k  # the most weight of the row, that many steps back
        assert_quoted(f2(l3h0[q, k]), texts)
    assert "three steps back" in english and "drei Schritte zurück" in german_text
    l4h0 = pattern(cache, 4)[0]
    sat, on, the = at(tiny, PROMPT, "sat"), at(tiny, PROMPT, "on"), at(tiny, PROMPT, "the")
    assert all(int(l4h0[q].argmax()) == sat for q in (sat, on, the))  # every one of these rows looks at the verb
    assert_quoted(f2(l4h0[sat, sat]), texts)
    assert f2(l4h0[on, sat]) == f2(l4h0[the, sat])  # "both send 0.99"
    assert_quoted(f2(l4h0[on, sat]), texts)
    question = quiz("attention", L7_QUIZ)
    assert the - sat == 2 and "two steps back" in question[0] and "zwei Schritte zurück" in question[1]
    assert_quoted(f2(l4h0[the, sat]), question)


def test_lesson_7_switching_off_l4h0_moves_the_prediction(tiny):
    """ "The chart below starts with layer 4, head 0 (L4H0) switched off; then pick a head whose pattern looks
    diffuse: a head that matters for this prompt moves the probabilities": zeroing L4H0 moves the next-token
    distribution after "mat" more than all but one other head."""
    from llama_edu import interventions

    model, tok = tiny
    ids = tok.encode(PROMPT)
    before = model(torch.tensor([ids]))[0, -1]
    L, H = model.cfg.n_layers, model.cfg.n_heads
    kl = torch.tensor([[interventions.compare_next_token(before, interventions.ablate_heads(model, ids, [(l, h)])[0, -1]
                                                         ).kl for h in range(H)] for l in range(L)])  # [L, H]
    assert int((kl > kl[4, 0]).sum()) <= 1 and kl[4, 0] > 10 * kl.median()
    english, german_text = step("attention", "Switch a head off")
    assert "starts with layer 4, head 0 (L4H0) switched off" in english
    assert "beginnt mit Schicht 4, Head 0 (L4H0) abgeschaltet" in german_text


def test_lesson_7_l4h4_finds_the_subject_on_the_probe_sentences(tiny):
    """On "The cat with the red hat ran down." L4H4 sends 0.80 from "ran" to "cat", five steps back, 0.09 to "hat"
    just before it; over the 32 probe sentences L4H4 (0.53) leads L4H7 (0.49) and L3H1 (0.43); on the garden
    sentence L4H4 looks from "sat" at "garden" (0.87), not at "cat"."""
    model, tok = tiny
    texts = step(*HEAD_WITH_A_JOB)
    english, german_text = texts
    probes = analysis.subject_verb_probes()
    red_hat = "The cat with the red hat ran down."
    assert (red_hat, "cat", "ran") in probes and (GARDEN, "cat", "sat") in probes
    assert f'type "{red_hat}" into the prompt box and pick layer 4, head 4' in english
    assert f"Tippe jetzt „{red_hat}“ ins Prompt-Feld und wähle Schicht 4, Head 4" in german_text
    _, _, cache = capture(tiny, red_hat)
    ran, cat, hat = at(tiny, red_hat, "ran"), at(tiny, red_hat, "cat"), at(tiny, red_hat, "hat")
    row = pattern(cache, 4)[4, ran]
    assert int(row.argmax()) == cat and ran - cat == 5 and ran - hat == 1  # the subject, not the previous token
    assert "five steps back" in english and "fünf Schritte zurück" in german_text
    assert_quoted(f2(row[cat]), texts)
    assert_quoted(f2(row[hat]), texts)
    subject = analysis.subject_of_verb(model, tok, probes)  # [L, H], over the 32 sentences that start "The <subject>"
    L, H = subject.shape
    ranked = sorted(((float(subject[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)[:3]
    assert [(l, h) for _, l, h in ranked] == [(4, 4), (4, 7), (3, 1)]
    assert f"Over {len(probes)} test sentences" in english and f"Über {len(probes)} solche Testsätze" in german_text
    (first, _, _), (second, _, _), (third, _, _) = ranked
    assert f"L4H4 sends the most from a verb to its subject ({f2(first)} on average), ahead of L4H7 ({f2(second)}) " \
           f"and L3H1 ({f2(third)})" in english
    assert f"L4H4 am meisten vom Verb zu seinem Subjekt (im Schnitt {german(f2(first))}), vor L4H7 " \
           f"({german(f2(second))}) und L3H1 ({german(f2(third))})" in german_text
    _, _, garden_cache = capture(tiny, GARDEN)
    row = pattern(garden_cache, 4)[4, at(tiny, GARDEN, "sat")]
    garden = at(tiny, GARDEN, "garden")
    assert int(row.argmax()) == garden and row[garden] > 5 * row[at(tiny, GARDEN, "cat")]  # "not at 'cat'"
    assert_quoted(f2(row[garden]), texts)


MOVED = "The girl saw that the dog from the big farm sang."  # lessons 7 and 13 quote this moved probe


def test_lesson_7_the_subject_moved_off_position_2(tiny):
    """In every one of the 32 probe sentences the subject is the first noun, at position 2. On the 16 moved probes
    ("The girl saw that the dog from the big farm sang.", subject at position 5, 6, 7 or 9) a head finds the subject
    only if it sends at least 0.2 more from the verb to the subject than to the first noun and than to the token
    just before the verb: L4H4 (0.31; 0.02 and 0.36), L3H1 (0.32; 0.27 before the verb) and L4H7 (0.24; 0.14 on
    the first noun) do not, L2H0 (0.29; 0.07 and 0.07) does, just."""
    model, tok = tiny
    texts = step(*HEAD_WITH_A_JOB)
    english, german_text = texts
    probes = analysis.subject_verb_probes()
    assert {analysis.word_token_positions(tok, s, noun)[1] for s, noun, _ in probes} == {2}
    assert "in all 32 the subject is the first noun, at position 2" in english
    assert "in allen 32 ist das Subjekt das erste Nomen, an Position 2" in german_text
    moved = analysis.moved_subject_probes()
    assert MOVED in [sentence for sentence, *_ in moved]
    places = [(analysis.word_token_positions(tok, s, subject)[1], analysis.word_token_positions(tok, s, first)[1])
              for s, subject, _, first in moved]  # (subject, first noun)
    assert all(first < subject for subject, first in places)  # another noun comes first
    where = sorted({subject for subject, _ in places})
    assert where == [5, 6, 7, 9]
    assert f"{len(moved)} sentences in which another noun comes first and the subject stands at position " \
           f"{', '.join(map(str, where[:-1]))} or {where[-1]}" in english
    assert f"{len(moved)} Sätze, in denen ein anderes Nomen zuerst kommt und das Subjekt an Position " \
           f"{', '.join(map(str, where[:-1]))} oder {where[-1]} steht" in german_text
    assert f'such as "{MOVED}"' in english and f"etwa „{MOVED}“" in german_text
    assert_quoted(f"{analysis.CONTROL_MARGIN:.1f}", texts)  # "we ask for 0.2 more"
    scores = analysis.subject_scores(model, tok)  # over the moved probes
    subject, first, before = scores["subject_of_verb"], scores["first_noun"], scores["token_before_verb"]
    finders = [(r.layer, r.head) for r in analysis.find_head_roles(scores) if r.role == "subject of the verb"]
    assert finders == [(2, 0)]  # "Only L2H0 passes"
    margin = analysis.CONTROL_MARGIN
    s44, f44, b44 = (f2(x[4, 4]) for x in (subject, first, before))
    assert subject[4, 4] - first[4, 4] >= margin > subject[4, 4] - before[4, 4]  # no position head, but ...
    assert f"L4H4 does not: {s44} to the subject and only {f44} to the first noun, so it is no position head, but " \
           f"{b44} to the token before the verb" in english
    assert f"L4H4 tut das nicht: {german(s44)} an das Subjekt und nur {german(f44)} an das erste Nomen, er ist also " \
           f"kein Positions-Head, aber {german(b44)} an das Token vor dem Verb" in german_text
    s31, b31 = f2(subject[3, 1]), f2(before[3, 1])
    s47, f47 = f2(subject[4, 7]), f2(first[4, 7])
    assert subject[3, 1] - before[3, 1] < margin and subject[4, 7] - first[4, 7] < margin
    assert f"Nor do L3H1 ({s31} to the subject, {b31} to the token before the verb) and L4H7 ({s47}, and {f47} to " \
           f"the first noun)" in english
    assert f"Ebenso wenig L3H1 ({german(s31)} an das Subjekt, {german(b31)} an das Token vor dem Verb) und L4H7 " \
           f"({german(s47)}, und {german(f47)} an das erste Nomen)" in german_text
    s20, f20, b20 = (f2(x[2, 0]) for x in (subject, first, before))
    assert f20 == b20 and subject[2, 0] - max(first[2, 0], before[2, 0]) < margin + 0.05  # "0.07 to each", "just"
    assert f"Only L2H0 passes, just: {s20} to the subject, {f20} to each of the others" in english
    assert f"Nur L2H0 besteht, knapp: {german(s20)} an das Subjekt, je {german(f20)} an die beiden anderen" \
        in german_text
    # L4H4 "splits its attention between the subject and the noun just before the verb", on both probe sets.
    templated = analysis.subject_scores(model, tok, [(s, noun, verb, noun) for s, noun, verb in probes])
    for split in (scores, templated):
        assert split["subject_of_verb"][4, 4] > 0.3 and split["token_before_verb"][4, 4] > 0.3


def test_lesson_7_short_prompts_park_more_than_half_on_the_first_token(tiny, default):
    """ "on "The cat sat on the mat" 21 of the 48 heads send more than half their attention to <s>" """
    model, _ = tiny
    _, _, cache = default
    sink = analysis.layer_head_measures(patterns(cache, model.cfg.n_layers))["first_token"]  # [L, H]
    count, L, H = int((sink > 0.5).sum()), *sink.shape
    english, german_text = step("attention", "Attention sinks")
    assert f"{count} of the {L * H} heads send more than half their attention" in english
    assert f"{count} der {L * H} Heads mehr als die Hälfte ihrer Aufmerksamkeit" in german_text


# ---- lesson 12: generation -------------------------------------------------------------------------------------------
def test_lesson_12_greedy_continuation_of_the_default_prompt(tiny):
    """Greedy decoding gives ". I fed it. I did not want to go to school, but I did it anyway. I did not want to have
    dinner, but I did it anyway. I did not want to have dinner, but I did it anyway. …" (the lesson quotes up to the
    fifth full stop): the last sentence comes twice in a row, the same with and without the KV cache."""
    model, tok = tiny
    ids = tok.encode(PROMPT)
    new = list(le.generate(model, ids, max_new_tokens=60, temperature=0.0))
    assert list(le.generate(model, ids, max_new_tokens=60, temperature=0.0, use_cache=False)) == new  # quiz: cache off
    continuation = tok.decode(ids[1:] + new)[len(PROMPT):]
    stops = [i for i, char in enumerate(continuation) if char == "."]
    quoted = continuation[:stops[4] + 1]
    english, german_text = step("generation", "One token per click")
    assert f'gives "{quoted} …"' in english
    assert f"ergibt „{quoted} …“" in german_text
    sentence = continuation[stops[3] + 2:stops[4] + 1]  # the fifth sentence, the same as the fourth
    assert continuation[stops[2] + 2:stops[3] + 1] == sentence == "I did not want to have dinner, but I did it anyway."
    english_quiz, german_quiz = quiz("generation", "Greedy decoding from")
    assert f'soon writes "{sentence}" twice in a row' in english_quiz
    assert f"schreibt bald zweimal hintereinander „{sentence}“" in german_quiz


def test_lesson_12_logit_lens_after_the(tiny, default):
    """After "the": "moon" (layers 0 to 3), "bus" (layer 4), and the last layer "roof" (0.21) with "floor" second."""
    model, tok = tiny
    ids, _, cache = default
    lens = logit_lens(model, cache, k=2)
    the = at(tiny, PROMPT, "the")
    top = [tok.pieces([int(i)])[0].removeprefix("▁") for i in lens.top_ids[1:, the, 0]]  # after layers 0..5
    assert lens.stages[1:] == [f"layer {i}" for i in range(6)]
    assert top[0] == top[1] == top[2] == top[3] and len({top[3], top[4], top[5]}) == 3
    second = tok.pieces([int(lens.top_ids[-1, the, 1])])[0].removeprefix("▁")
    probability = f2(lens.top_probs[-1, the, 0])
    english, german_text = step("generation", "The logit lens: watching the guess form")
    assert (f'"{top[0]}" after layers 0 to 3 and "{top[4]}" after layer 4, and only the last layer settles on '
            f'"{top[5]}" ({probability}), with "{second}" its second choice') in english
    assert f"„{top[0]}“ nach den Schichten 0 bis 3, „{top[4]}“ nach Schicht 4," in german_text
    assert f"„{top[5]}“ (Dach, {german(probability)})" in german_text  # the German gloss of "roof"
    assert f"„{second}“ als zweiter Wahl" in german_text
    # The lens after the last layer is the model's own output (REPORT.md: "roof" 0.209, "floor" 0.128).
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
    """After layer 0 "mat" keeps 0.56 of itself, after layer 5 0.02, and 0.78 comes from <s>; layer 5's raw attention
    from "mat" to <s> is "only" 0.46."""
    model, _ = tiny
    _, _, cache = default
    rollout = attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[:, 0]  # [L, T, T]
    mat = at(tiny, PROMPT, "mat")
    texts = step("attention-across-layers", "Rolling the layers out")
    assert_quoted(f2(rollout[0, mat, mat]), texts)
    assert_quoted(f2(rollout[-1, mat, mat]), texts)
    assert_quoted(f2(rollout[-1, mat, 0]), texts)
    raw_to_first = raw_attention(pattern(cache, model.cfg.n_layers - 1))[mat, 0]
    assert_quoted(f2(raw_to_first), texts)
    assert raw_to_first < rollout[-1, mat, 0]  # "only"
    assert_quoted(f2(rollout[-1, mat, 0]), step("attention-across-layers", "Why the first token wins"))


def test_lesson_13_uniform_attention_gives_the_first_token(tiny, default):
    """ "with uniform causal attention in every head of all 6 layers, the last of the 7 tokens ... 0.56 from <s>", less
    than the tiny model's rollout (0.78): the gap is what the heads add."""
    model, _ = tiny
    ids, _, cache = default
    uniform = uniform_rollout(len(ids), model.cfg.n_layers)[-1, -1, 0]
    assert uniform < attention_rollout(patterns_from_cache(cache, model.cfg.n_layers))[-1, 0, -1, 0]
    share = f2(uniform)
    texts = step("attention-across-layers", "Why the first token wins")
    assert f"all {model.cfg.n_layers} layers, the last of the {len(ids)} tokens" in texts[0]
    assert f"aller {model.cfg.n_layers} Schichten bekäme das letzte der {len(ids)} Tokens" in texts[1]
    assert_quoted(share, texts)
    question = quiz("attention-across-layers", "With uniform causal attention")
    assert_quoted(share, question)
    assert f"{len(ids)} tokens and {model.cfg.n_layers} layers" in question[0]


def test_lesson_13_head_measures_on_the_default_prompt(tiny, default):
    """Mean entropy 1.99 bits (layer 0) -> 0.65 (layer 5), not steadily: it climbs back from 0.72 (layer 2) to 0.84
    (layer 4); own-token share 0.23 -> 0.08; previous-token heads L2H0 0.55, L5H4 0.52, L3H0 0.51; the shortest mean
    distance of all 48 heads, 1.35, belongs to L5H1; the strongest sink, L3H6, puts 0.97 on <s> and still scores 0.18
    on the previous token, mostly from position 1."""
    model, _ = tiny
    _, _, cache = default
    measures = analysis.layer_head_measures(patterns(cache, model.cfg.n_layers))  # {measure: [L, H]}
    texts = step("attention-across-layers", "How heads change from layer to layer")
    entropy, own = measures["entropy"].mean(-1), measures["self_token"].mean(-1)  # [L]
    for value in (entropy[0], entropy[-1], own[0], own[-1]):
        assert_quoted(f2(value), texts)
    assert entropy[-1] < entropy[0] and own[-1] < own[0]  # both "fall"
    # "not steadily": the first run of layers where the entropy rises again, from its start to its top
    top = next(l for l in range(1, len(entropy)) if entropy[l] > entropy[l - 1])
    start = top - 1
    while top + 1 < len(entropy) and entropy[top + 1] > entropy[top]:
        top += 1
    assert f"climbs back from {f2(entropy[start])} in layer {start} to {f2(entropy[top])} in layer {top}" in texts[0]
    assert f"steigt wieder von {german(f2(entropy[start]))} in Schicht {start} auf " \
           f"{german(f2(entropy[top]))} in Schicht {top}" in texts[1]
    previous = measures["previous_token"]
    L, H = previous.shape
    ranked = sorted(((float(previous[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)[:3]
    assert f"are {', '.join(f'L{l}H{h} ({v:.2f})' for v, l, h in ranked[:2])} and " \
           f"L{ranked[2][1]}H{ranked[2][2]} ({ranked[2][0]:.2f})" in texts[0]
    assert f"sind {', '.join(f'L{l}H{h} ({german(f2(v))})' for v, l, h in ranked[:2])} und " \
           f"L{ranked[2][1]}H{ranked[2][2]} ({german(f2(ranked[2][0]))})" in texts[1]
    distance = measures["mean_distance"]
    shortest, l, h = min((float(distance[l, h]), l, h) for l in range(L) for h in range(H))
    assert f"shortest mean distance of all {L * H} heads, {f2(shortest)} tokens, belongs to L{l}H{h}." in texts[0]
    assert f"kürzesten mittleren Abstand aller {L * H} Heads, {german(f2(shortest))} Tokens, hat L{l}H{h}." \
           in texts[1]
    first = measures["first_token"]
    _, l, h = max((float(first[l, h]), l, h) for l in range(L) for h in range(H))  # the strongest sink
    assert f"L{l}H{h} puts {f2(first[l, h])} on `<s>` and still scores {f2(previous[l, h])} on the previous " \
           f"token" in texts[0]
    assert f"L{l}H{h} legt {german(f2(first[l, h]))} auf `<s>` und kommt trotzdem auf " \
           f"{german(f2(previous[l, h]))} beim vorherigen Token" in texts[1]
    # ... because at position 1 the previous token is <s>: more than half its score comes from there.
    assert pattern(cache, l)[h, 1, 0] / (pattern(cache, l).shape[-1] - 1) > previous[l, h] / 2


def test_lesson_13_subject_heads_on_the_moved_probe_sentences(tiny):
    """ "measured on 16 probe sentences in which another noun comes before the subject ...: L3H1 sends 0.32 of a
    verb's attention to its subject, L4H4 0.31 and L2H0 0.29. Only L2H0 sends clearly less elsewhere (0.07 to the
    first noun, 0.07 to the token before the verb); L4H4 sends more to the token before the verb (0.36)" """
    model, tok = tiny
    scores = analysis.subject_scores(model, tok)  # the page's last map is subject_of_verb on the same probes
    subject, first, before = scores["subject_of_verb"], scores["first_noun"], scores["token_before_verb"]
    torch.testing.assert_close(subject, analysis.subject_of_verb(model, tok))
    L, H = subject.shape
    ranked = sorted(((float(subject[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)[:3]
    assert [(l, h) for _, l, h in ranked] == [(3, 1), (4, 4), (2, 0)]
    (a, _, _), (b, _, _), (c, _, _) = ranked
    english, german_text = step("attention-across-layers", "How heads change from layer to layer")
    n = len(analysis.moved_subject_probes())
    assert f'measured on {n} probe sentences in which another noun comes before the subject, such as "{MOVED}"' \
        in english
    assert f"an {n} Testsätzen gemessen, in denen ein anderes Nomen vor dem Subjekt steht, etwa „{MOVED}“" \
        in german_text
    assert f"L3H1 sends {f2(a)} of a verb's attention to its subject, L4H4 {f2(b)} and L2H0 {f2(c)}" in english
    assert f"L3H1 schickt {german(f2(a))} der Attention eines Verbs an sein Subjekt, L4H4 {german(f2(b))} und " \
           f"L2H0 {german(f2(c))}" in german_text
    assert [(r.layer, r.head) for r in analysis.find_head_roles(scores)] == [(2, 0)]  # "Only L2H0"
    f20, b20, b44 = f2(first[2, 0]), f2(before[2, 0]), f2(before[4, 4])
    assert f"({f20} to the first noun, {b20} to the token before the verb)" in english
    assert f"({german(f20)} an das erste Nomen, {german(b20)} an das Token vor dem Verb)" in german_text
    assert before[4, 4] > subject[4, 4]  # "L4H4 sends more to the token before the verb"
    assert f"L4H4 sends more to the token before the verb ({b44})" in english
    assert f"L4H4 schickt mehr an das Token vor dem Verb ({german(b44)})" in german_text


# ---- lesson 14: the next-token objective ----------------------------------------------------------------------------
def test_lesson_14_next_token_probabilities(tiny, default):
    """p("▁the" after "▁on") 0.9999, p("▁The" after <s>) only 0.098, yet "▁The" is the top guess there, with "▁Once"
    (0.086) second."""
    _, tok = tiny
    ids, logits, _ = default
    scores = arch.score_next_tokens(logits, ids)  # what the app's next_token_objective shows
    on = at(tiny, PROMPT, "on")
    texts = step("llama-vs-gpt-bert-t5", "GPT and LLaMA: every position predicts the next token")
    assert tok.pieces([scores.targets[on]]) == ["▁the"] and tok.pieces([scores.targets[0]]) == ["▁The"]
    assert_quoted(f"{scores.probabilities[on]:.4f}", texts)
    assert_quoted(f"{scores.probabilities[0]:.3f}", texts)
    assert scores.top_ids[0] == scores.targets[0]  # "▁The" is the favourite after <s>
    assert '"▁The" is its top guess there' in texts[0] and "obwohl „▁The“ dort sein Favorit ist" in texts[1]
    probabilities, top = logits[0].float().softmax(-1).topk(2)
    assert tok.pieces([int(top[1])]) == ["▁Once"]
    assert f'"▁Once" ({probabilities[1]:.3f}) is close behind' in texts[0]
    assert f"„▁Once“ ({german(f'{probabilities[1]:.3f}')}) liegt knapp dahinter" in texts[1]


# ---- lesson 4: the residual stream grows -----------------------------------------------------------------------------
def test_lesson_4_the_residual_streams_rms_on_the_default_prompt(tiny, default):
    """ "from about 0.1 at the embedding to roughly 10 and more after the last layer, largest at <s>", and the last
    layer's inputs "about a hundred times larger than the first" """
    model, _ = tiny
    _, _, cache = default
    rms = lambda name: cache[name][0].float().pow(2).mean(-1).sqrt()
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
    """ln 4096 = 8.32 against a first batch of 8.39; 8.2 million tokens; validation loss 1.195, 2.32 after 200."""
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
    """100 of 2,000 warmup steps to 3e-3, ending at 3e-4; first gradient norm 7.6 (clipped at 1.0), about 0.32 at the
    end; 4,096 tokens per step, about 36 minutes on two CPU cores; about 170,000 times fewer tokens than 1.4
    trillion."""
    config = TrainConfig(**{k: v for k, v in training_log["config"].items() if k in TrainConfig.__dataclass_fields__})
    rates = [learning_rate(s, config) for s in range(config.steps)]
    assert [s["lr"] for s in training_log["steps"]] == pytest.approx(rates)  # the schedule the run followed
    schedule = step("training-recipe", "Warmup, then a cosine to 10%")
    exponent = lambda value: f"3\\times10^{{{round(math.log10(value / 3))}}}"
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
    seconds = sum(tokens_per_step / s["tokens_per_s"] for s in training_log["steps"])  # the time of the steps alone
    minutes = round(seconds / 60)
    cores = {"cpu, 2 threads": ("two CPU cores", "zwei CPU-Kernen")}[training_log["device"]]  # KeyError: new device
    assert f"trained in about {minutes} minutes on {cores[0]}" in clipping[0]
    assert f"auf {cores[1]} in etwa {minutes} Minuten fertig trainiert" in clipping[1]
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
def test_lessons_7_and_13_previous_token_heads_over_the_stories(tiny, story_measures):
    """Over 100 held-out texts L4H0 leads with 0.39, then L5H1 and L3H0 with 0.36 each (lesson 7 and its quiz;
    lesson 13 quotes the leader; lesson 8 names the leader's KV-group siblings)."""
    from llama_edu import interventions

    model, _ = tiny
    previous = story_measures["previous_token"]
    L, H = previous.shape
    ranked = sorted(((float(previous[l, h]), l, h) for l in range(L) for h in range(H)), reverse=True)
    (lead, l0, h0), second, third = ranked[:3]
    assert (l0, h0) == (4, 0) and {second[1:], third[1:]} == {(5, 1), (3, 0)}
    assert f2(second[0]) == f2(third[0]) == f2(previous[5, 1]) == f2(previous[3, 0])  # "0.36 each"
    english, german_text = step(*HEAD_WITH_A_JOB)
    assert f"L4H0 ({f2(lead)} of its attention on average), L5H1 and L3H0 ({f2(second[0])} each)" in english
    assert (f"L4H0 (im Schnitt {german(f2(lead))} seiner Aufmerksamkeit), L5H1 und L3H0 "
            f"(je {german(f2(second[0]))})") in german_text
    question = quiz("attention", L7_QUIZ)
    assert f"more than any other of the {L * H} heads (L5H1 and L3H0 follow with {f2(second[0])})" in question[0]
    assert f"der {L * H} Heads (danach folgen L5H1 und L3H0 mit {german(f2(second[0]))})" in question[1]
    assert_quoted(f2(lead), question)
    lesson_13 = step("attention-across-layers", "How heads change from layer to layer")
    assert_quoted(f2(lead), lesson_13)
    assert all(f"L{l0}H{h0}" in text for text in lesson_13)
    # Lesson 8: the leader and the other query heads that read the same key/value head.
    cfg = model.cfg
    siblings = [h for h in range(H) if h != h0 and interventions.kv_head_of(h, cfg.n_heads, cfg.n_kv_heads)
                == interventions.kv_head_of(h0, cfg.n_heads, cfg.n_kv_heads)]
    names = [f"L{l0}H{h}" for h in siblings]
    gqa = step("gqa", "Many heads, each with its own keys?")
    assert f"shares its keys and values with {', '.join(names[:-1])} and {names[-1]}" in gqa[0]
    assert f"teilt seine Keys und Values mit {', '.join(names[:-1])} und {names[-1]}" in gqa[1]
    assert all(text.count(f"L{l0}H{h0}") == 1 for text in gqa)


@pytest.mark.slow
def test_lesson_7_sinks_over_the_held_out_texts(tiny, validation_stories, story_measures):
    """ "the tiny model's strongest sink, L2H6, puts 0.36 of its attention there on average, and each head of layer
    1 about 0.3, where evenly spread attention would give 0.09" """
    from llama_edu import interventions

    model, tok = tiny
    sink = story_measures["first_token"]  # [L, H]
    texts = step("attention", "Attention sinks")
    layer, head = divmod(int(sink.argmax()), sink.shape[1])
    assert (layer, head) == (2, 6)
    assert "strongest sink, L2H6," in texts[0] and "Sink des Mini-Modells, L2H6," in texts[1]
    assert_quoted(f2(sink.max()), texts)
    assert {round(float(v), 1) for v in sink[1]} == {0.3}
    assert_quoted("0.3", texts)
    # measure_heads averages each text's mean over its positions; so does the even spread, text by text.
    lengths = [min(len(tok.encode(text)), model.cfg.max_seq_len) for text in validation_stories[:100]]
    even = sum(interventions.uniform_first_token_share(n) for n in lengths) / len(lengths)
    assert_quoted(f2(even), texts)


@pytest.mark.slow
def test_lesson_13_entropy_and_own_token_share_over_the_stories(story_measures):
    """Entropy 4.03 -> 1.54 bits from layer 0 to layer 5, falling from each layer to the next; own-token share 0.08 ->
    0.05; "another head leads as previous-token head: L4H0 (0.39)" (its number is also checked with lesson 7's)."""
    texts = step("attention-across-layers", "How heads change from layer to layer")
    entropy, own = story_measures["entropy"].mean(-1), story_measures["self_token"].mean(-1)
    for value in (entropy[0], entropy[-1], own[0], own[-1]):
        assert_quoted(f2(value), texts)
    assert all(entropy[l] < entropy[l - 1] for l in range(1, len(entropy)))  # "from each layer to the next"
    assert own[-1] < own[0]  # "falls"
    previous = story_measures["previous_token"]
    layer, head = divmod(int(previous.argmax()), previous.shape[1])
    assert f"leads as previous-token head: L{layer}H{head} ({f2(previous[layer, head])})" in texts[0]
    assert f"als Previous-Token-Head vorn: L{layer}H{head} ({german(f2(previous[layer, head]))})" in texts[1]


@pytest.mark.slow
def test_lesson_11_bits_per_character_on_held_out_stories(tiny, validation_stories):
    """0.403 bits per character on the first 400 validation texts, as REPORT.md measured it."""
    from llama_edu.evaluate import bits_per_character

    model, tok = tiny
    assert len(validation_stories) >= 400
    bits = bits_per_character(model, tok, validation_stories[:400])
    texts = step("training-recipe", "The loss, from guessing to knowing")
    assert_quoted(f"{bits:.3f}", texts)
    assert "400 held-out texts" in texts[0] and "auf 400 Texten" in texts[1]
