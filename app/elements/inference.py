"""Elements of inference economics: FLOPs per byte of a matrix product, GPUs' rooflines, a decode step's time spent
reading against computing, throughput against batch size, a calculator of the bandwidth bound for any preset, and
the loaded model's own decoding timed on this machine.

All but the last are arithmetic on the presets' configs (config.PRESETS) and the GPUs' datasheet figures
(roofline.GPUS); the last runs the real model for a fraction of a second. Widget and chart keys start with `key`.
"""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from llama_edu import roofline
from llama_edu.kvcache import DEMO_CPU_PARAMS
from llama_edu.viz import roofline as viz

DEFAULT_PRESET = "llama-2-7b"
DEFAULT_GPU = "H100 SXM"
MATRIX = 4096  # Llama 2 7B's wq: 4,096 x 4,096
TOKENS = [2 ** p for p in range(14)]  # 1 to 8,192 tokens through one matrix
POINT_CONTEXT = 512  # the roofline's decode points: sequences of this many tokens
POINT_BATCH = 64
CONTEXTS = [8, 512, 4096]  # the throughput lines (cut to the model's context)
BATCHES = [2 ** p for p in range(11)]  # 1 to 1,024 sequences
GB = 1e9  # decimal, as the datasheets write memory and bandwidth


def _preset(key: str, where=st) -> le.ModelConfig:
    names = list(le.PRESETS)
    name = where.selectbox(say("inference.preset"), names, index=names.index(DEFAULT_PRESET), key=f"{key}_preset")
    return le.PRESETS[name]


def _weights(key: str, where=st) -> float:
    name = where.selectbox(say("inference.weights"), list(roofline.WEIGHT_BYTES), key=f"{key}_weights",
                           help=say("inference.weights_help"))
    return roofline.WEIGHT_BYTES[name]


def _gpu(key: str, where=st) -> roofline.GPU:
    names = list(roofline.GPUS)
    return roofline.GPUS[where.selectbox(say("inference.gpu"), names, index=names.index(DEFAULT_GPU),
                                         key=f"{key}_gpu")]


@element("matmul_intensity")
def matmul_intensity(cur, key: str) -> None:
    """FLOPs per byte of a 4,096 x 4,096 bfloat16 matrix against the tokens it is applied to, with the ridge points."""
    intensities = [roofline.matmul_intensity(m, MATRIX, MATRIX) for m in TOKENS]
    show_figure(viz.intensity_figure(TOKENS, intensities, roofline.GPUS, MATRIX, MATRIX, lang=lang()),
                key=f"{key}_intensity")
    m = st.select_slider(say("inference.tokens"), TOKENS, value=1, key=f"{key}_m")
    st.markdown(say("inference.intensity_line", m=m, k=MATRIX, n=MATRIX,
                    gflops=roofline.matmul_flops(m, MATRIX, MATRIX) / 1e9,
                    mb=roofline.matmul_bytes(m, MATRIX, MATRIX) / 1e6,
                    intensity=roofline.matmul_intensity(m, MATRIX, MATRIX)))


@element("roofline_chart")
def roofline_chart(cur, key: str) -> None:
    """Each GPU's roofline, with a decode step of 1 and of 64 sequences and a prompt's prefill of the chosen preset."""
    c1, c2 = st.columns(2)
    cfg, weights = _preset(key, c1), _weights(key, c2)
    context = min(POINT_CONTEXT, cfg.max_seq_len)
    points = {
        plain("inference.point_decode", n=1): roofline.decode_step(cfg, 1, context, weights).intensity,
        plain("inference.point_decode", n=POINT_BATCH): roofline.decode_step(cfg, POINT_BATCH, context,
                                                                              weights).intensity,
        plain("inference.point_prefill", n=context): roofline.prefill(cfg, context, weights).intensity,
    }
    show_figure(viz.roofline_figure(roofline.GPUS, points, lang=lang()), key=f"{key}_roofline")
    st.caption(say("inference.roofline_caption", context=context))


@element("decode_time_split")
def decode_time_split(cur, key: str) -> None:
    """One sequence's next decode step after the prompt: time to read its bytes against time to compute, per GPU."""
    c1, c2 = st.columns(2)
    cfg, weights = _preset(key, c1), _weights(key, c2)
    context = min(len(cur.ids) + 1, cfg.max_seq_len)
    step = roofline.decode_step(cfg, 1, context, weights)
    rows = {name: (step.memory_seconds(gpu), step.compute_seconds(gpu)) for name, gpu in roofline.GPUS.items()}
    title = plain("inference.split_title", model=cfg.name, context=context)
    show_figure(viz.time_split_figure(rows, title, lang=lang()), key=f"{key}_split")
    st.caption(say("inference.split_caption", gb=step.bytes / GB, gflops=step.flops / 1e9))


@element("batch_throughput")
def batch_throughput(cur, key: str) -> None:
    """Tokens per second against the batch size, one line per context length, each ending where the caches no
    longer fit beside the weights."""
    c1, c2, c3 = st.columns(3)
    cfg, weights, gpu = _preset(key, c1), _weights(key, c2), _gpu(key, c3)
    curves = {}
    for context in sorted({min(c, cfg.max_seq_len) for c in CONTEXTS}):
        fits = roofline.batch_that_fits(cfg, gpu, context, weights)
        batches = [b for b in BATCHES if b <= fits] + ([fits] if 0 < fits < BATCHES[-1] and fits not in BATCHES
                                                         else [])
        curves[plain("inference.context_line", n=context)] = (
            batches, [roofline.decode_step(cfg, b, context, weights).tokens_per_second(gpu) for b in batches])
    ceiling = gpu.peak_flops / roofline.decode_step(cfg, 1, CONTEXTS[0], weights).flops
    show_figure(viz.batch_throughput_figure(curves, ceiling, roofline.bandwidth_bound(cfg, gpu, weights), lang=lang()),
                key=f"{key}_batch")
    st.caption(say("inference.batch_caption", gpu=gpu.name, memory=gpu.memory / GB))


@element("decode_calculator")
def decode_calculator(cur, key: str) -> None:
    """A decode step of any preset, weight format, GPU, batch and context: bytes, FLOPs, and the roofline's bound."""
    c1, c2, c3 = st.columns(3)
    cfg, weights, gpu = _preset(key, c1), _weights(key, c2), _gpu(key, c3)
    c4, c5 = st.columns(2)
    batch = int(c4.number_input(say("inference.batch"), 1, 4096, 1, key=f"{key}_batch"))
    context = int(c5.number_input(say("inference.context"), 1, cfg.max_seq_len, min(4096, cfg.max_seq_len),
                                  key=f"{key}_context"))
    step = roofline.decode_step(cfg, batch, context, weights)
    st.markdown(say("inference.calculator", weights_gb=step.weight_bytes / GB, kv_gb=step.kv_bytes / GB,
                    gflops=step.flops / 1e9, intensity=step.intensity, ridge=gpu.ridge, gpu=gpu.name,
                    read_ms=step.memory_seconds(gpu) * 1000, compute_ms=step.compute_seconds(gpu) * 1000,
                    per_sequence=step.tokens_per_second(gpu) / batch, total=step.tokens_per_second(gpu)))
    st.markdown(say("inference.memory_bound" if step.memory_bound(gpu) else "inference.compute_bound"))
    fits = roofline.batch_that_fits(cfg, gpu, context, weights)
    st.caption(say("inference.fits" if batch <= fits else "inference.does_not_fit", fits=fits,
                   memory=gpu.memory / GB, batch=batch))


@element("decode_measured")
def decode_measured(cur, key: str) -> None:
    """The loaded model's decoding timed here (a fraction of a second), with the bytes a step reads."""
    model, cfg = cur.model, cur.model.cfg
    if model.device.type == "cpu" and le.count_parameters(cfg) > DEMO_CPU_PARAMS:
        st.info(say("inference.too_large_here", params=le.count_parameters(cfg) / 1e9))
        return
    if len(cur.ids) + 3 > cfg.max_seq_len:
        st.warning(say("inference.prompt_too_long"))
        return
    run_key = (cur.model_key, tuple(cur.ids))
    if st.button(say("inference.measure"), key=f"{key}_run", type="primary"):
        st.session_state[f"{key}_measured"] = (run_key, cur.run(roofline.measure_decode, model, cur.ids))
    measured = st.session_state.get(f"{key}_measured")
    if measured is None or measured[0] != run_key:
        st.caption(say("inference.press_measure", budget=roofline.MEASURE_BUDGET_S))
        return
    run = measured[1]
    spread = run.per_token
    where = "inference.measured_gpu" if model.device.type == "cuda" else "inference.measured_cpu"
    st.markdown(say(where, n=spread.tries, ms=spread.median, low=spread.low, high=spread.high,
                    rate=run.tokens_per_second, mb=run.bytes_per_step / 1e6, gbs=run.bytes_per_second / GB,
                    dtype=str(model.dtype).removeprefix("torch.")))
