"""Hostile checkpoint folders: a shard index that points outside the folder, a weight file linked from elsewhere, and
a tensor far larger than its config says. Each is refused with a message, and the oversized one before it is read
(peak memory measured in a fresh process, as a shared server would feel it)."""

import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import save_file

import llama_edu as le
from llama_edu.checkpoints import HF_INDEX, HF_WEIGHTS, CheckpointError

CFG = le.ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=256, multiple_of=16, max_seq_len=64)
# An embedding of 1.5M rows where the config says 256: 192 MiB in float16, 384 MiB once converted to float32.
HUGE_ROWS = 3 * 2 ** 19


@pytest.fixture(scope="module")
def model() -> le.Transformer:
    torch.manual_seed(0)
    return le.Transformer(CFG).eval()


def sharded(model, folder, weight_map_of):
    """An HF checkpoint in `folder` whose index maps every tensor to weight_map_of(name)."""
    le.save_model(model, folder)
    names = _tensor_names(folder / HF_WEIGHTS)
    (folder / HF_INDEX).write_text(json.dumps({"weight_map": {n: weight_map_of(n) for n in names}}))
    (folder / HF_WEIGHTS).rename(folder / "model-00001-of-00001.safetensors")
    return folder


def _tensor_names(file):
    from safetensors import safe_open
    with safe_open(str(file), framework="pt") as f:
        return list(f.keys())


@pytest.mark.parametrize("target", ["/etc/passwd", "../sibling/model.safetensors", "a/../../sibling/model.safetensors"])
def test_a_shard_index_cannot_name_a_file_outside_the_folder(model, tmp_path, target):
    le.save_model(model, tmp_path / "sibling")  # a real checkpoint next door: it used to be loaded from
    folder = sharded(model, tmp_path / "hostile", lambda name: target)
    with pytest.raises(CheckpointError, match="outside the checkpoint folder hostile"):
        le.load_model(folder, device="cpu")


def test_a_shard_index_may_name_a_subfolder_inside(model, tmp_path):
    folder = sharded(model, tmp_path / "fine", lambda name: "model-00001-of-00001.safetensors")
    (folder / "shards").mkdir()
    (folder / "model-00001-of-00001.safetensors").rename(folder / "shards" / "part.safetensors")
    index = json.loads((folder / HF_INDEX).read_text())
    index["weight_map"] = {name: "shards/./part.safetensors" for name in index["weight_map"]}
    (folder / HF_INDEX).write_text(json.dumps(index))
    loaded = le.load_model(folder, device="cpu")
    assert torch.equal(loaded.output.weight, model.output.weight)


@pytest.mark.parametrize("layout", ["hf", "meta"])
def test_a_weight_file_linked_from_outside_is_refused(model, tmp_path, layout):
    outside = tmp_path / "elsewhere"
    folder = tmp_path / "linked"
    if layout == "hf":
        le.save_model(model, outside)
        le.save_model(model, folder)
        name = HF_WEIGHTS
    else:
        le.save_meta_checkpoint(model, outside)
        le.save_meta_checkpoint(model, folder)
        name = "consolidated.00.pth"
    (folder / name).unlink()
    (folder / name).symlink_to(outside / name)
    with pytest.raises(CheckpointError, match="outside the checkpoint folder linked"):
        le.load_model(folder, device="cpu")


def oversized_checkpoint(model, folder, layout):
    """The model's weights in float16, but with an embedding of HUGE_ROWS rows."""
    state = {name: t.half().contiguous() for name, t in model.state_dict().items()}
    state["tok_embeddings.weight"] = torch.zeros(HUGE_ROWS, CFG.dim, dtype=torch.float16)
    if layout == "meta":
        le.save_meta_checkpoint(model, folder)
        torch.save(state, folder / "consolidated.00.pth")
    else:
        le.save_model(model, folder)
        from llama_edu.checkpoints import meta_to_hf_name, meta_to_hf_qk
        tensors = {}
        for name, tensor in state.items():
            if name.endswith(("wq.weight", "wk.weight")):
                tensor = meta_to_hf_qk(tensor, CFG.n_heads if "wq" in name else CFG.n_kv_heads).contiguous()
            tensors[meta_to_hf_name(name)] = tensor
        save_file(tensors, str(folder / HF_WEIGHTS))
    return folder


PEAK_GROWTH = """
import resource, sys
import llama_edu as le, safetensors.torch  # imported before the baseline: only loading is measured
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    le.load_model(sys.argv[1], device="cpu", dtype="float32", check_memory=False)
    print("LOADED")
except le.CheckpointError as err:
    print("REFUSED", err)
print("PEAK_GROWTH_MB", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.slow  # writes an oversized checkpoint and loads it in a fresh process: ~5 s per layout
@pytest.mark.parametrize("layout", ["hf", "meta"])
def test_an_oversized_tensor_is_refused_before_it_is_read(model, tmp_path, layout):
    # Before the check moved ahead of reading, this cost 656 MB of peak memory (read, then converted to float32,
    # then refused); a larger file would have taken the shared server down.
    folder = oversized_checkpoint(model, tmp_path / layout, layout)
    run = subprocess.run([sys.executable, "-c", PEAK_GROWTH, str(folder)], capture_output=True, text=True,
                         timeout=120)
    out = run.stdout
    assert "REFUSED" in out and "tok_embeddings.weight has shape [1572864, 64]" in out, out + run.stderr
    growth = float(out.split("PEAK_GROWTH_MB")[1])
    print(f"{layout}: peak memory growth while refusing a 192 MiB tensor: {growth:.0f} MB")
    assert growth < 64, f"{growth:.0f} MB"


def test_integer_weights_are_refused_before_they_are_read(model, tmp_path):
    folder = le.save_model(model, tmp_path / "ints")
    tensors = {name: torch.zeros(tuple(t.shape), dtype=torch.int32) for name, t in _tensors(folder).items()}
    save_file(tensors, str(folder / HF_WEIGHTS))
    with pytest.raises(CheckpointError, match="does not hold floating-point numbers"):
        le.load_model(folder, device="cpu")


def _tensors(folder):
    from safetensors.torch import load_file
    return load_file(str(folder / HF_WEIGHTS))
