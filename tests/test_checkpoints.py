"""Checkpoints are data: both layouts load, and every broken one is refused with a message that names the fault."""

import json
import os

import pytest
import torch
from safetensors.torch import load_file, save_file

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model


@pytest.fixture
def model():
    return random_model(SMALL_CONFIGS["gqa"], seed=5)


@pytest.fixture
def hf_dir(model, tmp_path):
    return le.save_model(model, tmp_path / "hf")


def same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_both_layouts_round_trip_exactly(model, tmp_path):
    assert same_weights(le.load_model(le.save_model(model, tmp_path / "hf")), model)
    for shards in (1, 2):
        assert same_weights(le.load_model(le.save_meta_checkpoint(model, tmp_path / f"meta{shards}", shards)), model)


def test_loaded_model_is_ready_for_inference(hf_dir):
    loaded = le.load_model(hf_dir)
    assert not loaded.training
    assert all(not p.requires_grad and p.device.type == "cpu" for p in loaded.parameters())
    assert loaded.rope_cos.device.type == "cpu" and loaded.rope_cos.shape == (64, 4)


def test_sharded_safetensors_with_index(model, hf_dir, tmp_path):
    tensors = load_file(hf_dir / "model.safetensors")
    sharded = tmp_path / "sharded"
    sharded.mkdir()
    (sharded / "config.json").write_text((hf_dir / "config.json").read_text())
    names = sorted(tensors)
    halves = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    weight_map = {}
    for file, part in halves.items():
        save_file({n: tensors[n] for n in part}, sharded / file)
        weight_map.update({n: file for n in part})
    (sharded / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    assert same_weights(le.load_model(sharded), model)


def test_meta_params_without_vocab_size_reads_it_from_the_tokenizer(model, tmp_path, spm_tokenizer_file):
    cfg = model.cfg.replace(vocab_size=le.load_tokenizer(spm_tokenizer_file).vocab_size)
    target = le.save_meta_checkpoint(random_model(cfg), tmp_path / "meta", tokenizer_file=spm_tokenizer_file)
    params = json.loads((target / "params.json").read_text())
    params["vocab_size"] = -1
    (target / "params.json").write_text(json.dumps(params))
    assert le.load_model(target).cfg.vocab_size == cfg.vocab_size


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "does not exist"),
    (lambda d: d, "no checkpoint in"),
])
def test_missing_or_empty_directory(tmp_path, make, message):
    with pytest.raises(le.CheckpointError, match=message):
        le.load_model(make(tmp_path))


def test_config_without_weights(hf_dir):
    (hf_dir / "model.safetensors").unlink()
    with pytest.raises(le.CheckpointError, match="no model.safetensors"):
        le.load_model(hf_dir)


def test_truncated_safetensors_names_the_file(hf_dir):
    data = (hf_dir / "model.safetensors").read_bytes()
    (hf_dir / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(le.CheckpointError, match="model.safetensors.*truncated"):
        le.load_model(hf_dir)


def test_config_that_does_not_match_the_weights_names_the_parameter(hf_dir):
    config = json.loads((hf_dir / "config.json").read_text())
    config["intermediate_size"] += 16
    (hf_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(le.CheckpointError, match=r"feed_forward\.w[123]\.weight has shape .* do not match"):
        le.load_model(hf_dir)


def test_missing_parameter_is_named(hf_dir):
    tensors = load_file(hf_dir / "model.safetensors")
    del tensors["model.layers.1.mlp.up_proj.weight"]
    save_file(tensors, hf_dir / "model.safetensors")
    with pytest.raises(le.CheckpointError, match=r"missing.*layers\.1\.feed_forward\.w3\.weight"):
        le.load_model(hf_dir)


def test_nan_weights_are_refused_at_load(hf_dir):
    tensors = load_file(hf_dir / "model.safetensors")
    tensors["model.layers.0.self_attn.v_proj.weight"][3, 3] = float("nan")
    save_file(tensors, hf_dir / "model.safetensors")
    with pytest.raises(le.CheckpointError, match=r"layers\.0\.attention\.wv\.weight contains 1 NaN"):
        le.load_model(hf_dir)


def test_non_finite_values_are_counted_exactly_even_when_the_sum_overflows():
    """The count trusts a finite sum (a NaN or inf would spoil it); a sum that is not finite is counted out."""
    from llama_edu.checkpoints import _count_non_finite

    overflowing = torch.full((10,), 60000.0, dtype=torch.float16)  # every value finite, their float16 sum is inf
    assert not torch.isfinite(overflowing.sum()) and _count_non_finite(overflowing) == 0
    spoiled = torch.randn(1000)
    spoiled[[3, 7, 9]] = torch.tensor([float("nan"), float("inf"), float("-inf")])
    assert _count_non_finite(spoiled) == 3
    assert _count_non_finite(torch.randn(1000)) == 0


def test_invalid_config_json(hf_dir):
    (hf_dir / "config.json").write_text("{ not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        le.load_model(hf_dir)


class _RunsCodeWhenUnpickled:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_runs_code_is_refused_and_nothing_runs(model, tmp_path):
    target = le.save_meta_checkpoint(model, tmp_path / "evil")
    marker = tmp_path / "code-ran"
    state = torch.load(target / "consolidated.00.pth", weights_only=True)
    state["payload"] = _RunsCodeWhenUnpickled(marker)
    torch.save(state, target / "consolidated.00.pth")
    with pytest.raises(le.CheckpointError, match="could not be read as plain tensors"):
        le.load_model(target)
    assert not marker.exists()


def test_save_writes_what_transformers_expects(hf_dir):
    config = json.loads((hf_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and config["num_key_value_heads"] == 2
    assert "model.layers.0.self_attn.q_proj.weight" in load_file(hf_dir / "model.safetensors")
    assert not list(hf_dir.glob("*.tmp"))
