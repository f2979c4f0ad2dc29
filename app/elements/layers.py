"""Elements of attention across layers: the rollout layer by layer beside a layer's raw attention, where one
position's content comes from after each layer, and every head's measures as small multiples with its role.

Everything is computed from the prompt's hook_pattern capture (`cur.capture(PATTERNS)`); the words come from
llama_edu/strings/layers.yaml in the session's language.
"""

import streamlit as st

from app.common import Markdown, lang, notice, say, show_figure, token_window
from app.elements import element
from llama_edu import analysis, interventions, rollout
from llama_edu.viz import layers as viz
from llama_edu.viz.labels import token_labels

# What these elements read from a run (Current.capture): every layer's attention pattern.
PATTERNS = r"attention\.hook_pattern$"


def prompt_rollout(cur):
    """(rollout [L, T, T], patterns L x [H, T, T]) of the prompt, float32 on the CPU; kept per prompt."""
    def compute():
        _, cache = cur.capture(PATTERNS)
        patterns = interventions.layer_patterns(cache, cur.model.cfg.n_layers)
        return rollout.attention_rollout(patterns), patterns

    return cur.cached("rollout", compute=compute)


def _subject_scores(cur):
    """Attention from verb to subject on the probe sentences whose subject is not the first noun, per layer and
    head, with its two controls (first noun, token before the verb: analysis.subject_scores; one run of 16 sentences
    per model, shared by every student); None if the tokenizer cannot place the probe words."""
    def measure():
        try:
            return cur.run(analysis.subject_scores, cur.model, cur.tok)
        except ValueError:
            return None

    return cur.cached("subject_scores", compute=measure, per_prompt=False)


@element("attention_rollout")
def attention_rollout(cur, key: str) -> None:
    """The rollout after a chosen layer (slider) beside one layer's raw attention (mean over heads or one head)."""
    cfg = cur.model.cfg
    lang_ = lang()
    labels = token_labels(cur.pieces)
    rolled, patterns = prompt_rollout(cur)
    # Both pickers open on the last layer, and the raw map on the mean over its heads: the page's point is how far
    # the rollout through every layer is from what the last layer alone shows, not one head's job (the head
    # pickers of the Attention page open on a head with a job).
    layer = st.slider(say("layers.page.rollout_layer"), 0, cfg.n_layers - 1, cfg.n_layers - 1, key=f"{key}_layer")
    left, right = st.columns(2)
    raw_layer = left.selectbox(say("layers.page.raw_layer"), range(cfg.n_layers), index=cfg.n_layers - 1,
                               key=f"{key}_raw_layer")
    # Labels looked up now, not in format_func: AppTest formats the options outside the script run.
    heads = {None: say("layers.page.mean_over_heads", n_heads=cfg.n_heads)} | {
        h: say("layers.page.head_option", head=h) for h in range(cfg.n_heads)}
    head = right.selectbox(say("layers.page.raw_head"), list(heads), key=f"{key}_raw_head", format_func=heads.get)
    which = (say("layers.page.raw_which_mean", layer=raw_layer, n_heads=cfg.n_heads) if head is None
             else say("layers.page.raw_which_head", layer=raw_layer, head=head))
    raw = rollout.raw_attention(patterns[raw_layer], head)  # [T, T]
    w = token_window(cur, f"{key}_rollout")  # both maps computed over every token, then the window's rows and columns
    show_figure(viz.rollout_figure(rolled[:, w, w], raw[w, w], labels[w], layer, which, lang=lang_),
                key=f"{key}_rollout")
    st.caption(say("layers.page.rollout_caption"))
    if w.start > 0:
        st.caption(say("app.common.window_earlier_keys", first=w.start))


@element("rollout_flow")
def rollout_flow(cur, key: str) -> None:
    """For one position (default: the last), its rollout row after every layer, and the first token's share
    against what uniform attention would give."""
    cfg = cur.model.cfg
    lang_ = lang()
    labels = token_labels(cur.pieces)
    T = len(labels)
    rolled, _ = prompt_rollout(cur)
    options = {i: cur.pieces[i] for i in range(T)}
    query = st.selectbox(say("layers.page.flow_query"), list(options), index=T - 1, key=f"{key}_query",
                         format_func=lambda i: f"{i}: {options[i]}")
    keys = token_window(cur, f"{key}_flow", n_tokens=query + 1, at_end=True)  # its keys: 0..query
    show_figure(viz.rollout_flow_figure(rolled, labels, query, keys=keys, lang=lang_), key=f"{key}_flow")
    uniform = rollout.uniform_rollout(T, cfg.n_layers)
    show_figure(viz.first_token_flow_figure(rolled, uniform, query, lang=lang_), key=f"{key}_first")
    st.caption(say("layers.page.first_caption", token=cur.pieces[query], model=float(rolled[-1, query, 0]),
                    uniform=float(uniform[-1, query, 0]), n_layers=cfg.n_layers))


@element("head_measures_grid")
def head_measures_grid(cur, key: str) -> None:
    """Entropy, distance, first / previous / own token share per layer and head on the prompt, and verb ->
    subject on the probe sentences, with the heads find_head_roles names circled."""
    cfg = cur.model.cfg
    T = len(cur.ids)
    if T < 2:
        st.caption(say("layers.page.grid_too_short"))
        return
    _, cache = cur.capture(PATTERNS)
    measures = analysis.layer_head_measures(interventions.layer_patterns(cache, cfg.n_layers))  # {m: [L, H]}
    subject = _subject_scores(cur)
    if subject is not None:
        measures |= subject  # the controls too: find_head_roles names a subject head only if it beats them
    roles = analysis.find_head_roles(measures)
    show_figure(viz.measures_grid(measures, T, roles, lang=lang()), key=f"{key}_grid")
    found = Markdown(", ".join(say("layers.page.role_item", layer=r.layer, head=r.head, score=r.score,
                                    role=say(f"layers.role.{analysis.ROLE_MEASURES[r.role]}")) for r in roles))
    st.caption(say("layers.page.grid_caption", roles=found or say("layers.page.no_roles")))


@element("rollout_notice")
def rollout_notice(cur, key: str) -> None:
    """The page's "what to notice": how much of the last position the rollout gives `<s>`, against uniform attention."""
    rolled, _ = prompt_rollout(cur)
    uniform = rollout.uniform_rollout(len(cur.ids), cur.model.cfg.n_layers)
    notice(say("layers.page.notice", model=float(rolled[-1, -1, 0]), uniform=float(uniform[-1, -1, 0]),
               n_layers=cur.model.cfg.n_layers))
