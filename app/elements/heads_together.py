"""Elements of the heads together: wo cut into one block of columns per head, what each head writes into the residual
stream at the prompt's last token and that the writes add up to the attention output, their lengths, what silencing a
head removes, and length against effect.

Each draws from the student's prompt and the model's own hooks (`cur.capture(head_writes.HOOKS)`: every layer's
hook_z and hook_out, computed once per prompt); every widget and chart key starts with the element's `key`.
"""

import streamlit as st

from app.common import ablations_affordable, lang, open_pickers, plain, say, show_figure
from app.elements import element
from llama_edu import head_writes
from llama_edu.viz import head_writes as viz
from llama_edu.viz.labels import token_labels

SHOWN_WIDTH = viz.MOST_CELLS  # a wider model's heatmaps show every k-th dimension (the caption says so)


def _capture(cur):
    return cur.capture(head_writes.HOOKS)  # (logits [1, T, V], {hook_z, hook_out of every layer})


def _longest_writer(cur) -> tuple[int, int]:
    """(last layer, its head that writes the longest vector at the last token): where the pickers open unless a
    lesson step names a head."""
    layer = cur.model.cfg.n_layers - 1
    _, cache = _capture(cur)
    return layer, int(head_writes.head_writes_at(cur.model, cache, layer).norm(dim=-1).argmax())


def _pickers(cur, key: str) -> tuple[int, int]:
    """Layer and head pickers side by side (keys f"{key}_layer", f"{key}_head")."""
    cfg = cur.model.cfg
    open_pickers(key, _longest_writer(cur), cfg.n_layers, cfg.n_heads)
    left, right = st.columns(2)
    layer = left.selectbox(say("app.common.layer"), range(cfg.n_layers), key=f"{key}_layer")
    head = right.selectbox(say("app.common.head"), range(cfg.n_heads), key=f"{key}_head")
    return layer, head


def _last_token(cur) -> str:
    return token_labels(cur.pieces)[-1]  # "6:▁mat", escaped for a plotly title


def _width_note(cur) -> None:
    if cur.model.cfg.dim > SHOWN_WIDTH:
        st.caption(say("heads_together.every_kth", d=cur.model.cfg.dim, shown=SHOWN_WIDTH))


@element("wo_blocks")
def wo_blocks(cur, key: str) -> None:
    """A layer's wo as a heatmap, the chosen head's block of head_dim columns framed."""
    cfg = cur.model.cfg
    layer, head = _pickers(cur, key)
    title = plain("heads_together.wo_title", layer=layer, head=head, first=head * cfg.head_dim,
                  last=(head + 1) * cfg.head_dim - 1)
    fig = cur.figure("wo_blocks", layer, head, draw=lambda: viz.wo_blocks_figure(
        cur.model.layers[layer].attention.wo.weight, cfg.n_heads, head, title, lang=lang()))
    show_figure(fig, key=f"{key}_wo", ready=True)
    st.caption(say("heads_together.wo_caption", d=cfg.dim, width=cfg.n_heads * cfg.head_dim,
                   n_heads=cfg.n_heads, hd=cfg.head_dim))
    _width_note(cur)


@element("head_write_sum")
def head_write_sum(cur, key: str) -> None:
    """Each head's vector at the last token, their sum, and the model's own hook_out: the last two rows agree."""
    _, cache = _capture(cur)
    layer, head = _pickers(cur, key)
    writes = head_writes.head_writes_at(cur.model, cache, layer)  # [H, D] at the last token
    out = cache[f"layers.{layer}.attention.hook_out"][0, -1].float()  # [D]
    title = plain("heads_together.sum_title", layer=layer, head=head, token=_last_token(cur))
    fig = cur.figure("head_write_sum", layer, head, draw=lambda: viz.head_writes_figure(
        writes, out, head, title, lang=lang()))
    show_figure(fig, key=f"{key}_sum", ready=True)
    st.caption(say("heads_together.sum_caption", n_heads=cur.model.cfg.n_heads,
                   gap=float((writes.sum(0) - out).abs().max()), largest=float(out.abs().max())))
    _width_note(cur)


@element("head_write_norms")
def head_write_norms(cur, key: str) -> None:
    """The length of each head's vector at the last token, their lengths added up and the length of their sum."""
    _, cache = _capture(cur)
    layer, head = _pickers(cur, key)
    norms = head_writes.head_writes_at(cur.model, cache, layer).norm(dim=-1)  # [H] at the last token
    sum_norm = float(cache[f"layers.{layer}.attention.hook_out"][0, -1].float().norm())
    title = plain("heads_together.norms_title", layer=layer, head=head, token=_last_token(cur))
    fig = cur.figure("head_write_norms", layer, head, draw=lambda: viz.write_norms_figure(
        norms, sum_norm, head, title, lang=lang()))
    show_figure(fig, key=f"{key}_norms", ready=True)
    st.caption(say("heads_together.norms_caption", lengths=float(norms.sum()), length=sum_norm))


@element("head_ablation_check")
def head_ablation_check(cur, key: str) -> None:
    """Silence one head with interventions.ablate_heads: what leaves the attention output at the last token, dimension
    by dimension, against what the head wrote there."""
    logits, cache = _capture(cur)
    layer, head = _pickers(cur, key)
    check = cur.cached("head_ablation_check", layer, head, compute=lambda: cur.run(
        head_writes.ablation_check, cur.model, cur.ids, logits, cache, layer, head))
    title = plain("heads_together.check_title", layer=layer, head=head, token=_last_token(cur))
    fig = cur.figure("head_ablation_check", layer, head, draw=lambda: viz.ablation_check_figure(
        check.write, check.removed, title, lang=lang()))
    show_figure(fig, key=f"{key}_check", ready=True)
    st.caption(say("heads_together.check_caption", length=check.norm, gap=check.largest_difference,
                   kl=check.kl_bits))


@element("head_write_vs_effect")
def head_write_vs_effect(cur, key: str) -> None:
    """Every head: the length of its vector at the last token against how far silencing it moves the prediction."""
    cfg = cur.model.cfg
    _capture(cur)  # the pickers open on a head of this capture
    layer, head = _pickers(cur, key)
    most = ablations_affordable(cur.model)
    effects = cur.cached("head_effects", most, compute=lambda: cur.run(
        head_writes.head_effects, cur.model, cur.ids, max_ablations=most))
    title = plain("heads_together.effect_title", layer=layer, head=head, token=_last_token(cur))
    fig = cur.figure("head_write_vs_effect", layer, head, most, draw=lambda: viz.write_vs_effect_figure(
        effects.norms, effects.kl_bits, (layer, head), title, lang=lang()))
    show_figure(fig, key=f"{key}_effect", ready=True)
    total = cfg.n_layers * cfg.n_heads
    st.caption(say("heads_together.effect_caption" if most >= total else "heads_together.effect_caption_some",
                   n=min(most, total), total=total))
