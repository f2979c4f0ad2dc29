"""Heads that share a KV head: how alike their patterns are (where they look) and their outputs (what they read).
The GQA page quotes both for the shipped model; this file computes those numbers from the model."""

import pytest
import torch

import llama_edu as le
from llama_edu import interventions
from llama_edu.evaluate import everyday_sentences


def test_output_similarity_is_the_mean_cosine_of_the_heads_outputs_over_positions():
    z = torch.randn(5, 4, 8, generator=torch.Generator().manual_seed(0))  # [T, H, hd]
    expected = torch.stack([torch.stack([torch.nn.functional.cosine_similarity(z[:, a], z[:, b], dim=-1).mean()
                                         for b in range(4)]) for a in range(4)])
    torch.testing.assert_close(interventions.output_similarity(z), expected)
    same = z[:, :1].expand(5, 3, 8) * torch.tensor([1.0, 2.0, -1.0])[:, None]  # one direction, scaled, and flipped
    torch.testing.assert_close(interventions.output_similarity(same), torch.tensor(
        [[1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]))


@pytest.fixture(scope="module")
def shipped_by_layer():
    """(pattern within, pattern across, output within, output across) per layer of the shipped model, each the mean
    over its 50 everyday test sentences (evaluate.everyday_sentences)."""
    model, tok = le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)
    cfg = model.cfg
    attention = [f"layers.{i}.attention" for i in range(cfg.n_layers)]
    names = [f"{a}.{hook}" for a in attention for hook in ("hook_pattern", "hook_z")]
    rows = []
    for sentence in everyday_sentences():
        _, cache = model.run_with_cache(torch.tensor([tok.encode(sentence)]), names_filter=names)
        rows.append([
            [*interventions.within_and_across_groups(
                interventions.pattern_similarity(cache[f"{a}.hook_pattern"][0]), cfg.n_kv_heads),
             *interventions.within_and_across_groups(
                 interventions.output_similarity(cache[f"{a}.hook_z"][0]), cfg.n_kv_heads)] for a in attention])
    assert len(rows) == 50
    return torch.tensor(rows).mean(0)  # [L, 4]


def test_on_the_shipped_model_sharing_shows_in_outputs_far_more_than_in_patterns(shipped_by_layer):
    """The page's captions: "the same group leads by less than 0.1 in every layer" (patterns) and "by more than 0.4
    in every layer" (outputs), averaged over the 50 everyday test sentences."""
    pattern_lead = shipped_by_layer[:, 0] - shipped_by_layer[:, 1]
    output_lead = shipped_by_layer[:, 2] - shipped_by_layer[:, 3]
    assert (pattern_lead < 0.1).all(), pattern_lead
    assert (output_lead > 0.4).all(), output_lead
    assert (shipped_by_layer[:, 3].abs() < 0.15).all()  # outputs of different groups: about unrelated
