"""Hostile and broken checkpoint folders (issue 15, item 5): a shard index or settings file that points outside the
folder, a weight file linked from elsewhere, a tensor far larger than its config says, quantized weights, config
files of the wrong shape or type field by field, other architectures, and a tokenizer larger than the model's
vocabulary. Each is refused with a CheckpointError naming the file and field, the oversized tensor before it is read
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
    run = subprocess.run([sys.executable, "-c", PEAK_GROWTH, str(folder)], capture_output=True, text=True, check=False,
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
    with pytest.raises(CheckpointError, match="is stored as int32, not as floating-point weights"):
        le.load_model(folder, device="cpu")


def _tensors(folder):
    from safetensors.torch import load_file
    return load_file(str(folder / HF_WEIGHTS))


# ---- broken and hostile config files: a CheckpointError naming the file and the field, never a TypeError ---------
def hf_folder(model, folder, **changes):
    """The model saved in HF layout, its config.json changed: a value of DELETE removes the field."""
    le.save_model(model, folder)
    config = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if value is DELETE:
            config.pop(key, None)
        else:
            config[key] = value
    (folder / "config.json").write_text(json.dumps(config))
    return folder


DELETE = object()
LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 8192}


@pytest.mark.parametrize("text, message", [
    ("[]", "config.json holds a list, not a JSON object"),
    ("null", "config.json holds null, not a JSON object"),
    ('"llama"', "config.json holds text, not a JSON object"),
    ("[" * 200_000 + "]" * 200_000, "config.json nests its JSON too deeply"),
    ("{not json", "config.json is not valid JSON"),
])
def test_a_config_that_is_not_a_json_object_is_refused(model, tmp_path, text, message):
    folder = le.save_model(model, tmp_path / "odd")
    (folder / "config.json").write_text(text)
    with pytest.raises(CheckpointError, match=message):
        le.read_config(folder)
    with pytest.raises(CheckpointError, match=message):
        le.load_model(folder, device="cpu")


@pytest.mark.parametrize("name", ["config.json", HF_INDEX])
def test_a_settings_file_linked_from_outside_is_refused(model, tmp_path, name):
    """Its values would show in error messages: a link to another file of the server must not be read."""
    (tmp_path / "server-secret.json").write_text(json.dumps({"hidden_size": "the server's secret"}))
    folder = sharded(model, tmp_path / "linked", lambda n: "model-00001-of-00001.safetensors")
    (folder / name).unlink()
    (folder / name).symlink_to(tmp_path / "server-secret.json")
    with pytest.raises(CheckpointError, match=f"the file '{name}', which is outside the checkpoint folder linked") as err:
        le.load_model(folder, device="cpu")
    assert "secret" not in str(err.value)


def test_a_config_that_is_not_text_is_refused(model, tmp_path):
    folder = le.save_model(model, tmp_path / "binary")
    (folder / "config.json").write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(CheckpointError, match="config.json is not a UTF-8 text file"):
        le.read_config(folder)


@pytest.mark.parametrize("field, value, message", [
    ("hidden_size", "64", "hidden_size must be a positive whole number, but it is '64' \\(text\\)"),
    ("hidden_size", [64], "hidden_size must be a positive whole number, but it is \\[64\\] \\(a list\\)"),
    ("hidden_size", 64.5, "hidden_size must be a positive whole number, but it is 64.5"),
    ("hidden_size", -64, "hidden_size must be a positive whole number, but it is -64"),
    ("hidden_size", True, "hidden_size must be a positive whole number, but it is True \\(true/false\\)"),
    ("hidden_size", 10 ** 40, "hidden_size must be a positive whole number"),
    ("hidden_size", DELETE, "config.json lacks the field 'hidden_size'"),
    ("num_hidden_layers", True, "num_hidden_layers must be a positive whole number, but it is True"),
    ("num_attention_heads", None, "num_attention_heads must be a positive whole number, but it is None \\(null\\)"),
    ("num_key_value_heads", "2", "num_key_value_heads must be a positive whole number"),
    ("vocab_size", 0, "vocab_size must be a positive whole number, but it is 0"),
    ("intermediate_size", "176", "intermediate_size must be a positive whole number, but it is '176'"),
    ("intermediate_size", -1, "intermediate_size must be a positive whole number, but it is -1"),
    ("max_position_embeddings", 0.5, "max_position_embeddings must be a positive whole number"),
    ("max_position_embeddings", 2 ** 31 - 1, "max_position_embeddings must be a positive whole number up to 4,194,304"),
    ("rms_norm_eps", "1e-5", "rms_norm_eps must be a positive number below 1, but it is '1e-5' \\(text\\)"),
    ("rms_norm_eps", -1e-5, "rms_norm_eps must be a positive number below 1, but it is -1e-05"),
    ("rms_norm_eps", 0, "rms_norm_eps must be a positive number below 1, but it is 0"),
    ("rms_norm_eps", float("nan"), "rms_norm_eps must be a positive number below 1, but it is nan"),
    ("rope_theta", "10000", "rope_theta must be a positive number, but it is '10000'"),
    ("rope_theta", -10000, "rope_theta must be a positive number, but it is -10000"),
    ("rope_theta", float("inf"), "rope_theta must be a positive number, but it is inf"),
    ("tie_word_embeddings", "false", "tie_word_embeddings must be true or false, but it is 'false'"),
    ("attention_bias", "no", "attention_bias must be true or false"),
    ("rope_scaling", [8.0], "rope_scaling must be an object of settings or null, but it is \\[8.0\\] \\(a list\\)"),
    ("rope_parameters", "llama3", "rope_parameters must be an object of settings or null"),
])
def test_a_config_field_of_the_wrong_type_or_range_is_named(model, tmp_path, field, value, message):
    changes = {field: value}
    if field == "rope_theta":  # transformers 5 keeps it in rope_parameters, which save_model also writes
        changes["rope_parameters"] = DELETE
    folder = hf_folder(model, tmp_path / "broken", **changes)
    with pytest.raises(CheckpointError, match=message) as refused:
        le.read_config(folder)
    assert str(refused.value).startswith(str(folder / "config.json")), refused.value


@pytest.mark.parametrize("scaling, message", [
    ({"rope_type": "llama3", "factor": 8.0},
     "rope_scaling is 'llama3' but lacks low_freq_factor, high_freq_factor, original_max_position_embeddings"),
    ({**LLAMA3_SCALING, "factor": "8"}, "rope_scaling: factor must be a positive number, but it is '8'"),
    ({**LLAMA3_SCALING, "original_max_position_embeddings": -1}, "original_max_position_embeddings must be a positive"),
    ({**LLAMA3_SCALING, "low_freq_factor": 4.0, "high_freq_factor": 4.0}, "high_freq_factor \\(4\\) must be larger"),
    ({"rope_type": "yarn", "factor": 4.0}, "RoPE scaling 'yarn' is not supported"),
])
def test_rope_scaling_with_missing_or_bad_keys_is_named(model, tmp_path, scaling, message):
    folder = hf_folder(model, tmp_path / "rope", rope_scaling=scaling, rope_parameters=DELETE)
    with pytest.raises(CheckpointError, match=message):
        le.read_config(folder)


def test_complete_llama3_rope_scaling_is_read(model, tmp_path):
    folder = hf_folder(model, tmp_path / "llama31", rope_scaling={**LLAMA3_SCALING, "type": "llama3"},
                       rope_parameters=DELETE)
    assert le.read_config(folder).rope_scaling == LLAMA3_SCALING


@pytest.mark.parametrize("model_type", ["qwen2", "mistral", "gemma", "gpt2", "phi3"])
def test_another_architecture_is_refused_naming_what_was_found_and_what_is_supported(model, tmp_path, model_type):
    folder = hf_folder(model, tmp_path / model_type, model_type=model_type)
    with pytest.raises(CheckpointError, match=f"describes a '{model_type}' model .*model_type 'llama'"):
        le.load_model(folder, device="cpu")


def test_an_old_config_without_model_type_is_judged_by_its_architecture(model, tmp_path):
    qwen = hf_folder(model, tmp_path / "qwen", model_type=DELETE, architectures=["Qwen2ForCausalLM"])
    with pytest.raises(CheckpointError, match="describes a 'Qwen2ForCausalLM' model"):
        le.read_config(qwen)
    llama = hf_folder(model, tmp_path / "llama", model_type=DELETE, architectures=["LlamaForCausalLM"])
    assert le.read_config(llama).dim == CFG.dim


@pytest.mark.parametrize("index, message", [
    ([], "has no weight_map"),
    ({"weight_map": ["model-00001-of-00001.safetensors"]}, "has no weight_map"),
    ({"weight_map": None}, "has no weight_map"),
    ({"weight_map": {"model.norm.weight": 5}}, "names the shard 5, which is not a file name"),
    ({"weight_map": {"model.norm.weight": ""}}, "names a weight file that is not a file name"),
])
def test_a_malformed_shard_index_is_refused(model, tmp_path, index, message):
    folder = sharded(model, tmp_path / "index", lambda name: "model-00001-of-00001.safetensors")
    (folder / HF_INDEX).write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match=message):
        le.load_model(folder, device="cpu")


def test_a_deeply_nested_shard_index_is_refused(model, tmp_path):
    folder = sharded(model, tmp_path / "deep", lambda name: "model-00001-of-00001.safetensors")
    (folder / HF_INDEX).write_text('{"weight_map": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(CheckpointError, match="model.safetensors.index.json nests its JSON too deeply"):
        le.load_model(folder, device="cpu")


@pytest.mark.parametrize("params, message", [
    ([], "params.json holds a list, not a JSON object"),
    (None, "params.json holds null"),
    ({"dim": "64"}, "params.json: dim must be a positive whole number, but it is '64'"),
    ({"n_layers": True}, "params.json: n_layers must be a positive whole number, but it is True"),
    ({"norm_eps": "tiny"}, "params.json: norm_eps must be a positive number below 1"),
    ({"rope_theta": []}, "params.json: rope_theta must be a positive number"),
    ({"ffn_dim_multiplier": -1.3}, "params.json: ffn_dim_multiplier must be a positive number"),
    ({"use_scaled_rope": "yes"}, "params.json: use_scaled_rope must be true or false"),
    ({"n_heads": DELETE}, "params.json lacks the field 'n_heads'"),
])
def test_a_broken_meta_params_file_is_refused(model, tmp_path, params, message):
    folder = le.save_meta_checkpoint(model, tmp_path / "meta")
    if isinstance(params, dict):
        good = json.loads((folder / "params.json").read_text())
        for key, value in params.items():
            good.pop(key) if value is DELETE else good.__setitem__(key, value)
        params = good
    (folder / "params.json").write_text(json.dumps(params))
    with pytest.raises(CheckpointError, match=message):
        le.load_model(folder, device="cpu")


# ---- weights the config does not describe: refused from the header, before they are read ------------------------
@pytest.mark.parametrize("dtype, stored_as", [(torch.int8, "int8"), (torch.uint8, "uint8"),
                                               (torch.float8_e4m3fn, "float8_e4m3fn")])
def test_quantized_safetensors_weights_are_refused_not_converted(model, tmp_path, dtype, stored_as):
    folder = le.save_model(model, tmp_path / "quantized")
    tensors = {name: t.to(dtype) if t.ndim == 2 else t for name, t in _tensors(folder).items()}
    save_file(tensors, str(folder / HF_WEIGHTS))
    with pytest.raises(CheckpointError, match=f"is stored as {stored_as}, not as floating-point weights .*quantized"):
        le.load_model(folder, device="cpu")


@pytest.mark.parametrize("dtype", [torch.int8, torch.float8_e4m3fn])
def test_quantized_meta_weights_are_refused_not_converted(model, tmp_path, dtype):
    folder = le.save_meta_checkpoint(model, tmp_path / "quantized")
    state = {name: t.to(dtype) if t.ndim == 2 else t for name, t in model.state_dict().items()}
    torch.save(state, folder / "consolidated.00.pth")
    name = str(dtype).removeprefix("torch.")
    with pytest.raises(CheckpointError, match=f"is stored as {name}, not as floating-point weights"):
        le.load_model(folder, device="cpu")


def sparse_safetensors(file, tensors: dict, giant_name: str, giant_shape: list[int]):
    """A safetensors file holding `tensors` (float16) and, last, a float16 tensor of giant_shape whose bytes are a
    hole in the file: the file claims its full size but takes no disk, so the test writes nothing large."""
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        data = tensor.to(torch.float16).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F16", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    giant_bytes = 2 * giant_shape[0] * giant_shape[1]
    header[giant_name] = {"dtype": "F16", "shape": giant_shape, "data_offsets": [offset, offset + giant_bytes]}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(file, "wb") as out:
        out.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))
        out.truncate(8 + len(text) + offset + giant_bytes)
    return giant_bytes


@pytest.mark.slow  # a fresh process, ~3 s
def test_the_issues_4096_by_98304_embedding_is_refused_from_its_header(model, tmp_path):
    """The case in the issue: a float16 embedding of 4096 x 98304 (768 MiB; 1.5 GiB once converted to float32) where
    the config says 256 x 64. It reached 2.6 GB of memory before refusal; now the header refuses it, and the process
    grows by a small fraction of the tensor (measured in a fresh process, as a shared server would feel it)."""
    folder = le.save_model(model, tmp_path / "giant")
    tensors = {n: t for n, t in _tensors(folder).items() if n != "model.embed_tokens.weight"}
    giant = sparse_safetensors(folder / HF_WEIGHTS, tensors, "model.embed_tokens.weight", [4096, 98304])
    run = subprocess.run([sys.executable, "-c", PEAK_GROWTH, str(folder)], capture_output=True, text=True, check=False,
                         timeout=120)
    out = run.stdout
    assert "REFUSED" in out and "tok_embeddings.weight has shape [4096, 98304], but the config implies [256, 64]" \
        in out, out + run.stderr
    growth_mb = float(out.split("PEAK_GROWTH_MB")[1])
    print(f"peak memory growth while refusing a {giant / 2 ** 20:.0f} MiB tensor: {growth_mb:.0f} MB")
    assert growth_mb < giant / 2 ** 20 / 20, f"{growth_mb:.0f} MB for a {giant / 2 ** 20:.0f} MiB tensor"


# ---- the tokenizer must fit the model's vocabulary ------------------------------------------------------------
def test_a_tokenizer_larger_than_the_models_vocabulary_is_refused(tmp_path, spm_tokenizer_file):
    small_vocab = le.Transformer(CFG.replace(vocab_size=100)).eval()
    folder = le.save_model(small_vocab, tmp_path / "vocab100", tokenizer_file=spm_tokenizer_file)
    tok = le.load_tokenizer(folder)
    with pytest.raises(CheckpointError, match="vocab100: the tokenizer has 512 pieces \\(ids up to 511\\), but the "
                                              "model's vocab_size is 100.*do not belong together"):
        le.check_tokenizer(le.read_config(folder), tok, folder.name)


def test_load_model_checks_the_tokenizer_before_reading_any_weight(tmp_path, spm_tokenizer_file):
    small_vocab = le.Transformer(CFG.replace(vocab_size=100)).eval()
    folder = le.save_model(small_vocab, tmp_path / "vocab100", tokenizer_file=spm_tokenizer_file)
    (folder / HF_WEIGHTS).unlink()  # had the weights been read first, this would be the error
    with pytest.raises(CheckpointError, match="vocab_size is 100"):
        le.load_model(folder, device="cpu", tokenizer=le.load_tokenizer(folder))


def test_a_model_with_more_rows_than_tokenizer_pieces_is_fine(tmp_path, spm_tokenizer_file):
    padded = le.Transformer(CFG.replace(vocab_size=576)).eval()  # 512 pieces padded to a multiple of 64
    folder = le.save_model(padded, tmp_path / "padded", tokenizer_file=spm_tokenizer_file)
    le.check_tokenizer(le.read_config(folder), le.load_tokenizer(folder), folder.name)


def test_the_cli_refuses_a_tokenizer_that_does_not_fit_before_loading(tmp_path, spm_tokenizer_file, capsys):
    from llama_edu.__main__ import main

    small_vocab = le.Transformer(CFG.replace(vocab_size=100)).eval()
    folder = le.save_model(small_vocab, tmp_path / "vocab100", tokenizer_file=spm_tokenizer_file)
    assert main(["generate", "--model", str(folder), "--device", "cpu", "--max-new-tokens", "2"]) == 2
    assert "do not belong together" in capsys.readouterr().err
