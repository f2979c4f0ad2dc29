"""Evaluation elements: a multiple-choice item scored by likelihood (its options' tokens, the three rules), a small
benchmark zero-shot and few-shot, the prompt's perplexity token by token, one bits-per-character figure seen through
different tokenizers, and contamination (the model card's three test sets; a copy of the tiny model that has read
half of the benchmark's answers).

The scores run the loaded model (any LLaMA reads the benchmark's simple English); the contaminated copy is always the
shipped tiny model, fine-tuned on the CPU (app/elements/fine_tuning.py). Widget and chart keys start with `key`.
"""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from app.elements.fine_tuning import tiny_model
from llama_edu import fine_tune, likelihood
from llama_edu.evaluate import read_model_card
from llama_edu.likelihood import ITEMS, SHOTS
from llama_edu.viz import evaluation as viz

LENGTH_ITEM = 2  # "The frog sat on the": the rules disagree


def _item_label(i: int) -> str:
    return f"{ITEMS[i].question} …"


def _choice(cur, key: str, opens_on: int) -> None:
    c1, c2 = st.columns([3, 1])
    index = c1.selectbox(say("evaluation.choice.item"), range(len(ITEMS)), index=opens_on, format_func=_item_label,
                         key=f"{key}_item")
    shots = c2.select_slider(say("evaluation.choice.shots"), list(range(len(SHOTS) + 1)), value=0, key=f"{key}_shots")
    item = ITEMS[index]
    scores = cur.cached("choice_scores", index, shots, per_prompt=False,
                        compute=lambda: cur.run(likelihood.score_options, cur.model, cur.tok, item, SHOTS[:shots]))
    show_figure(viz.option_scores_figure(scores, item.answer, lang=lang()), key=f"{key}_scores")
    picks = {rule: scores[likelihood.choice(scores, rule)].text.strip() for rule in likelihood.RULES}
    st.markdown(say("evaluation.choice.picks", right=item.options[item.answer].strip(), **picks))
    st.caption(say("evaluation.choice.prompt", prompt=likelihood.few_shot_prompt(item.question, SHOTS[:shots])))


@element("choice_scores")
def choice_scores(cur, key: str) -> None:
    """One item of likelihood.ITEMS (the first unless picked): each option's tokens and log-probabilities after
    the question, and the option each rule picks."""
    _choice(cur, key, 0)


@element("choice_lengths")
def choice_lengths(cur, key: str) -> None:
    """The same, opening on the item where a long right answer loses on its total and wins per token."""
    _choice(cur, key, LENGTH_ITEM)


@element("choice_benchmark")
def choice_benchmark(cur, key: str) -> None:
    """Every item zero-shot and with every solved example of likelihood.SHOTS before it, under every rule."""
    results = cur.cached("choice_benchmark", per_prompt=False, compute=lambda: [
        cur.run(likelihood.run_benchmark, cur.model, cur.tok, ITEMS, SHOTS[:n]) for n in (0, len(SHOTS))])
    show_figure(viz.benchmark_figure(ITEMS, results, lang=lang()), key=f"{key}_benchmark")
    st.caption(say("evaluation.benchmark.caption", shots=" ".join(shot.solved() for shot in SHOTS), n=len(ITEMS)))


@element("prompt_surprise")
def prompt_surprise(cur, key: str) -> None:
    """The prompt's tokens, each with its loss given the ones before it (from the logits already computed for the
    prompt), the mean, the perplexity and bits per character."""
    if len(cur.ids) < 2:
        st.info(say("evaluation.surprise.too_short"))
        return
    surprise = likelihood.surprise_from_logits(cur.tok, cur.ids, cur.logits()[0])
    show_figure(viz.token_losses_figure(surprise, lang=lang()), key=f"{key}_losses")
    st.markdown(say("evaluation.surprise.summary", tokens=len(surprise.losses), nats=surprise.total_nats,
                    mean=surprise.mean_loss, perplexity=surprise.perplexity, characters=surprise.n_characters,
                    bpc=surprise.bits_per_character))


@element("perplexity_per_character")
def perplexity_per_character(cur, key: str) -> None:
    """The prompt's bits per character as the per-token perplexity it would read as under this tokenizer, LLaMA 1
    and 2's (3.17 characters per token), Llama 3's (3.94) and one character per token."""
    if len(cur.ids) < 2:
        st.info(say("evaluation.surprise.too_short"))
        return
    surprise = likelihood.surprise_from_logits(cur.tok, cur.ids, cur.logits()[0])
    tokenizers = {plain("evaluation.tokenizers.this", cpt=surprise.characters_per_token): surprise.characters_per_token,
                  plain("evaluation.tokenizers.llama2"): likelihood.LLAMA2_CHARACTERS_PER_TOKEN,
                  plain("evaluation.tokenizers.llama3"): likelihood.LLAMA3_CHARACTERS_PER_TOKEN,
                  plain("evaluation.tokenizers.characters"): 1.0}
    show_figure(viz.tokenizer_perplexity_figure(surprise.bits_per_character, tokenizers, lang=lang()),
                key=f"{key}_tokenizers")
    st.caption(say("evaluation.tokenizers.caption", bpc=surprise.bits_per_character))


def _leaked_and_clean():
    leaked, clean = ITEMS[0::2], ITEMS[1::2]
    return leaked, clean


@st.cache_resource(show_spinner=False)
def _contaminated() -> dict:
    """The shipped tiny model's benchmark picks before and after it was fine-tuned on the leaked half's answers:
    computed once per server (a second on the CPU), the same for every student."""
    model, tok = tiny_model()
    leaked, clean = _leaked_and_clean()
    run = fine_tune.fine_tuned_copy(model, tok, [item.solved() for item in leaked])
    out = {}
    for half, items in (("leaked", leaked), ("clean", clean)):
        out[half] = (likelihood.run_benchmark(model, tok, items).right("total", items),
                     likelihood.run_benchmark(run.model, tok, items).right("total", items))
    return out


@element("contamination")
def contamination(cur, key: str) -> None:
    """The model card's bits per character on held-out stories and on the two sets of everyday sentences, then a
    copy of the tiny model that has read the answers of half the benchmark: its scores on that half and the other."""
    card = read_model_card(le.TINY_MODEL_DIR)
    if card is not None:
        show_figure(viz.heldout_figure(card, lang=lang()), key=f"{key}_heldout")
    with st.spinner(say("evaluation.leak.running")):
        scores = _contaminated()
    leaked, clean = _leaked_and_clean()
    n_each = {"leaked": len(leaked), "clean": len(clean)}
    show_figure(viz.leak_figure({h: s[0] for h, s in scores.items()}, {h: s[1] for h, s in scores.items()}, n_each,
                                lang=lang()), key=f"{key}_leak")
    st.caption(say("evaluation.leak.caption", leaked=" / ".join(item.solved() for item in leaked),
                   steps=fine_tune.FINE_TUNE_STEPS, before=sum(s[0] for s in scores.values()),
                   after=sum(s[1] for s in scores.values()), n=len(ITEMS)))
