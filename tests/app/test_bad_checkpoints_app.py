"""A checkpoint someone emailed in: every broken kind gets a message in the app, never a traceback, and a model
whose weights are finite but whose run overflows is stopped with a message instead of drawing NaN heatmaps."""

import json

import pytest
import torch
from apphelpers import assert_no_exception, open_page, shown

import llama_edu as le

CFG = le.ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=4096, multiple_of=16, max_seq_len=64)


def small_model(seed=0):
    torch.manual_seed(seed)
    model = le.Transformer(CFG)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05)
    return model.eval()


MARKDOWN_NAME = "**bold** [a](b) $x^2$ :red[y]"


@pytest.fixture(scope="module")
def models_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("emailed")
    tokenizer = le.TINY_MODEL_DIR / "tokenizer.model"

    le.save_model(small_model(), root / "fine", tokenizer_file=tokenizer)

    overflow = small_model()
    with torch.no_grad():  # finite weights, but v and its projection are so large that the run overflows float32
        overflow.layers[0].attention.wv.weight.fill_(1e20)
        overflow.layers[0].attention.wo.weight.fill_(1e20)
    le.save_model(overflow, root / "overflows", tokenizer_file=tokenizer)

    truncated = le.save_model(small_model(), root / "truncated", tokenizer_file=tokenizer)
    data = (truncated / "model.safetensors").read_bytes()
    (truncated / "model.safetensors").write_bytes(data[: len(data) // 2])

    # A folder name that is markdown, LaTeX, a link and a colour directive, broken: the message names it literally.
    marked = le.save_model(small_model(), root / MARKDOWN_NAME, tokenizer_file=tokenizer)
    (marked / "model.safetensors").write_bytes(data[: len(data) // 2])

    mismatched = le.save_model(small_model(), root / "mismatched", tokenizer_file=tokenizer)
    config = json.loads((mismatched / "config.json").read_text())
    config["intermediate_size"] *= 2
    (mismatched / "config.json").write_text(json.dumps(config))

    # A 100-row embedding next to the 4,096-piece tokenizer: it used to load, then every page failed (IndexError).
    le.save_model(le.Transformer(CFG.replace(vocab_size=100)), root / "vocab-100", tokenizer_file=tokenizer)
    for name, change in [("config-list", []), ("qwen2", {**CFG.to_hf_config(), "model_type": "qwen2"}),
                         ("layers-true", {**CFG.to_hf_config(), "num_hidden_layers": True})]:
        le.save_model(small_model(), root / name, tokenizer_file=tokenizer)
        (root / name / "config.json").write_text(json.dumps(change))

    no_weights = root / "config-only"
    no_weights.mkdir()
    (no_weights / "config.json").write_text(json.dumps(CFG.to_hf_config()))
    return root


@pytest.mark.parametrize("name, message", [
    ("truncated", "truncated"),
    ("mismatched", "do not match"),
    ("config-only", "no model.safetensors"),
    ("vocab-100", "do not belong together"),
    ("config-list", "config.json holds a list"),
    ("qwen2", "model_type 'llama'"),
    ("layers-true", "num_hidden_layers must be a positive whole number"),
])
def test_a_broken_checkpoint_gets_a_message(models_folder, monkeypatch, name, message):
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(models_folder))
    at = open_page("views/attention.py", model_label=name)
    assert_no_exception(at)
    assert at.error and message in shown(at.error[0].value), [e.value for e in at.error]


def test_an_overflowing_run_is_stopped_with_a_message(models_folder, monkeypatch):
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(models_folder))
    fine = open_page("views/attention.py", model_label="fine")
    assert_no_exception(fine)
    assert not fine.error and fine.get("plotly_chart")
    at = open_page("views/attention.py", model_label="overflows")
    assert_no_exception(at)
    assert at.error and "NaN" in at.error[0].value
    # The mask (no model run) is drawn; nothing computed from the NaN run is.
    assert len(at.get("plotly_chart")) < len(fine.get("plotly_chart"))


def test_a_folder_name_is_shown_as_the_characters_it_is(models_folder, monkeypatch):
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(models_folder))
    at = open_page("views/attention.py", model_label=MARKDOWN_NAME)
    assert_no_exception(at)
    message = at.error[0].value
    assert MARKDOWN_NAME in shown(message) and "truncated" in message
    assert MARKDOWN_NAME not in message  # every markdown character of it is escaped
    assert str(models_folder) not in message  # no server path
