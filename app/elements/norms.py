"""Live elements for RMSNorm: one real vector through a norm, the shift/scale comparison, the residual stream's RMS.

norm_vector's pickers choose a norm and a token. The elements drawn after it on the same screen with the same key
(norm_shift_scale, residual_norms) follow that choice, so a page has one set of pickers; drawn without it, each
brings its own pickers, with keys of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st

from app.common import lang, plain, say, show_figure, table
from app.elements import element
from llama_edu import normalization
from llama_edu.viz import norms as viz
from llama_edu.viz.labels import position_labels

# What residual_norms reads from a run (Current.capture): the residual stream and what the norms hand on, every layer.
RESIDUAL_HOOKS = r"^hook_embed$|hook_resid_post$|attention_norm\.hook_(normalized|out)$|ffn_norm\.hook_out$"


def _norm_hooks(path: str) -> str:
    """Current.capture's hooks for one norm (its input, RMS, normalised vector and output)."""
    return rf"^{re.escape(path)}\.hook_"


@dataclass(frozen=True)
class VectorChoice:
    """Which norm (and layer) and which token: names one captured vector."""
    which: str
    layer: int
    position: int

    @property
    def path(self) -> str:
        return normalization.norm_path(self.which, self.layer)


def _pick_vector(cur, prefix: str) -> VectorChoice:
    labels = position_labels(cur.pieces)
    which_col, layer_col, token_col = st.columns(3)
    final = say("app.norms.final_norm")  # looked up now: AppTest calls format_func outside the script run
    final_norm = normalization.FINAL_NORM
    which = which_col.radio(say("app.norms.norm"), ["attention_norm", "ffn_norm", final_norm], key=f"{prefix}_which",
                            horizontal=True, format_func=lambda n: final if n == final_norm else n)
    layer = layer_col.selectbox(say("app.common.layer"), range(cur.model.cfg.n_layers), key=f"{prefix}_layer",
                                disabled=which == final_norm)
    position = token_col.selectbox(say("app.common.token"), range(len(labels)), index=len(labels) - 1, key=f"{prefix}_token",
                                   format_func=lambda p: labels[p])
    return VectorChoice(which, layer, position)


def _choice_state(key: str) -> str:
    return f"_{key}_vector_choice"


def _chosen_on_this_screen(cur, key: str) -> VectorChoice | None:
    """norm_vector's choice if it was drawn with this key earlier in this same run, else None.

    The choice is stored together with this run's `cur` (a new object on every run), so a choice left over from an
    earlier run, when norm_vector is no longer on the screen, is never mistaken for a current one.
    """
    stored = st.session_state.get(_choice_state(key))
    return stored[1] if stored is not None and stored[0] is cur else None


@element("norm_vector")
def norm_vector(cur, key: str) -> None:
    """One real token vector through a chosen RMSNorm: x, x / RMS(x), the gain g, the output; mean, variance, RMS."""
    choice = _pick_vector(cur, key)
    st.session_state[_choice_state(key)] = (cur, choice)
    label = position_labels(cur.pieces)[choice.position]
    norm = cur.model.get_submodule(choice.path)
    _, cache = cur.capture(_norm_hooks(choice.path))
    steps = normalization.norm_capture(cache, choice.path, choice.position)
    show_figure(viz.norm_steps_figure(steps["in"], steps["normalized"], norm.weight, steps["out"],
                                      plain("app.norms.steps_title", path=choice.path, token=label), lang=lang()),
                key=f"{key}_steps")
    stats = normalization.vector_stats(steps["in"])
    st.markdown(say("app.norms.vector_stats", mean=stats["mean"], variance=stats["variance"], rms=stats["RMS"],
                   hook_rms=steps["rms"].item(), path=choice.path, gain_min=norm.weight.min().item(),
                   gain_max=norm.weight.max().item()))


@element("norm_shift_scale")
def norm_shift_scale(cur, key: str) -> None:
    """Shift and scale sliders: the changed vector through the real RMSNorm and LayerNorm (same gain, b = 0)."""
    choice = _chosen_on_this_screen(cur, key) or _pick_vector(cur, f"{key}_shift")
    label = position_labels(cur.pieces)[choice.position]
    _, cache = cur.capture(_norm_hooks(choice.path))
    x = normalization.norm_capture(cache, choice.path, choice.position)["in"]  # [D]
    st.caption(say("app.norms.x_is", path=choice.path, token=label))
    shift_col, scale_col = st.columns(2)
    shift = shift_col.slider(say("app.norms.shift_slider"), -3.0, 3.0, 0.0, 0.1, key=f"{key}_shift")
    scale = scale_col.select_slider(say("app.norms.scale_slider"), [0.0001, 0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0],
                                    value=1.0, key=f"{key}_scale")
    result = normalization.compare_norms(x, cur.model.get_submodule(choice.path), shift, scale)
    show_figure(viz.shift_scale_figure(result, lang=lang()), key=f"{key}_shift_scale")
    change = normalization.output_changes(result)
    st.markdown(say("app.norms.largest_change", rms=change["rms"], layer=change["layer"]))
    table(viz.comparison_stats(result, lang=lang()), hide_index=True, key=f"{key}_shift_stats")


@element("residual_norms")
def residual_norms(cur, key: str) -> None:
    """RMS of the residual stream after each layer next to the RMS of what the norms hand to the sub-layers."""
    labels = position_labels(cur.pieces)
    choice = _chosen_on_this_screen(cur, key)
    if choice is not None:
        position = choice.position
    else:
        position = st.selectbox(say("app.common.token"), range(len(labels)), index=len(labels) - 1,
                                key=f"{key}_rms_token", format_func=lambda p: labels[p])
    _, cache = cur.capture(RESIDUAL_HOOKS)
    series = normalization.residual_rms_by_layer(cache, cur.model.cfg.n_layers, position)
    show_figure(viz.residual_rms_figure(series, labels[position], lang=lang()), key=f"{key}_prenorm")
    embed_rms = normalization.vector_stats(cache["hook_embed"][0, position])["RMS"]
    st.caption(say("app.norms.residual_caption", token=labels[position], embed_rms=embed_rms,
                  last_rms=series["residual stream (hook_resid_post)"][-1]))
