"""Training-compute elements: one training step's FLOPs counted on the model's code, a calculator of 6·N·D and GPU
time over the presets and the tiny model, the LLaMA papers' GPU-hours checked against 6·N·D, and the tiny model's
own run on the same scale."""

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from llama_edu import scale
from llama_edu.viz import scale as viz
from llama_edu.viz.overview import human

FLOP_COUNT_TOKENS = [256, 512, 1024, 2048, 4096, 8192]
THIS_MODEL = "__this_model__"  # the picker's entry for the loaded model, whatever its name


def _model_picker(cur, key: str, label: str, where) -> tuple[str, le.ModelConfig]:
    """A picker over the loaded model and every preset: (name, config)."""
    options = [THIS_MODEL, *le.PRESETS]
    this = plain("scale.this_model", name=cur.model.cfg.name)
    name = where.selectbox(label, options, key=key, format_func=lambda n: this if n == THIS_MODEL else n)
    return (cur.model.cfg.name, cur.model.cfg) if name == THIS_MODEL else (name, le.PRESETS[name])


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs={le.ModelConfig: repr})
def _step_flops(cfg: le.ModelConfig, n_tokens: int) -> scale.StepFlops:
    """Counting a 405B model's step builds 126 layers on the meta device (seconds): once per server."""
    return scale.training_step_flops(cfg, n_tokens)


@element("training_flops_count")
def training_flops_count(cur, key: str) -> None:
    """PyTorch's FLOP counter on one forward and one backward pass of the model's code (built on the meta device, so
    any preset is counted without memory), against 2·N·T and 4·N·T."""
    c1, c2 = st.columns([3, 2])
    name, cfg = _model_picker(cur, f"{key}_model", say("scale.flops.model"), c1)
    # Opens on the model's own context (the tiny model's 256, LLaMA-7B's 2,048), or the longest listed below it.
    default = max(n for n in FLOP_COUNT_TOKENS if n <= max(cfg.max_seq_len, FLOP_COUNT_TOKENS[0]))
    n_tokens = c2.select_slider(say("scale.flops.tokens"), FLOP_COUNT_TOKENS, value=default, key=f"{key}_tokens_{name}")
    step = _step_flops(cfg, n_tokens)
    show_figure(viz.step_flops_figure(step, lang=lang()), key=f"{key}_figure")
    st.caption(say("scale.flops.caption", name=name, tokens=n_tokens, parameters=step.parameters,
                   multiplied=step.multiplied_parameters, ratio=step.backward / step.forward,
                   per=step.per_parameter_per_token,
                   attention=viz.scientific(scale.attention_flops(cfg, n_tokens), 3, lang=lang())))


@element("compute_calculator")
def compute_calculator(cur, key: str) -> None:
    """Pick a model (a preset, or the shipped tiny model with the tokens it really read) and a number of training
    tokens: 6·N·D, GPU time on A100s at a stated share of their peak, and tokens per parameter against Chinchilla."""
    c1, c2, c3 = st.columns([2, 2, 2])
    options = list(scale.published_runs())
    name = c1.selectbox(say("scale.calculator.model"), options, index=options.index("llama-7b"), key=f"{key}_model")
    published = scale.preset_run(name)
    # One input per model, so each opens on the tokens its paper (or the tiny model's card) reports.
    billions = c2.number_input(say("scale.calculator.tokens"), min_value=0.0001, max_value=1_000_000.0,
                               value=published.tokens / 1e9, format="%.4g", key=f"{key}_tokens_{name}")
    percent = c3.slider(say("scale.calculator.utilisation"), 10, 80, int(scale.DEFAULT_UTILISATION * 100), step=5,
                        key=f"{key}_utilisation")
    run = scale.TrainingRun(name, published.parameters, billions * 1e9)
    utilisation = percent / 100
    hours = run.gpu_hours(utilisation=utilisation)
    st.markdown(say("scale.calculator.result", name=name, parameters=run.parameters, tokens=human(run.tokens,
                    lang=lang()), flops=viz.scientific(run.flops, lang=lang()), hours=hours,
                    days=hours / scale.HOURS_PER_DAY, cluster_days=hours / scale.HOURS_PER_DAY / scale.LLAMA_GPUS,
                    gpus=scale.LLAMA_GPUS, ratio=run.tokens_per_parameter, times=run.times_chinchilla,
                    optimal=human(run.chinchilla_tokens, lang=lang()), served=human(3 * run.tokens, lang=lang()),
                    per_token=viz.scientific(scale.inference_flops_per_token(run.parameters), 3, lang=lang())))
    st.caption(say("scale.calculator.assumption", peak=scale.A100_BF16_PEAK_FLOPS / 1e12, percent=percent))
    show_figure(viz.runs_figure(scale.published_runs(), run, lang=lang()), key=f"{key}_runs")


@element("tokens_per_parameter")
def tokens_per_parameter(cur, key: str) -> None:
    """Every release's tokens per parameter (and the tiny model's) against Chinchilla's 20."""
    runs = scale.published_runs()
    show_figure(viz.runs_figure(runs, lang=lang()), key=f"{key}_runs")
    listed = ", ".join(plain("scale.ratio.one", name=name, ratio=run.tokens_per_parameter) for name, run in runs.items())
    st.caption(say("scale.ratio.caption", listed=listed, chinchilla=scale.CHINCHILLA_TOKENS_PER_PARAMETER))


@element("compute_paper_check")
def compute_paper_check(cur, key: str) -> None:
    """6·N·D against the GPU-hours the LLaMA and Llama 2 papers report: the share of the A100's peak they imply."""
    checks = scale.paper_checks()
    show_figure(viz.paper_check_figure(checks, lang=lang()), key=f"{key}_check")
    big = next(check for check in checks if check.run.name == "llama-65b")
    per_gpu = scale.training_flops(big.run.parameters, scale.LLAMA_65B_TOKENS_PER_GPU_SECOND)
    llama3 = scale.preset_run("llama-3.1-405b")
    st.caption(say("scale.check.caption", flops=viz.scientific(big.run.flops, lang=lang()), hours=big.paper_gpu_hours,
                   share=big.utilisation, rate=scale.LLAMA_65B_TOKENS_PER_GPU_SECOND,
                   per_gpu=per_gpu / 1e12, rate_share=per_gpu / scale.A100_BF16_PEAK_FLOPS,
                   days=big.run.tokens / scale.LLAMA_65B_TOKENS_PER_GPU_SECOND / scale.LLAMA_GPUS / 86400,
                   llama3=viz.scientific(llama3.flops, lang=lang()),
                   paper=viz.scientific(scale.LLAMA_405B_PAPER_FLOPS, lang=lang())))


@element("tiny_model_compute")
def tiny_model_compute(cur, key: str) -> None:
    """The shipped tiny model on the same scale: its parameters and tokens (model card), 6·N·D, the seconds its
    training steps took (training log), the FLOPs per second that makes, and how far it is from Chinchilla."""
    tiny, seconds = scale.tiny_run(), scale.tiny_training_seconds()
    big = scale.preset_run("llama-65b")
    st.markdown(say("scale.tiny.summary", parameters=tiny.parameters, tokens=tiny.tokens,
                    ratio=tiny.tokens_per_parameter, chinchilla=scale.CHINCHILLA_TOKENS_PER_PARAMETER,
                    optimal=human(tiny.chinchilla_tokens, lang=lang()), flops=viz.scientific(tiny.flops, lang=lang()),
                    minutes=seconds / 60, rate=tiny.flops / seconds / 1e9,
                    factor=viz.scientific(big.flops / tiny.flops, lang=lang())))
    show_figure(viz.runs_figure(scale.published_runs(), tiny, lang=lang()), key=f"{key}_runs")
