"""The training recipe: schedule, optimiser groups, determinism, resumption, and that it learns."""

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import llama_edu as le
from llama_edu.train import TrainConfig, learning_rate, make_optimizer, prepare_data, train


def test_schedule_warms_up_then_decays_to_ten_percent():
    tc = TrainConfig(lr=1e-3, steps=1000, warmup_steps=100)
    lrs = [learning_rate(s, tc) for s in range(tc.steps)]
    assert lrs[0] == pytest.approx(1e-5)
    assert max(lrs) == pytest.approx(1e-3) and lrs.index(max(lrs)) == 99
    assert all(a <= b for a, b in zip(lrs[:100], lrs[1:100]))  # warmup rises
    assert all(a >= b for a, b in zip(lrs[100:], lrs[101:]))  # cosine falls
    assert lrs[-1] == pytest.approx(1e-4, rel=1e-3)  # LLaMA: final rate is 10% of the peak
    mid = tc.warmup_steps + (tc.steps - tc.warmup_steps) // 2
    assert lrs[mid] == pytest.approx(0.55e-3, rel=1e-2)  # halfway down the cosine


def test_optimizer_is_llamas_adamw_without_decay_on_gains():
    model = le.Transformer(le.ModelConfig.from_preset("tiny"))
    opt = make_optimizer(model, TrainConfig())
    assert isinstance(opt, torch.optim.AdamW)
    decayed, plain = opt.param_groups
    assert decayed["betas"] == (0.9, 0.95) and decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decayed["params"]) and all(p.ndim == 1 for p in plain["params"])


def _toy(tmp_path):
    # Corpus version 1: its small alphabet leaves room in a 320-piece vocabulary (version 2's digits and letters
    # such as "ü" need more than the 61 pieces left beside the 259 reserved ones).
    return TrainConfig.quick_config(out=str(tmp_path / "out"), data=str(tmp_path.parent / "shared-data"),
                                    corpus_chars=400_000, vocab_size=320, steps=24, warmup_steps=4, eval_every=12,
                                    eval_batches=2, seq_len=64, corpus_version=1, snapshot_steps="12")


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("toy") / "run"
    tmp.mkdir()
    tc = _toy(tmp)
    return tc, train(tc, progress=False)


def test_a_few_steps_lower_the_loss(toy_run):
    tc, log = toy_run
    first = log["steps"][0]["loss"]
    assert first == pytest.approx(math.log(tc.vocab_size), rel=0.1)  # a fresh model guesses uniformly
    assert log["evals"][-1]["val_loss"] < first - 0.5
    assert all(s["grad_norm"] > 0 for s in log["steps"])


def test_training_writes_a_checkpoint_both_libraries_load(toy_run):
    tc, _ = toy_run
    model = le.load_model(tc.out)
    tok = le.load_tokenizer(tc.out)
    ids = torch.tensor([tok.encode("The cat sat on the mat.")])
    from helpers import hf_reference

    with torch.no_grad():
        assert (model(ids) - hf_reference(tc.out)(ids).logits).abs().max() < 1e-4


def test_training_is_deterministic_and_resumes_exactly(toy_run, tmp_path):
    tc, _ = toy_run
    again = _toy(tmp_path / "a")
    (tmp_path / "a").mkdir()
    train(again, progress=False)
    reference = load_file(f"{tc.out}/model.safetensors")
    assert all(torch.equal(t, reference[k]) for k, t in load_file(f"{again.out}/model.safetensors").items())

    (tmp_path / "b").mkdir()
    interrupted = _toy(tmp_path / "b")
    train(interrupted, progress=False, stop_after=9)  # as if the machine went down after step 9
    train(interrupted, resume=True, progress=False)
    resumed = load_file(f"{interrupted.out}/model.safetensors")
    assert all(torch.equal(t, reference[k]) for k, t in resumed.items())


def test_training_writes_the_words_of_its_training_text(toy_run):
    """training_words.txt lists exactly the words of train.txt, the text the model was trained on."""
    from pathlib import Path

    from llama_edu.training_words import training_words, word_list

    tc, _ = toy_run
    train_text = (Path(tc.data) / "train.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(training_words(tc.out)) == word_list(train_text)
    assert {"cat", "sat", "mat"} <= training_words(tc.out)


def test_snapshots_along_the_run_are_bfloat16_checkpoints_of_that_step(toy_run):
    tc, log = toy_run
    assert log["snapshots"] == [12]
    folder = Path(tc.out) / "history" / "step-00012"
    assert {t.dtype for t in load_file(folder / "model.safetensors").values()} == {torch.bfloat16}
    snapshot, final = le.load_model(folder, dtype="float32"), le.load_model(tc.out)
    assert snapshot.cfg == final.cfg
    ids = torch.tensor([le.load_tokenizer(tc.out).encode("The cat sat on the mat.")])
    with torch.no_grad():
        assert (snapshot(ids).float() - final(ids)).abs().max() > 0.1  # twelve more steps changed the model


def test_a_data_folder_of_another_corpus_is_refused(toy_run):
    tc, _ = toy_run
    other = dataclasses.replace(tc, corpus_version=2)
    with pytest.raises(ValueError, match="give another --data folder"):
        prepare_data(other)
