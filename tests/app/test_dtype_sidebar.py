"""The sidebar says which dtype a model runs in and why (llama_edu.memory.choose_dtype), the teacher chooses it with
LLAMA_EDU_DTYPE at server start (students have no widget for it), and the memory note gives the working context's
figure with the full context's beside it."""

import json

import pytest
import torch
from apphelpers import assert_no_exception, open_page

import llama_edu as le

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(torch.cuda.is_available(), reason="the captions checked here are a CPU's")]


def captions(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


@pytest.fixture
def models_folder(tmp_path, monkeypatch):
    """A folder with a 65B config and no weights: float32 (246 GiB) fits no machine this runs on."""
    big = tmp_path / "llama-65b-config-only"
    big.mkdir()
    (big / "config.json").write_text(json.dumps(le.ModelConfig.from_preset("llama-65b").to_hf_config()))
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(tmp_path))
    monkeypatch.delenv("LLAMA_EDU_DTYPE", raising=False)
    return tmp_path


def test_the_tiny_model_runs_in_float32_on_a_cpu_and_the_sidebar_says_why(monkeypatch):
    monkeypatch.delenv("LLAMA_EDU_DTYPE", raising=False)
    at = open_page("views/overview.py")
    assert_no_exception(at)
    text = captions(at)
    assert "Runs on cpu in float32. float32 fits in this computer's memory" in text
    assert "for the 256 tokens the app runs at most" in text and "full context" not in text  # 256 is its context
    assert at.session_state["dtype"] == "float32"
    assert not [box for box in at.sidebar.selectbox if "dtype" in box.label.lower()]  # no student's choice


def test_a_model_too_big_for_float32_gets_bfloat16_with_the_numbers(models_folder):
    at = open_page("views/overview.py", model_label="llama-65b-config-only")
    assert_no_exception(at)
    text = captions(at)
    assert "Runs on cpu in bfloat16. In float32 this model would need about 246.0 GiB, with only" in text
    assert "for the 512 tokens the app runs at most" in text
    assert "At its full context of 2,048 tokens it would need about 129.5 GiB." in text


def test_the_teacher_chooses_the_dtype_at_server_start(monkeypatch):
    monkeypatch.setenv("LLAMA_EDU_DTYPE", "bfloat16")
    at = open_page("views/overview.py")
    assert_no_exception(at)
    assert "Runs on cpu in bfloat16. bfloat16 was chosen by the teacher" in captions(at)
    assert at.session_state["dtype"] == "bfloat16"


def test_a_dtype_the_app_does_not_know_is_named_and_the_choice_made_automatically(monkeypatch):
    monkeypatch.setenv("LLAMA_EDU_DTYPE", "fp8")
    at = open_page("views/overview.py")
    assert_no_exception(at)
    assert "LLAMA_EDU_DTYPE is set to fp8, which is not one of" in at.sidebar.warning[0].value
    assert "Runs on cpu in float32." in captions(at)


def test_the_dtype_and_memory_notes_are_german_in_german(models_folder):
    at = open_page("views/overview.py", model_label="llama-65b-config-only", lang="de")
    assert_no_exception(at)
    text = captions(at)
    assert "Läuft auf cpu in bfloat16. In float32 bräuchte dieses Modell etwa 246,0 GiB" in text
    assert "Bei vollem Kontext von 2.048 Token bräuchte es etwa 129,5 GiB." in text


def test_a_loaded_model_is_called_loaded_not_measured_against_the_memory_it_already_holds(monkeypatch):
    monkeypatch.delenv("LLAMA_EDU_DTYPE", raising=False)
    at = open_page("views/overview.py")  # loads the tiny model (or finds it loaded by an earlier test)
    at.run()  # the sidebar is drawn before the page loads the model: the next run knows it is loaded
    assert_no_exception(at)
    assert "free: loaded (its weights are in memory already" in captions(at)
