"""The model picker: only checkpoints under LLAMA_EDU_MODELS are offered, sizes are shown before loading, and a
model that cannot fit (or cannot be read) gets a message with the numbers instead of a crash."""

import json

from apphelpers import assert_no_exception, open_page

import llama_edu as le


def test_models_folder_offers_its_checkpoints_and_refuses_what_does_not_fit(tmp_path, monkeypatch):
    big = tmp_path / "llama-65b-config-only"
    big.mkdir()
    (big / "config.json").write_text(json.dumps(le.ModelConfig.from_preset("llama-65b").to_hf_config()))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ not json")
    (tmp_path / "not-a-model").mkdir()
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(tmp_path))

    at = open_page("views/overview.py")
    options = at.sidebar.selectbox[0].options
    assert "llama-65b-config-only" in options and "broken" in options and "not-a-model" not in options

    at = open_page("views/overview.py", model_label="llama-65b-config-only")
    assert_no_exception(at)
    assert any("does NOT fit" in c.value for c in at.sidebar.caption)
    assert at.error and "needs about" in at.error[0].value and "GiB is free" in at.error[0].value

    at = open_page("views/overview.py", model_label="broken")
    assert_no_exception(at)
    assert at.error and "not valid JSON" in at.error[0].value
