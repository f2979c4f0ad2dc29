import pytest
import torch

import llama_edu as le
from llama_edu.viz import overview


def test_family_rows_carry_the_config_numbers():
    rows = {r["model"]: r for r in overview.family_rows()}
    assert rows["llama-2-70b"]["kv_heads"] == 8 and rows["llama-2-70b"]["attention"] == "GQA"
    assert rows["llama-3-8b"]["vocabulary"] == 128_256 and rows["llama-3-8b"]["rope_theta"] == 500_000
    assert rows["llama-3-8b"]["context"] == 8192 and rows["llama-2-70b"]["dim"] == 8192
    # llama-7b by hand: embeddings and output 32,000 x 4,096; per layer wq, wk, wv, wo, w1, w2, w3 and two norm gains
    llama_7b = 2 * 32000 * 4096 + 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 4096
    assert rows["llama-7b"]["parameters_billions"] == llama_7b / 1e9
    assert rows["llama-7b"]["training_tokens_trillions"] == 1 and rows["llama-2-7b"]["training_tokens_trillions"] == 2


def test_parameter_shares_sum_to_100_percent_per_model():
    cfgs = {"a": le.PRESETS["llama-7b"], "b": le.PRESETS["tiny"]}
    fig = overview.parameter_shares(cfgs)
    totals = [sum(bar.x[i] for bar in fig.data) for i in range(2)]
    assert all(abs(t - 100) < 1e-9 for t in totals)


def test_block_diagram_labels_this_configs_sizes():
    cfg = le.PRESETS["llama-2-70b"]
    text = " ".join(a.text for a in overview.block_diagram(cfg).layout.annotations)
    assert "64 query heads, 8 KV heads of 128" in text and "x 80 layers" in text and "28,672" in text


def test_parameter_rows_are_the_breakdown_with_shares():
    cfg = le.PRESETS["llama-7b"]
    rows = {r["component"]: r for r in overview.parameter_rows(cfg)}
    assert rows["tok_embeddings"]["parameters"] == 32000 * 4096
    assert rows["attention"]["parameters"] == 32 * 4 * 4096 * 4096  # wq, wk, wv, wo per layer
    assert rows["feed_forward"]["share"] == pytest.approx(32 * 3 * 4096 * 11008 / 6_738_415_616)


def test_top_token_rows_are_the_softmax_top_k():
    logits = torch.tensor([0.0, 2.0, 1.0, -1.0])
    rows = overview.top_token_rows(logits, lambda i: f"t{i}", k=2)
    probs = logits.softmax(-1)
    assert rows == [{"token": "t1", "probability": pytest.approx(float(probs[1]))},
                    {"token": "t2", "probability": pytest.approx(float(probs[2]))}]
    assert len(overview.top_token_rows(logits, str, k=10)) == 4  # never more than the vocabulary
