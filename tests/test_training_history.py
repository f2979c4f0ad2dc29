"""The shipped model's training history (assets/tiny/history): bfloat16 copies saved along the run that trained it,
each a checkpoint both llama_edu and the app load, each the model at its step (the loss falls along them)."""

import json

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

import llama_edu as le
from llama_edu.corpus import generate_stories

HISTORY = le.TINY_MODEL_DIR / "history"
LOG = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
BUDGET_MB = 52  # what the repository spends on the history: four bfloat16 copies of 6.3 M parameters


def folders():
    return [HISTORY / f"step-{step:05d}" for step in LOG["snapshots"]]


def test_the_history_is_the_logged_snapshots_and_within_its_budget():
    assert LOG["snapshots"] and sorted(p.name for p in HISTORY.iterdir()) == [f.name for f in folders()]
    assert LOG["snapshots"][-1] < LOG["config"]["steps"]  # the last point of the run is the shipped model itself
    size = sum(f.stat().st_size for folder in folders() for f in folder.iterdir())
    assert size <= BUDGET_MB * 1e6


def test_each_snapshot_is_a_bfloat16_checkpoint_of_the_shipped_shape_and_tokenizer():
    final = le.read_config(le.TINY_MODEL_DIR)
    tokenizer = (le.TINY_MODEL_DIR / "tokenizer.model").read_bytes()
    for folder in folders():
        assert le.read_config(folder) == final
        assert {t.dtype for t in load_file(folder / "model.safetensors").values()} == {torch.bfloat16}
        assert (folder / "tokenizer.model").read_bytes() == tokenizer


@pytest.mark.slow
def test_the_loss_falls_along_the_history():
    """Loss on texts of the corpus (version 2, a seed the run never used) at each snapshot, then the shipped model."""
    tok = le.load_tokenizer(le.TINY_MODEL_DIR)
    texts = generate_stories(24, seed=4242)
    batch = [torch.tensor(tok.encode(t, eos=True)[:128]) for t in texts]

    def loss(folder) -> float:
        model = le.load_model(folder, dtype="float32")
        with torch.no_grad():
            return sum(F.cross_entropy(model(ids[None, :-1])[0], ids[1:]).item() for ids in batch) / len(batch)

    losses = [loss(folder) for folder in [*folders(), le.TINY_MODEL_DIR]]
    assert all(a > b for a, b in zip(losses, losses[1:])), losses
