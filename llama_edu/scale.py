"""What training costs: about 6·N·D floating-point operations for N parameters and D training tokens, the GPU time
that takes at a stated throughput, and tokens per parameter against the compute-optimal ~20 of Chinchilla.

    forward   2·N per token: each weight is used once per token, in one multiply and one add
    backward  4·N per token: the gradient with respect to the layer's input (2·N) and to its weights (2·N)
    training  6·N·D                                   Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1

`training_step_flops` checks the rule on the model's own code: PyTorch's FLOP counter runs one forward and one
backward pass of `llama_edu.model.Transformer` built on the meta device (shapes only: nothing is computed or
allocated, so a 405B model is counted on a laptop). Parameter counts are `config.count_parameters`; the tokens each
release was trained on are `config.TRAINING_TOKENS`, the tiny model's its own model card.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import torch

from .config import TRAINING_TOKENS, ModelConfig, count_parameters, parameter_breakdown

FORWARD_FLOPS_PER_PARAMETER = 2  # one multiply and one add per weight and token
BACKWARD_FLOPS_PER_PARAMETER = 4  # the same again for the input's gradient, and again for the weight's
TRAINING_FLOPS_PER_PARAMETER = FORWARD_FLOPS_PER_PARAMETER + BACKWARD_FLOPS_PER_PARAMETER

# Hoffmann et al. 2022 ("Chinchilla"): compute-optimal training scales parameters and tokens equally; Chinchilla
# itself, 70B parameters on 1.4T tokens, is 20 tokens per parameter.
CHINCHILLA_PARAMETERS, CHINCHILLA_TOKENS = 70e9, 1.4e12
CHINCHILLA_TOKENS_PER_PARAMETER = CHINCHILLA_TOKENS / CHINCHILLA_PARAMETERS  # 20

# The throughput the calculator assumes unless told otherwise: an NVIDIA A100's dense bfloat16 tensor-core peak
# (NVIDIA's A100 datasheet), of which a large training run keeps a share busy ("model FLOPs utilisation").
A100_BF16_PEAK_FLOPS = 312e12
DEFAULT_UTILISATION = 0.5
LLAMA_GPUS = 2048  # the LLaMA paper's cluster: 2,048 A100-80GB (Touvron et al. 2023, §2.4)

# Llama 2 34B was trained and reported but never released, so it has no preset: its shape is Code Llama 34B's
# params.json (Code Llama starts from Llama 2's weights; its later RoPE base does not change N), its tokens the
# Llama 2 paper's 2.0T for every size (Touvron et al. 2023b, Table 1).
UNRELEASED_RUNS = {"llama-2-34b": (ModelConfig(dim=8192, n_layers=48, n_heads=64, n_kv_heads=8, ffn_dim_multiplier=1.0,
                                               max_seq_len=4096, name="llama-2-34b"), 2.0e12)}

# GPU-hours on A100-80GB the papers report for pre-training each model: LLaMA (Touvron et al. 2023, Table 15) and
# Llama 2 (Touvron et al. 2023b, Table 2), the unreleased Llama 2 34B included.
PAPER_GPU_HOURS = {
    "llama-7b": 82_432, "llama-13b": 135_168, "llama-33b": 530_432, "llama-65b": 1_022_362,
    "llama-2-7b": 184_320, "llama-2-13b": 368_640, "llama-2-34b": 1_038_336, "llama-2-70b": 1_720_320,
}
LLAMA_65B_TOKENS_PER_GPU_SECOND = 380  # LLaMA paper §2.4, on 2,048 A100-80GB
LLAMA_405B_PAPER_FLOPS = 3.8e25  # the Llama 3 paper's pre-training compute of its 405B model, on 15.6T tokens

SECONDS_PER_HOUR, HOURS_PER_DAY = 3600, 24
TINY = "tiny"


# ---- the arithmetic ----------------------------------------------------------------------------------------------
def training_flops(n_parameters: float, n_tokens: float) -> float:
    """C ≈ 6·N·D: the floating-point operations of training N parameters on D tokens (forward + backward)."""
    return TRAINING_FLOPS_PER_PARAMETER * n_parameters * n_tokens


def inference_flops_per_token(n_parameters: float) -> float:
    """≈ 2·N: what every generated token costs (a forward pass, no backward)."""
    return FORWARD_FLOPS_PER_PARAMETER * n_parameters


def chinchilla_tokens(n_parameters: float) -> float:
    """The compute-optimal number of training tokens for N parameters by Chinchilla's rule of thumb, 20·N."""
    return CHINCHILLA_TOKENS_PER_PARAMETER * n_parameters


def gpu_hours(flops: float, peak_flops: float = A100_BF16_PEAK_FLOPS,
              utilisation: float = DEFAULT_UTILISATION) -> float:
    """Hours on one GPU that does `utilisation` of `peak_flops` useful operations per second."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    return flops / (peak_flops * utilisation) / SECONDS_PER_HOUR


def implied_utilisation(flops: float, hours: float, peak_flops: float = A100_BF16_PEAK_FLOPS) -> float:
    """The share of the peak that `hours` GPU-hours must have kept busy to do `flops` operations."""
    return flops / (hours * SECONDS_PER_HOUR * peak_flops)


# ---- training runs -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingRun:
    """One model's pre-training: N parameters, D tokens, and what follows from them."""
    name: str
    parameters: int
    tokens: float

    @property
    def flops(self) -> float:
        return training_flops(self.parameters, self.tokens)

    @property
    def tokens_per_parameter(self) -> float:
        return self.tokens / self.parameters

    @property
    def times_chinchilla(self) -> float:
        """Tokens per parameter as a multiple of Chinchilla's 20 (1 = compute-optimal, 7 = seven times longer)."""
        return self.tokens_per_parameter / CHINCHILLA_TOKENS_PER_PARAMETER

    @property
    def chinchilla_tokens(self) -> float:
        return chinchilla_tokens(self.parameters)

    def gpu_hours(self, peak_flops: float = A100_BF16_PEAK_FLOPS, utilisation: float = DEFAULT_UTILISATION) -> float:
        return gpu_hours(self.flops, peak_flops, utilisation)

    def gpu_days(self, peak_flops: float = A100_BF16_PEAK_FLOPS, utilisation: float = DEFAULT_UTILISATION) -> float:
        return self.gpu_hours(peak_flops, utilisation) / HOURS_PER_DAY


def tiny_model_card(folder=None) -> dict:
    """assets/tiny/model_card.json (written by `python -m llama_edu.evaluate`)."""
    from . import TINY_MODEL_DIR

    return json.loads(((folder or TINY_MODEL_DIR) / "model_card.json").read_text(encoding="utf-8"))


def tiny_run(folder=None) -> TrainingRun:
    """The shipped tiny model: its real parameter count and the tokens its training run read (its model card)."""
    from . import TINY_MODEL_DIR, read_config

    folder = folder or TINY_MODEL_DIR
    return TrainingRun(TINY, count_parameters(read_config(folder)), float(tiny_model_card(folder)["training_tokens"]))


def tiny_training_seconds(folder=None) -> float:
    """Seconds the tiny model's training steps took (training_log.json: each step's tokens over its tokens/s)."""
    from . import TINY_MODEL_DIR

    log = json.loads(((folder or TINY_MODEL_DIR) / "training_log.json").read_text(encoding="utf-8"))
    per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    return sum(per_step / step["tokens_per_s"] for step in log["steps"])


def preset_run(name: str, tokens: float | None = None) -> TrainingRun:
    """A preset (config.PRESETS) trained on `tokens`, by default the tokens its paper reports (the tiny model's own
    run for "tiny")."""
    from .config import PRESETS

    if name == TINY and tokens is None:
        return tiny_run()
    if tokens is None:
        tokens = TRAINING_TOKENS[name]
    return TrainingRun(name, count_parameters(PRESETS[name]), float(tokens))


def published_runs() -> dict[str, TrainingRun]:
    """Every preset with the tokens its paper reports, and the tiny model with its own: name -> run."""
    return {name: preset_run(name) for name in [*TRAINING_TOKENS, TINY]}


@dataclass(frozen=True)
class PaperCheck:
    """6·N·D for a released model against the GPU-hours its paper reports."""
    run: TrainingRun
    paper_gpu_hours: float

    @property
    def utilisation(self) -> float:
        """The share of an A100's bfloat16 peak those GPU-hours must have delivered if training took 6·N·D."""
        return implied_utilisation(self.run.flops, self.paper_gpu_hours)

    @property
    def tokens_per_gpu_second(self) -> float:
        return self.run.tokens / (self.paper_gpu_hours * SECONDS_PER_HOUR)


def paper_run(name: str) -> TrainingRun:
    """A model the papers report GPU-hours for: a preset, or the unreleased Llama 2 34B (UNRELEASED_RUNS)."""
    if name in UNRELEASED_RUNS:
        cfg, tokens = UNRELEASED_RUNS[name]
        return TrainingRun(name, count_parameters(cfg), float(tokens))
    return preset_run(name)


def paper_checks() -> list[PaperCheck]:
    """Each model whose paper reports its GPU-hours, checked against 6·N·D."""
    return [PaperCheck(paper_run(name), hours) for name, hours in PAPER_GPU_HOURS.items()]


# ---- counted on the model's own code -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StepFlops:
    """FLOPs of one training step on n_tokens tokens, as PyTorch's FLOP counter sees the model's code."""
    forward: int
    backward: int
    n_tokens: int
    parameters: int  # all of them, embedding table included (count_parameters)
    multiplied_parameters: int  # those in a matrix product: every weight but the embedding table and the norms' gains

    @property
    def total(self) -> int:
        return self.forward + self.backward

    @property
    def per_parameter_per_token(self) -> float:
        """Compare with 6: below it when the embedding table is large (it is looked up, not multiplied), above it
        when the context is long (attention's scores and weighted sums grow with the context, not with N)."""
        return self.total / (self.parameters * self.n_tokens)


def multiplied_parameters(cfg: ModelConfig) -> int:
    """Parameters that take part in a matrix product: all but the embedding table (a lookup) and the RMSNorm gains
    (an elementwise scale). The output layer counts, even when it shares the embedding's weights."""
    parts = parameter_breakdown(cfg)
    tied = cfg.vocab_size * cfg.dim if cfg.tie_word_embeddings else 0
    return sum(parts.values()) - parts["tok_embeddings"] - parts["norms"] + tied


def training_step_flops(cfg: ModelConfig, n_tokens: int) -> StepFlops:
    """Count one forward and one backward pass of Transformer(cfg) on one sequence of n_tokens tokens.

    The model is built on the meta device: tensors have shapes but no data, so nothing is computed and a 405B model
    costs no memory. PyTorch's counter adds up every matrix product (2 FLOPs per multiply-add) and attention's
    fused kernel; elementwise work (norms, SwiGLU's gate, softmax) is not counted, as in 6·N·D.
    """
    from torch.utils.flop_counter import FlopCounterMode

    from .model import Transformer

    if n_tokens < 1:
        raise ValueError(f"n_tokens must be at least 1, got {n_tokens}")
    with torch.device("meta"):
        model = Transformer(cfg.replace(max_seq_len=max(cfg.max_seq_len, n_tokens)))
    model.rope_cos, model.rope_sin = model.rope_cos.to("meta"), model.rope_sin.to("meta")  # computed on the CPU
    tokens = torch.zeros(1, n_tokens + 1, dtype=torch.long, device="meta")  # inputs and the next-token targets
    with FlopCounterMode(display=False) as counter:
        logits = model(tokens[:, :-1])  # [1, T, V]
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tokens[:, 1:])
        forward = counter.get_total_flops()
        loss.backward()
        backward = counter.get_total_flops() - forward
    return StepFlops(forward, backward, n_tokens, count_parameters(cfg), multiplied_parameters(cfg))


def attention_flops(cfg: ModelConfig, n_tokens: int) -> int:
    """Forward FLOPs of attention's two products over one sequence, q·kᵀ and weights·v: 2 · 2 · L · T² · d. Not in
    6·N·D (they have no parameters); the fused kernel computes the full T×T square, masked half included."""
    return 2 * 2 * cfg.n_layers * n_tokens * n_tokens * cfg.n_heads * cfg.head_dim


def significant(value: float, digits: int = 2) -> float:
    """value rounded to `digits` significant digits (for "about 170,000 times"), as a float."""
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
