"""Quantisation elements: one weight row rounded to a grid (scale and zero point), the rounding error of each
granularity, a calculator of a preset's weights at 16, 8 and 4 bits, the loaded model's held-out loss and next-token
guesses after rounding a copy of it, and the KV cache in bfloat16, fp8, int8 and int4."""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure, use_prompt
from app.elements import element
from llama_edu import i18n
from llama_edu import quantise as q
from llama_edu.viz import quantise as viz

# Rounding a copy of the model and running it over the held-out texts: the tiny model takes a second or two per
# version on a CPU; a 7B would need a second copy of its weights and minutes. Larger models get the arithmetic only.
MAX_PARAMETERS = 50_000_000
BITS = [8, 4, 3]
GRANULARITIES = [q.PER_TENSOR, q.PER_CHANNEL, 128, 64, 32]
LOSS_GRANULARITIES = [q.PER_TENSOR, q.PER_CHANNEL, 128, 32]
GROUP_CHOICES = [q.PER_CHANNEL, 128, 64, 32]
# The versions the next-token comparison runs: the model itself, int8 and int4 per channel, int4 per tensor.
TOP_SCHEMES = [None, q.Scheme(8), q.Scheme(4), q.Scheme(4, q.PER_TENSOR)]
TRY_PROMPT = "The cat sat on the"  # text for the tokenizer, the same in every language (the model reads English)
KV_CONTEXTS = [1024, 2048, 4096, 8192, 32768, 131072]
KV_MEASURED = ["float32", "fp8", "int8", "int4"]
THIS_MODEL = "__this_model__"


def _small_enough(cur) -> bool:
    """Whether the loaded model is small enough to round a copy of it here; else a note saying so."""
    if le.count_parameters(cur.model.cfg) <= MAX_PARAMETERS:
        return True
    st.info(say("quantise.too_large", millions=MAX_PARAMETERS / 1e6))
    return False


def _bits(key: str, where=st) -> int:
    return where.segmented_control(say("quantise.bits"), BITS, default=4, required=True, key=key,
                                   format_func=lambda b: f"int{b}")


def _model_picker(cur, key: str, where) -> tuple[str, le.ModelConfig]:
    """A picker over the loaded model and every preset: (name, config); it opens on Llama 2 7B."""
    options = [THIS_MODEL, *le.PRESETS]
    this = plain("quantise.this_model", name=cur.model.cfg.name)
    name = where.selectbox(say("quantise.model"), options, index=options.index("llama-2-7b"), key=key,
                           format_func=lambda n: this if n == THIS_MODEL else n)
    return (cur.model.cfg.name, cur.model.cfg) if name == THIS_MODEL else (name, le.PRESETS[name])


@element("quant_rounding")
def quant_rounding(cur, key: str) -> None:
    """One row of one weight matrix of the loaded model, each weight against the value it is rounded to: symmetric
    (absmax scale) and with a zero point, at the chosen bits."""
    cfg = cur.model.cfg
    c1, c2, c3, c4 = st.columns([1, 2, 1, 2])
    layer = c1.selectbox(say("quantise.layer"), list(range(cfg.n_layers)), key=f"{key}_layer")
    matrix = c2.selectbox(say("quantise.matrix"), list(q.BLOCK_MATRICES), key=f"{key}_matrix")
    name = f"layers.{layer}.{matrix}"
    weight = dict(cur.model.named_modules())[name].weight  # shared: only read
    row = c3.number_input(say("quantise.row"), 0, weight.shape[0] - 1, 0, key=f"{key}_row_{matrix}")
    bits = _bits(f"{key}_bits", c4)
    values = weight[row:row + 1].detach().float().cpu()  # [1, in]: per channel is this row's own scale
    symmetric, shifted = q.Scheme(bits), q.Scheme(bits, zero_point=True)
    sq, zq = q.quantise(values, symmetric), q.quantise(values, shifted)
    rounded = {viz.scheme_name(symmetric, lang=lang()): sq.dequantise()[0].tolist(),
               viz.scheme_name(shifted, lang=lang()): zq.dequantise()[0].tolist()}
    show_figure(viz.rounding_figure(values[0].tolist(), rounded, f"{name}[{row}]", lang=lang()),
                key=f"{key}_figure")
    scale, zscale = float(sq.scales[0, 0]), float(zq.scales[0, 0])
    st.caption(say("quantise.rounding.caption", name=f"{name}[{row}]", n=values.shape[1], lo=float(values.min()),
                   hi=float(values.max()), absmax=float(values.abs().max()), qmax=symmetric.qmax, bits=bits,
                   scale=scale, error=float((sq.dequantise() - values).abs().max()), levels=2 ** bits - 1,
                   zscale=zscale, zero=float(zq.zeros[0, 0]),
                   zerror=float((zq.dequantise() - values).abs().max())))


@element("quant_error")
def quant_error(cur, key: str) -> None:
    """The rounding error ‖W' - W‖ / ‖W‖ over all of the loaded model's block matrices, for each granularity,
    symmetric and with a zero point."""
    if not _small_enough(cur):
        return
    bits = _bits(f"{key}_bits")
    schemes = [q.Scheme(bits, g, zp) for g in GRANULARITIES for zp in (False, True)]
    errors = cur.cached("quant_error", bits, per_prompt=False,
                        compute=lambda: {s: q.rounding_error(cur.model, s) for s in schemes})
    show_figure(viz.rounding_error_figure(errors, lang=lang()), key=f"{key}_figure")
    largest, median = cur.cached("weight_magnitudes", per_prompt=False,
                                 compute=lambda: q.weight_magnitudes(cur.model))
    st.caption(say("quantise.error.caption", bits=bits, tensor=errors[q.Scheme(bits, q.PER_TENSOR)],
                   channel=errors[q.Scheme(bits)], group=errors[q.Scheme(bits, 32)],
                   group_zero=errors[q.Scheme(bits, 32, True)], largest=largest, median=median,
                   ratio=largest / median))


@element("quant_memory")
def quant_memory(cur, key: str) -> None:
    """A calculator: a preset's (or the loaded model's) weights in bfloat16, int8 per channel and int4 with the chosen
    scales, as codes, scales and the parts kept in 16 bits."""
    c1, c2, c3 = st.columns([2, 2, 1])
    name, cfg = _model_picker(cur, f"{key}_model", c1)
    # Names looked up now, not inside format_func: AppTest formats options outside the script run.
    names = {g: viz.granularity_name(g, lang=lang()) for g in GROUP_CHOICES}
    granularity = c2.selectbox(say("quantise.memory.granularity"), GROUP_CHOICES, index=1, key=f"{key}_granularity",
                               format_func=names.get)
    zero_point = c3.checkbox(say("quantise.memory.zero_point"), key=f"{key}_zero_point")
    int8, int4 = q.Scheme(8), q.Scheme(4, granularity, zero_point)
    memories = {plain("quantise.memory.bfloat16"): q.weight_memory(cfg), viz.scheme_name(int8, lang=lang()):
                q.weight_memory(cfg, int8), viz.scheme_name(int4, lang=lang()): q.weight_memory(cfg, int4)}
    show_figure(viz.memory_figure(memories, name, lang=lang()), key=f"{key}_figure")
    bf16, eight, four = memories.values()
    st.markdown(say("quantise.memory.result", name=name, parameters=le.count_parameters(cfg),
                    quantised=bf16.quantised_parameters, bf16=bf16.total / q.GB, int8=eight.total / q.GB,
                    int4=four.total / q.GB, scheme=viz.scheme_name(int4, lang=lang()), bits=four.bits_per_weight,
                    scales=four.scales / q.GB, kept=four.kept / q.GB, share=four.kept / four.total))


@element("quant_loss")
def quant_loss(cur, key: str) -> None:
    """The loaded model's loss on held-out text, and that of rounded copies of it at the chosen bits, one per
    granularity."""
    if not _small_enough(cur):
        return
    c1, c2 = st.columns([3, 2])
    bits = _bits(f"{key}_bits", c1)
    zero_point = c2.checkbox(say("quantise.memory.zero_point"), key=f"{key}_zero_point")
    schemes = [None] + [q.Scheme(bits, g, zero_point) for g in LOSS_GRANULARITIES]
    with st.spinner(say("quantise.loss.spinner", n=len(schemes) - 1, texts=q.HELDOUT_TEXTS)):
        losses = cur.cached("quant_loss", bits, zero_point, per_prompt=False,
                            compute=lambda: cur.run(q.heldout_losses, cur.model, cur.tok, schemes))
    labels = {s: viz.scheme_name(s, lang=lang()) for s in schemes}
    show_figure(viz.loss_figure({labels[s]: loss.per_token for s, loss in losses.items()}, lang=lang()),
                key=f"{key}_figure")
    base = losses[None]
    listed = "; ".join(plain("quantise.loss.one", name=labels[s], loss=loss.per_token,
                             change=loss.per_token - base.per_token, bpc=loss.bits_per_character)
                       for s, loss in losses.items() if s is not None)
    st.caption(say("quantise.loss.caption", texts=q.HELDOUT_TEXTS, tokens=base.tokens, loss=base.per_token,
                   bpc=base.bits_per_character, listed=listed))


@element("quant_top_tokens")
def quant_top_tokens(cur, key: str) -> None:
    """The five likeliest next tokens after the prompt for the loaded model and three rounded copies of it."""
    if not _small_enough(cur):
        return
    st.button(say("quantise.top.try", prompt=TRY_PROMPT), key=f"{key}_try", on_click=use_prompt, args=(TRY_PROMPT,))
    probabilities = cur.cached("quant_next_token", tuple(TOP_SCHEMES), compute=lambda: cur.run(
        q.next_token_probabilities, cur.model, cur.ids, TOP_SCHEMES))
    tops = {scheme: q.top_k(p) for scheme, p in probabilities.items()}
    ids = list(dict.fromkeys(i for top in tops.values() for i, _ in top))  # every token in some version's top 5
    names = {scheme: viz.scheme_name(scheme, lang=lang()) for scheme in TOP_SCHEMES}
    show_figure(viz.top_tokens_figure(cur.tok.pieces(ids), {names[s]: [float(p[i]) for i in ids]
                                                            for s, p in probabilities.items()}, lang=lang()),
                key=f"{key}_figure")
    lines = [say("quantise.top.line", name=names[scheme],
                 tokens=", ".join(plain("quantise.top.token", piece=cur.tok.pieces([i])[0], p=p) for i, p in top))
             for scheme, top in tops.items()]
    st.markdown(say("quantise.top.caption", last=cur.pieces[-1]) + "\n\n" + "\n".join(f"- {line}" for line in lines))


@element("quant_kv_cache")
def quant_kv_cache(cur, key: str) -> None:
    """A calculator of a preset's KV cache in bfloat16, fp8, int8 and int4 at a chosen context, beside its weights;
    and the loaded model's held-out loss with its keys and values read back from such a cache."""
    c1, c2 = st.columns([3, 2])
    name, cfg = _model_picker(cur, f"{key}_model", c1)
    written = {n: i18n.number(n, ",", lang=lang()) for n in KV_CONTEXTS}
    tokens = c2.select_slider(say("quantise.kv.tokens"), KV_CONTEXTS, value=4096, key=f"{key}_tokens",
                              format_func=written.get)
    memories = {f: q.kv_memory(cfg, tokens, f) for f in q.KV_FORMATS}
    weights = q.weight_memory(cfg).total
    show_figure(viz.kv_memory_figure(memories, weights, name, tokens, lang=lang()), key=f"{key}_figure")
    st.caption(say("quantise.kv.caption", name=name, tokens=tokens, context=cfg.max_seq_len,
                   bf16=memories["bfloat16"] / q.GB, fp8=memories["fp8"] / q.GB, int8=memories["int8"] / q.GB,
                   int4=memories["int4"] / q.GB, weights=weights / q.GB))
    if not _small_enough(cur):
        return
    with st.spinner(say("quantise.loss.spinner", n=len(KV_MEASURED) - 1, texts=q.HELDOUT_TEXTS)):
        losses = cur.cached("quant_kv_loss", per_prompt=False,
                            compute=lambda: cur.run(q.kv_losses, cur.model, cur.tok, KV_MEASURED))
    base = losses["float32"].per_token
    st.markdown(say("quantise.kv.measured", texts=q.HELDOUT_TEXTS, loss=base,
                    fp8=losses["fp8"].per_token - base, int8=losses["int8"].per_token - base,
                    int4=losses["int4"].per_token - base))
