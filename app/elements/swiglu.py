"""Live elements for SwiGLU: the hidden units of one token in one layer, and the activation functions.

activation_curves drawn after swiglu_units with the same key (on a page) puts the gates of the layer and token
chosen there on the SiLU curve; drawn alone, it shows those of the last token in layer 0.
"""

from __future__ import annotations

import streamlit as st

from app.common import lang, plain, say, show_figure
from app.elements import element
from llama_edu import ffn
from llama_edu.viz import ffn as viz
from llama_edu.viz.labels import position_labels


def _layer_hooks(layer: int) -> str:
    """Current.capture's hooks for one layer's feed-forward (4 x 5.6 MB for a 7B at 64 tokens; every layer would be
    180 MB): another layer is another run."""
    return rf"^layers\.{layer}\.feed_forward\.hook_(gate|act|up|hidden)$"


def _choice_state(key: str) -> str:
    return f"_{key}_unit_choice"


def _chosen_on_this_screen(cur, key: str) -> tuple[int, int] | None:
    """(layer, position) chosen by swiglu_units with this key earlier in this same run, else None.

    Stored with this run's `cur` (a new object on every run), so a choice from an earlier run is never reused.
    """
    stored = st.session_state.get(_choice_state(key))
    return stored[1] if stored is not None and stored[0] is cur else None


@element("swiglu_units")
def swiglu_units(cur, key: str) -> None:
    """gate, silu(gate), up and their product for every hidden unit of a chosen layer and token; how many pass."""
    labels = position_labels(cur.pieces)
    layer_col, token_col, sort_col = st.columns(3)
    layer = layer_col.selectbox(say("app.common.layer"), range(cur.model.cfg.n_layers), key=f"{key}_layer")
    position = token_col.selectbox(say("app.common.token"), range(len(labels)), index=len(labels) - 1, key=f"{key}_token",
                                   format_func=lambda p: labels[p])
    orders = {order: viz.sort_order_name(order, lang=lang()) for order in ffn.SORT_ORDERS}  # looked up now, for AppTest
    sort_by = sort_col.radio(say("app.swiglu.sort_by"), list(orders), key=f"{key}_sort", horizontal=True,
                             format_func=orders.get)
    st.session_state[_choice_state(key)] = (cur, (layer, position))
    _, cache = cur.capture(_layer_hooks(layer))
    gate, act, up, hidden = ffn.ffn_capture(cache, layer, position)  # each [F]
    title = plain("app.swiglu.units_title", layer=layer, token=labels[position], n=gate.numel())
    show_figure(viz.swiglu_units_figure(gate, act, up, hidden, sort_by, title, lang=lang()), key=f"{key}_units")

    st.markdown(say("app.swiglu.how_many"))
    threshold = st.slider(say("app.swiglu.threshold"), 0.01, 0.5, 0.05, 0.01, key=f"{key}_threshold")
    summary = ffn.gate_summary(act, threshold)
    small_col, large_col, negative_col = st.columns(3)
    small_col.metric(say("app.swiglu.switched_off"), f"{summary['small']} / {summary['units']}")
    large_col.metric(say("app.swiglu.passing"), f"{summary['large']} / {summary['units']}")
    negative_col.metric(say("app.swiglu.negative"), f"{summary['negative']} / {summary['units']}",
                        help=say("app.swiglu.most_negative", value=summary["most negative"]))


@element("activation_curves")
def activation_curves(cur, key: str) -> None:
    """SiLU (Swish), ReLU and GELU on one axis, with one token's real gate values as dots on the SiLU curve."""
    layer, position = _chosen_on_this_screen(cur, key) or (0, len(cur.ids) - 1)
    _, cache = cur.capture(_layer_hooks(layer))
    gate = ffn.ffn_capture(cache, layer, position)[0]  # [F]
    show_figure(viz.activation_curves_figure(gate, lang=lang()), key=f"{key}_curves")
    st.caption(say("app.swiglu.curves_caption", n=gate.numel(), token=position_labels(cur.pieces)[position], layer=layer))
