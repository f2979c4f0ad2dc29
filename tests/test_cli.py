"""`python -m llama_edu` inspect, hooks and generate."""

import subprocess
import sys

import pytest

import llama_edu as le
from llama_edu.__main__ import main
from helpers import SMALL_CONFIGS, random_model


@pytest.fixture
def checkpoint(tmp_path, spm_tokenizer_file):
    cfg = SMALL_CONFIGS["gqa"].replace(vocab_size=le.load_tokenizer(spm_tokenizer_file).vocab_size)
    return le.save_model(random_model(cfg, std=0.1), tmp_path / "ckpt", tokenizer_file=spm_tokenizer_file)


def test_inspect_prints_parameter_and_memory_tables_for_a_preset():
    out = subprocess.run([sys.executable, "-m", "llama_edu", "inspect", "--preset", "llama-2-70b"],
                         capture_output=True, text=True, check=True).stdout
    assert "68,976,648,192" in out
    assert "feed_forward" in out and "bfloat16" in out and "128.48 GiB" in out
    assert "1.25 GiB" in out and "10.00 GiB" in out  # KV cache at 4k: GQA vs MHA


def test_hooks_lists_every_hook_with_its_captured_shape(checkpoint, capsys):
    assert main(["hooks", "--model", str(checkpoint), "--prompt", "The cat sat"]) == 0
    out = capsys.readouterr().out
    for name in random_model(SMALL_CONFIGS["gqa"]).hook_names():
        assert name in out
    assert "layers.1.attention.hook_pattern" in out


def test_generate_streams_text(checkpoint, capsys):
    assert main(["generate", "--model", str(checkpoint), "--prompt", "The cat", "--max-new-tokens", "5",
                 "--temperature", "0.7", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("The cat") and "tokens/s" in captured.err


def test_cli_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["generate", "--model", str(tmp_path)]) == 2
    assert "no checkpoint" in capsys.readouterr().err
