"""Long-context elements: the turns each RoPE pair makes within the trained context and a longer one, each scaling
method's frequencies against plain RoPE's, and the loaded model's own loss past its context under each method."""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from llama_edu import long_context as lc
from llama_edu.model import rope_frequencies
from llama_edu.viz import long_context as viz

FACTORS = [2, 4, 8, 16]
THIS_MODEL = "__this_model__"
# The loss experiment runs the loaded model over `factor` times its context, four rows at once, once per method: the
# tiny model's 4 x 1,024 tokens take a few seconds on a CPU; a 7B at 4 x 8,192 would take minutes and gigabytes.
MAX_EXPERIMENT_TOKENS = 1024
MAX_EXPERIMENT_PARAMETERS = 50_000_000


def _model_picker(cur, key: str, where) -> tuple[str, le.ModelConfig]:
    options = [THIS_MODEL, *le.PRESETS]
    this = plain("long_context.this_model", name=cur.model.cfg.name)
    name = where.selectbox(say("long_context.model"), options, key=key,
                           format_func=lambda n: this if n == THIS_MODEL else n)
    return (cur.model.cfg.name, cur.model.cfg) if name == THIS_MODEL else (name, le.PRESETS[name])


def original_context(cfg: le.ModelConfig) -> int:
    """The context a model was pre-trained on: Llama 3.1's 8,192 before its RoPE rescaling, else max_seq_len."""
    if cfg.rope_scaling:
        return int(cfg.rope_scaling["original_max_position_embeddings"])
    return cfg.max_seq_len


def _factor(cfg: le.ModelConfig, key: str, where) -> int:
    """The context extension s: a model that already rescales its RoPE (Llama 3.1) opens on its own factor."""
    default = int(cfg.rope_scaling["factor"]) if cfg.rope_scaling and cfg.rope_scaling["factor"] in FACTORS else 4
    return where.select_slider(say("long_context.factor"), FACTORS, value=default, key=key)


@element("context_turns")
def context_turns(cur, key: str) -> None:
    """Turns of every pair within the trained context and within s times it: the pairs that never completed a turn
    in training meet new angles past it."""
    c1, c2 = st.columns([3, 2])
    name, cfg = _model_picker(cur, f"{key}_model", c1)
    factor = _factor(cfg, f"{key}_factor_{name}", c2)  # each model opens on its own s
    trained = original_context(cfg)
    freqs = rope_frequencies(cfg.head_dim, cfg.rope_theta)  # plain RoPE: what pre-training used
    show_figure(viz.turns_figure(freqs, trained, factor * trained, lang=lang()), key=f"{key}_turns")
    beyond = lc.pairs_beyond_training(freqs, freqs, trained, factor * trained)
    slowest = float(freqs[-1])
    st.caption(say("long_context.turns.caption", name=name, pairs=len(freqs), trained=trained, beyond=len(beyond),
                   first=beyond[0] if beyond else len(freqs), angle=trained * slowest,
                   degrees=trained * slowest * 57.29577951308232, target=factor * trained,
                   target_angle=factor * trained * slowest))


@element("context_frequencies")
def context_frequencies(cur, key: str) -> None:
    """θ'/θ and the wavelength of every pair under each method, for a chosen model and extension factor."""
    c1, c2 = st.columns([3, 2])
    name, cfg = _model_picker(cur, f"{key}_model", c1)
    factor = _factor(cfg, f"{key}_factor_{name}", c2)  # each model opens on its own s
    labels = {m: plain(f"long_context.method.{m}") for m in lc.METHODS}
    methods = st.multiselect(say("long_context.methods"), list(lc.METHODS), default=list(lc.METHODS),
                             format_func=labels.get, key=f"{key}_methods")
    if not methods:
        st.info(say("long_context.pick_method"))
        return
    trained = original_context(cfg)
    plain_freqs = rope_frequencies(cfg.head_dim, cfg.rope_theta)
    scaled = {m: lc.scaled_frequencies(m, cfg.head_dim, cfg.rope_theta, factor, trained) for m in methods}
    contexts = {plain("long_context.trained"): trained, plain("long_context.target", factor=factor): factor * trained}
    show_figure(viz.frequencies_figure(plain_freqs, scaled, contexts, lang=lang()), key=f"{key}_frequencies")
    beyond = "; ".join(plain("long_context.freq.beyond_one", method=labels[m],
                             n=len(lc.pairs_beyond_training(plain_freqs, f, trained, factor * trained)))
                       for m, f in scaled.items())
    st.caption(say("long_context.freq.caption", name=name, hd=cfg.head_dim, theta=cfg.rope_theta, trained=trained,
                   target=factor * trained, pairs=cfg.head_dim // 2, beyond=beyond,
                   temperature=lc.yarn_attention_factor(factor)))


@element("context_loss")
def context_loss(cur, key: str) -> None:
    """The loaded model, not fine-tuned, over s times its context under each method: mean loss per band of its
    context length. Only for small models (the tiny model): the run is s times its context, four rows."""
    cfg = cur.model.cfg
    if cfg.rope_scaling or le.count_parameters(cfg) > MAX_EXPERIMENT_PARAMETERS \
            or 2 * cfg.max_seq_len > MAX_EXPERIMENT_TOKENS:
        st.info(say("long_context.loss.too_large", tokens=MAX_EXPERIMENT_TOKENS))
        return
    largest = max(f for f in FACTORS if f * cfg.max_seq_len <= MAX_EXPERIMENT_TOKENS)
    factor = st.select_slider(say("long_context.factor"), [f for f in FACTORS if f <= largest],
                              value=min(4, largest), key=f"{key}_factor")
    with st.spinner(say("long_context.loss.spinner", tokens=factor * cfg.max_seq_len)):
        losses = cur.cached("past_the_context", factor, per_prompt=False,
                            compute=lambda: cur.run(lc.past_the_context, cur.model, cur.tok, factor))
    show_figure(viz.loss_bands_figure(losses, cfg.max_seq_len, lang=lang()), key=f"{key}_loss")
    st.caption(say("long_context.loss.caption", trained=cfg.max_seq_len, target=factor * cfg.max_seq_len,
                   rows=lc.EXPERIMENT_ROWS, plain_first=losses["plain"][0], plain_last=losses["plain"][-1],
                   pi_first=losses["pi"][0], llama3_last=losses["llama3"][-1]))
