"""The memory guard (llama_edu/memory.py): estimates at the context the app runs, the full-context figure beside it,
the activation formula against a measured peak, and the dtype the app and CLI choose."""

import pytest
import torch
from tensor_memory import PeakTensorMemory

import llama_edu as le
from llama_edu.memory import (WORKING_CONTEXT, activation_bytes, choose_dtype, estimate, requested_dtype,
                              rope_table_bytes, working_context)

GIB = 1024 ** 3
CPU, CUDA = torch.device("cpu"), torch.device("cuda")  # a device object needs no GPU; nothing here asks one
# Free memory a CUDA program sees, after its context: a 16 GB T4 reports 15,095 MiB in all, a 24 GB card 24,576 MiB.
FREE_ON_16GB_CARD = 14.5 * GIB
FREE_ON_24GB_CARD = 23.0 * GIB


# ---- the context the estimate is for ----------------------------------------------------------------------------
def test_the_working_context_is_512_tokens_or_the_models_context_where_shorter():
    assert WORKING_CONTEXT == 512
    assert working_context(le.ModelConfig.from_preset("llama-3.1-8b")) == 512
    assert working_context(le.ModelConfig.from_preset("tiny")) == 256


def test_an_estimate_is_for_the_working_context_unless_told_otherwise():
    cfg = le.ModelConfig.from_preset("llama-2-7b")
    assert estimate(cfg, CPU, torch.bfloat16, available=None).seq_len == 512
    assert estimate(cfg, CPU, torch.bfloat16, cfg.max_seq_len, available=None).seq_len == 4096


@pytest.mark.parametrize("preset, fits_16gb, fits_24gb", [
    ("llama-2-7b", True, True),     # 12.9 GiB: README's "a 16 GB GPU holds it" (it was refused at 19.4 GiB)
    ("llama-3-8b", False, True),    # 15.4 GiB: 15.0 GiB of weights alone are more than a T4 has
    ("llama-3.1-8b", False, True),  # the same at 512 tokens (it was estimated at 4,204 GiB: its 128k context)
])
def test_bfloat16_llamas_at_the_working_context_fit_the_cards_they_should(preset, fits_16gb, fits_24gb):
    cfg = le.ModelConfig.from_preset(preset)
    assert estimate(cfg, CUDA, torch.bfloat16, available=FREE_ON_16GB_CARD).fits == fits_16gb
    assert estimate(cfg, CUDA, torch.bfloat16, available=FREE_ON_24GB_CARD).fits == fits_24gb


@pytest.mark.parametrize("preset, full_context_gib", [("llama-2-7b", 20.0), ("llama-3-8b", 36.8),
                                                      ("llama-3.1-8b", 5165.0)])
def test_the_full_context_figure_is_still_reported_and_would_not_fit_a_16gb_card(preset, full_context_gib):
    cfg = le.ModelConfig.from_preset(preset)
    full = estimate(cfg, CUDA, torch.bfloat16, cfg.max_seq_len, available=FREE_ON_16GB_CARD)
    assert full.total / GIB == pytest.approx(full_context_gib, rel=0.01)
    assert not full.fits
    # at the working context, working memory is small next to the weights; at the full context it is not
    working = estimate(cfg, CUDA, torch.bfloat16, available=None)
    assert working.working < 0.04 * working.weights and full.working > 0.5 * full.weights


def test_the_guard_refuses_with_the_number_of_tokens_it_estimated_for(monkeypatch):
    monkeypatch.setattr(le.memory, "available_bytes", lambda device: 10 * GIB)
    with pytest.raises(MemoryError, match=r"for 512 tokens\), but only 10.0 GiB is free"):
        le.memory.check_fits(le.ModelConfig.from_preset("llama-2-7b"), CPU, torch.bfloat16)


# ---- the activation formula against a measurement ----------------------------------------------------------------
def measured_peak(model: le.Transformer, n_tokens: int) -> int:
    """Peak tensor memory of one forward pass on the explicit attention path (hooks listening, nothing kept)."""
    ids = torch.randint(0, model.cfg.vocab_size, (1, n_tokens), generator=torch.Generator().manual_seed(0))
    with torch.no_grad(), PeakTensorMemory(existing=[*model.parameters(), *model.buffers(), ids]) as memory:
        model.run_with_cache(ids, names_filter=["hook_logits"])
    return memory.peak


@pytest.fixture(scope="module")
def tiny_models():
    return {dtype: le.load_model(le.TINY_MODEL_DIR, device="cpu", dtype=dtype) for dtype in ("float32", "bfloat16")}


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("n_tokens", [16, 64, 256])  # at 256 in float32 the attention scores are the peak, else logits
def test_activation_estimate_is_at_least_the_measured_peak_and_at_most_1_3_times_it(tiny_models, dtype, n_tokens):
    model = tiny_models[dtype]
    peak = measured_peak(model, n_tokens)
    estimated = activation_bytes(model.cfg, model.dtype, n_tokens)
    assert peak <= estimated <= 1.3 * peak, (peak, estimated)


@pytest.mark.slow  # one Llama-2-7B layer in bfloat16 (0.9 GB) built and run on 512 tokens: ~10 s
def test_activation_estimate_of_a_7b_layer_at_the_working_context():
    cfg = le.ModelConfig.from_preset("llama-2-7b").replace(n_layers=1)  # one layer: layers' tensors never coexist
    with torch.device("meta"):
        model = le.Transformer(cfg).to(torch.bfloat16)
    model.to_empty(device="cpu").reset_rope()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)
    peak = measured_peak(model.eval(), 512)  # measured 108.5 MiB: the logits [512, 32000] in bfloat16 and float32
    estimated = activation_bytes(cfg, torch.bfloat16, 512)
    assert peak <= estimated <= 1.3 * peak, (peak, estimated)


# ---- choosing the dtype -----------------------------------------------------------------------------------------
def test_a_teachers_dtype_is_taken_as_it_is():
    cfg = le.ModelConfig.from_preset("llama-2-7b")
    choice = choose_dtype(cfg, CPU, available=1 * GIB, requested="float16")
    assert (choice.dtype, choice.reason) == (torch.float16, "requested")
    assert choose_dtype(cfg, CUDA, available=None, requested="float32", bf16_supported=True).dtype == torch.float32


def test_a_gpu_with_bfloat16_gets_bfloat16_and_one_without_gets_float16():
    cfg = le.ModelConfig.from_preset("llama-2-7b")
    assert choose_dtype(cfg, CUDA, FREE_ON_24GB_CARD, bf16_supported=True).dtype == torch.bfloat16
    t4 = choose_dtype(cfg, CUDA, FREE_ON_16GB_CARD, bf16_supported=False)  # a T4: compute capability 7.5
    assert (t4.dtype, t4.reason) == (torch.float16, "gpu_no_bf16")


def test_a_cpu_keeps_float32_where_it_fits():
    choice = choose_dtype(le.ModelConfig.from_preset("tiny"), CPU, available=2 * GIB)
    assert (choice.dtype, choice.reason) == (torch.float32, "cpu_float32_fits")
    assert choose_dtype(le.ModelConfig.from_preset("llama-2-7b"), CPU, available=60 * GIB).dtype == torch.float32
    assert choose_dtype(le.ModelConfig.from_preset("tiny"), CPU, available=None).dtype == torch.float32  # unknown


@pytest.mark.parametrize("free_gib", [22.8, 28.0])  # this machine (the refusal); a 32 GB laptop
def test_a_cpu_without_room_for_float32_gets_bfloat16_with_the_numbers(free_gib):
    cfg = le.ModelConfig.from_preset("llama-2-7b")  # float32: 25.1 GiB of weights; bfloat16: 12.6 GiB
    choice = choose_dtype(cfg, CPU, available=free_gib * GIB)
    assert (choice.dtype, choice.reason) == (torch.bfloat16, "cpu_float32_too_big")
    assert choice.float32_bytes > 25 * GIB and choice.available == free_gib * GIB
    assert estimate(cfg, CPU, choice.dtype, available=choice.available).fits


def test_the_teachers_choice_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.delenv("LLAMA_EDU_DTYPE", raising=False)
    assert requested_dtype() == "auto"
    monkeypatch.setenv("LLAMA_EDU_DTYPE", " BFloat16 ")
    assert requested_dtype() == "bfloat16"
    monkeypatch.setenv("LLAMA_EDU_DTYPE", "fp8")
    with pytest.raises(ValueError, match="LLAMA_EDU_DTYPE must be one of auto, float32, bfloat16, float16"):
        requested_dtype()


# ---- bfloat16 on a CPU computes what float32 does ------------------------------------------------------------------
# bfloat16 keeps 8 bits of mantissa (about 0.4% per value): the tiny model's logits (spread ~3) move by up to 0.1,
# its next-token probabilities by up to 0.011 (measured on these prompts); the bounds leave about 2.5x room.
@pytest.mark.parametrize("prompt", ["The cat sat on the mat",
                                    ("Once upon a time, there was a little girl named Lily. She loved to play outside "
                                     "in the park with her friends.")])
def test_the_tiny_model_in_bfloat16_on_a_cpu_matches_float32(tiny_models, prompt):
    ids = torch.tensor([le.load_tokenizer(le.TINY_MODEL_DIR).encode(prompt)])
    with torch.no_grad():
        exact = tiny_models["float32"](ids)
        fused = tiny_models["bfloat16"](ids)  # PyTorch's fused attention
        explicit, cache = tiny_models["bfloat16"].run_with_cache(ids)  # the step-by-step path every figure is drawn from
    assert cache["layers.0.attention.hook_pattern"].dtype == torch.bfloat16
    for logits in (fused, explicit):
        assert (logits - exact).abs().max() < 0.25
        assert (logits.softmax(-1) - exact.softmax(-1)).abs().max() < 0.03
        assert torch.equal(logits.argmax(-1), exact.argmax(-1))  # the same greedy token at every position


# ---- the CLI chooses the same way ----------------------------------------------------------------------------------
def test_the_cli_says_which_dtype_it_runs_in_and_takes_the_teachers_choice(capsys, monkeypatch):
    from llama_edu.__main__ import main

    monkeypatch.delenv("LLAMA_EDU_DTYPE", raising=False)
    assert main(["hooks", "--device", "cpu", "--prompt", "The cat"]) == 0
    assert "[cpu, float32: float32 fits in this computer's memory" in capsys.readouterr().err
    monkeypatch.setenv("LLAMA_EDU_DTYPE", "bfloat16")
    assert main(["generate", "--device", "cpu", "--prompt", "The cat", "--max-new-tokens", "3"]) == 0
    assert "[cpu, bfloat16: as asked (--dtype or LLAMA_EDU_DTYPE)]" in capsys.readouterr().err
    assert main(["hooks", "--device", "cpu", "--prompt", "The cat", "--dtype", "float16"]) == 0
    assert "[cpu, float16: as asked" in capsys.readouterr().err
    monkeypatch.setenv("LLAMA_EDU_DTYPE", "fp8")
    assert main(["hooks", "--device", "cpu", "--prompt", "The cat"]) == 2
    assert "error: LLAMA_EDU_DTYPE must be one of auto, float32, bfloat16, float16" in capsys.readouterr().err


def test_inspect_prints_the_guards_estimate_at_the_working_and_the_full_context(capsys):
    from llama_edu.__main__ import main

    assert main(["inspect", "--preset", "llama-3.1-8b"]) == 0
    out = capsys.readouterr().out
    assert "the app and CLI run at most 512 tokens" in out
    assert "512      14.96 GiB  64.00 MiB   407.75 MiB    64.00 MiB  15.48 GiB" in out
    assert "131,072  14.96 GiB  16.00 GiB     5.01 TiB    64.00 MiB   5.04 TiB" in out


def test_the_rope_tables_of_the_full_context_are_counted_even_when_the_weights_are_small():
    """cos and sin for every position are built at load: a config claiming millions of positions on small weights must
    not pass the guard on its weights alone. Counted against the tables a real model builds."""
    from llama_edu.config import ModelConfig
    from llama_edu.model import Transformer

    cfg = ModelConfig(dim=64, n_layers=1, n_heads=2, n_kv_heads=2, vocab_size=32, max_seq_len=1000, multiple_of=16)
    model = Transformer(cfg)
    built = model.rope_cos.nbytes + model.rope_sin.nbytes
    assert rope_table_bytes(cfg) == built
    est = estimate(cfg, torch.device("cpu"), torch.float32, available=None)
    assert est.rope_tables == built and est.total == est.weights + est.kv_cache + est.activations + built
    huge = ModelConfig(dim=64, n_layers=1, n_heads=2, n_kv_heads=2, vocab_size=32, max_seq_len=2 ** 22, multiple_of=16)
    assert estimate(huge, torch.device("cpu"), torch.float32, available=2 ** 28).fits is False  # 512 MiB of tables, 256 MiB free
