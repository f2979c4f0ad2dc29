"""The 7B path as far as a 24 GiB CPU machine can prove it: LLaMA-2-7B's exact shapes (width 4096, 32 heads,
SwiGLU width 11008, vocabulary 32000) with 2 of its 32 layers, random weights in bfloat16, written in both
layouts, loaded and run in a fresh process whose peak resident memory is measured.

Weights: 2 * 32000 * 4096 (embedding + output) + 2 * 202,383,360 (two blocks) + 4096 = 666,914,816 parameters,
1.33 GB in bfloat16. Loading must not hold them twice: peak RSS growth at most 1.3x the weights.
"""

import json
import subprocess
import sys
import textwrap

import pytest
import torch

import llama_edu as le

pytestmark = pytest.mark.slow  # writes 1.33 GB twice and loads it in two fresh processes: ~40 s

CFG = le.ModelConfig.from_preset("llama-2-7b").replace(n_layers=2)
WEIGHT_BYTES = le.count_parameters(CFG) * 2  # bfloat16

# Runs in a fresh interpreter: the growth of the peak RSS (VmHWM) over the RSS before loading is what loading
# and one forward pass cost, with nothing left over from the process that wrote the files.
PROBE = textwrap.dedent("""
    import json, sys, torch
    import llama_edu as le

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

    torch.set_num_threads(2)
    tokens = torch.tensor([[1, 450, 6635, 3290, 373, 278, 1775]])
    x = torch.ones(4, 4) @ torch.ones(4, 4)  # warm up torch's allocator and thread pool before the baseline
    before = status("VmRSS")
    model = le.load_model(sys.argv[1], device="cpu", dtype=sys.argv[2])
    loaded = status("VmHWM")
    with torch.inference_mode():
        logits = model(tokens)[0, -1].float()
    print(json.dumps({"load_peak": loaded - before, "peak": status("VmHWM") - before,
                      "dtype": str(model.dtype), "finite": bool(torch.isfinite(logits).all()),
                      "top": logits.topk(5).indices.tolist(), "logits": logits[:50].tolist()}))
""")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """(HF dir, Meta dir) holding the same random 7B-shaped weights."""
    root = tmp_path_factory.mktemp("llama7b_2layers")
    with torch.device("meta"):
        model = le.Transformer(CFG)
    model = model.to_empty(device="cpu").to(torch.bfloat16)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.fill_(1.0)  # RMSNorm gains
            else:  # LLaMA's init scale: small enough that two random blocks give finite, varied logits
                p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float32).mul_(0.02))
    model.reset_rope()
    hf, meta = le.save_model(model, root / "hf"), le.save_meta_checkpoint(model, root / "meta")
    del model
    return hf, meta


def probe(path, dtype="bfloat16"):
    out = subprocess.run([sys.executable, "-c", PROBE, str(path), dtype], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_weights_size_is_what_the_config_says():
    assert le.count_parameters(CFG) == 666_914_816
    assert WEIGHT_BYTES == 1_333_829_632


def test_both_layouts_load_run_and_fit_in_1_3x_the_weights(checkpoints):
    results = {layout: probe(path) for layout, path in zip(("hf", "meta"), checkpoints)}
    for layout, r in results.items():
        ratio = r["peak"] / WEIGHT_BYTES
        print(f"{layout}: peak RSS growth {r['peak'] / 2**30:.2f} GiB = {ratio:.2f}x the weights "
              f"(load alone {r['load_peak'] / WEIGHT_BYTES:.2f}x)")
        assert r["dtype"] == "torch.bfloat16" and r["finite"]
        assert ratio <= 1.3, f"{layout}: loading and one forward peaked at {ratio:.2f}x the weights' size"
    # The same weights in the two layouts (HF's rows permuted for its RoPE, undone on load) give the same logits.
    assert results["hf"]["top"] == results["meta"]["top"]
    # bfloat16 keeps 8 bits of mantissa: at logits of size 2-4 one step is 0.016, and the two processes' matrix
    # products may sum in different orders (the Meta weights are memory-mapped, the HF ones copied), so allow
    # a couple of steps.
    assert results["hf"]["logits"] == pytest.approx(results["meta"]["logits"], abs=0.04)


def test_config_files_describe_a_7b_layer(checkpoints):
    hf, meta = checkpoints
    hf_cfg, params = json.loads((hf / "config.json").read_text()), json.loads((meta / "params.json").read_text())
    assert (hf_cfg["hidden_size"], hf_cfg["intermediate_size"], hf_cfg["num_attention_heads"]) == (4096, 11008, 32)
    assert (params["dim"], params["n_heads"], params["n_layers"]) == (4096, 32, 2)
    assert hf_cfg["torch_dtype"] == "bfloat16" if "torch_dtype" in hf_cfg else hf_cfg["dtype"] == "bfloat16"


def test_converting_to_float32_while_loading_holds_the_weights_once(checkpoints):
    """bfloat16 files loaded as float32 (what a CPU with room for it gets): each tensor is converted as it is read,
    so the peak is the float32 weights (2.67 GB) and a tensor, not the float32 model plus the bfloat16 files."""
    r = probe(checkpoints[0], "float32")
    ratio = r["peak"] / (2 * WEIGHT_BYTES)
    print(f"hf bfloat16 -> float32: peak RSS growth {r['peak'] / 2**30:.2f} GiB = {ratio:.2f}x the float32 weights")
    assert r["dtype"] == "torch.float32" and r["finite"]
    assert ratio <= 1.3, f"loading with conversion peaked at {ratio:.2f}x the float32 weights"
