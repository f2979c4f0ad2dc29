"""Generation, seen from the logits: the next-token distribution under the sampling knobs, the text growing one
token at a time, and the logit lens (what each layer would predict).

The distribution itself comes from llama_edu.next_token_probs; here it is only summarised and drawn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import plotly.graph_objects as go
import torch

from ..i18n import t
from ..literal import for_html
from ..logit_lens import LogitLens
from . import palette, summary
from .labels import localized_figure, number, plotly_text, token_labels

FONT = dict(size=16)


# ---- drawing ---------------------------------------------------------------------------------------------------
@localized_figure
def next_token_figure(model_probs: torch.Tensor, sampling_probs: torch.Tensor, piece: Callable[[int], str],
                      top: int = 15, *, lang: str = "en") -> go.Figure:
    """Horizontal bars for the `top` most likely tokens: the model's own softmax (temperature 1, nothing cut) and
    the distribution after temperature, top-k and top-p, the one a token is actually drawn from. Tokens are
    ranked by the model's probability (temperature, top-k and top-p never change that order)."""
    ids = model_probs.float().topk(min(top, model_probs.shape[-1])).indices.tolist()
    labels = [f"{plotly_text(piece(i))}  ({i})" for i in ids]  # the id keeps labels unique and tells byte pieces apart
    fig = go.Figure()
    for probs, name, colour, opacity in ((model_probs, t("viz.generation.model_probs", lang), palette.GREY, 0.45),
                                         (sampling_probs, t("viz.generation.sampling_probs", lang), palette.VERMILLION,
                                          1.0)):
        values = [float(probs[i]) for i in ids]
        fig.add_trace(go.Bar(y=labels, x=values, orientation="h", name=name, marker_color=colour, opacity=opacity,
                             text=[number(v, ".3f", lang=lang) for v in values], textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}<br>" + name + ": %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title=None)
    highest = max(float(model_probs[ids[0]]), float(sampling_probs.max()))
    fig.update_xaxes(title=t("viz.axis.probability", lang), range=[0, min(1.15, 1.2 * highest + 0.03)])
    fig.update_layout(font=FONT, barmode="group", height=110 + 38 * len(ids), bargap=0.25,
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), margin=dict(t=40))
    return summary.with_summary(fig, summary.next_token_sentence(model_probs, sampling_probs, ids, piece, lang=lang))


def continuation_html(prompt_text: str, new_pieces: list[str], *, lang: str = "en") -> str:
    """The prompt, then each generated token in a box; the newest one highlighted. Safe to render as HTML:
    the prompt and every piece are escaped for HTML inside markdown (literal.for_html). Translucent colours read on
    light and dark backgrounds alike."""
    spans = []
    for n, piece in enumerate(new_pieces):
        text = for_html(piece.replace("▁", " "))
        newest = n == len(new_pieces) - 1
        colour = palette.rgba(palette.ORANGE, 0.55) if newest else palette.rgba(palette.SKY_BLUE, 0.3)
        weight = "font-weight: 700;" if newest else ""
        tip = for_html(t("viz.generation.generated_token", lang, n=n + 1))
        spans.append(f'<span title="{tip}" style="background: {colour}; {weight} '
                     f'border-radius: 4px; padding: 1px 2px; margin: 0 1px; white-space: pre-wrap;">{text}</span>')
    return (f'<div style="font-size: 1.35rem; line-height: 2.1; white-space: pre-wrap;">'
            f'{for_html(prompt_text)}{"".join(spans)}</div>')


def stage_names(lens: LogitLens, *, lang: str = "en") -> list[str]:
    """lens.stages in words of the language, read off the hook each stage reads (see llama_edu.logit_lens):
    hook_embed -> "embedding", layers.{l}.hook_resid_post -> "layer l"."""
    names = []
    for hook in lens.hook_names:
        layer = re.fullmatch(r"layers\.(\d+)\.hook_resid_post", hook)
        names.append(t("viz.label.layer", lang, layer=int(layer.group(1))) if layer else
                     t("viz.generation.lens.embedding", lang))
    return names


@localized_figure
def logit_lens_figure(lens: LogitLens, pieces: list[str], piece: Callable[[int], str],
                      show_text: bool | None = None, *, first: int = 0, lang: str = "en") -> go.Figure:
    """Rows = stages (embedding at the bottom, last layer at the top), columns = positions. Cell = the top next
    token at that depth, colour = its probability; hover shows the top 3 and the token that really follows.
    For a window of positions: the lens of those T positions, their pieces plus the one that follows (if the prompt
    goes on), and `first`, the position of the first one."""
    n_stages, T, k = lens.top_ids.shape
    top_prob = lens.top_probs[..., 0].float()  # [stages, T]
    def name(token_id) -> str:
        return plotly_text(piece(int(token_id)))

    cell_text = [[name(lens.top_ids[s, i, 0]) for i in range(T)] for s in range(n_stages)]
    not_yet = t("viz.generation.lens.not_in_prompt", lang)
    actual_next = [plotly_text(pieces[i + 1]) if i + 1 < len(pieces) else not_yet for i in range(T)]
    hover = [[
        "<br>".join(f"{name(lens.top_ids[s, i, j])}: {number(float(lens.top_probs[s, i, j]), '.3f', lang=lang)}"
                    for j in range(k))
        + "<br>" + t("viz.generation.lens.follows", lang, token=actual_next[i]) for i in range(T)]
        for s in range(n_stages)]
    if show_text is None:
        show_text = T <= 24  # beyond that the cells are too narrow to read; hover still works
    fig = go.Figure(go.Heatmap(
        z=top_prob.tolist(), x=token_labels(pieces[:T], first), y=stage_names(lens, lang=lang), zmin=0, zmax=1,
        colorscale=palette.colorscale(palette.SEQUENTIAL), colorbar=dict(title="p(top)"), text=cell_text,
        texttemplate="%{text}" if show_text else None, textfont=dict(size=14), customdata=hover, xgap=1, ygap=1,
        hovertemplate=t("viz.generation.lens.hover", lang, stage="%{y}", position="%{x}") + "<br>%{customdata}"
                      "<extra></extra>"))
    fig.update_xaxes(title=t("viz.generation.lens.x", lang), tickangle=-45)
    fig.update_yaxes(title=None)
    fig.update_layout(font=FONT, height=max(320, 90 + 48 * n_stages), margin=dict(t=30))
    position = token_labels(pieces[:T], first)[-1]
    return summary.with_summary(fig, summary.lens_sentence(lens.top_ids, lens.top_probs, lens.hook_names, position,
                                                           piece, lang=lang))


def entropy_caption(n_candidates: int, entropy_bits: float, vocab_size: int, *, lang: str = "en") -> str:
    """One sentence putting the entropy next to its maximum, log2(V)."""
    return t("viz.generation.entropy_caption", lang, n=number(n_candidates, ",", lang=lang),
             vocab=number(vocab_size, ",", lang=lang), entropy=number(entropy_bits, ".2f", lang=lang),
             uniform=number(math.log2(max(n_candidates, 1)), ".2f", lang=lang),
             maximum=number(math.log2(vocab_size), ".2f", lang=lang))
