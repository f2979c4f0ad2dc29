"""The call CUDA graphs replay (Transformer.forward with its position given as a tensor) computes what the ordinary
cached forward computes. Checked here on the CPU, eagerly; the graph itself needs a GPU (see the test at the end,
skipped without one, and README's speed table for the run that used it)."""

import pytest
import torch

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model


@pytest.mark.parametrize("kind", ["mha", "gqa", "mqa"])
def test_a_step_at_a_position_tensor_equals_the_cached_forward(kind):
    model = random_model(SMALL_CONFIGS[kind], seed=3)
    prompt = torch.tensor([[1, 17, 5, 42, 9]])
    steps = [7, 33, 2, 61]
    with torch.inference_mode():
        ref_cache, step_cache = model.new_kv_cache(max_len=12), model.new_kv_cache(max_len=12)
        model(prompt, cache=ref_cache)
        model(prompt, cache=step_cache)
        position = torch.zeros(1, dtype=torch.long)  # one tensor, refilled: what a graph replay reads
        for token in steps:
            expected = model(torch.tensor([[token]]), cache=ref_cache)  # [1, 1, V]
            position.fill_(step_cache.length)
            got = model(torch.tensor([[token]]), cache=step_cache, positions=position)
            torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
        assert step_cache.length == ref_cache.length == len(prompt[0]) + len(steps)
        n = ref_cache.length
        for layer in range(model.cfg.n_layers):
            torch.testing.assert_close(step_cache.keys[layer][:, :, :n], ref_cache.keys[layer][:, :, :n])


def test_generate_asks_for_graphs_only_where_they_exist():
    model = random_model(SMALL_CONFIGS["gqa"], seed=1)
    with pytest.raises(ValueError, match="CUDA"):
        list(le.generate(model, [1, 2, 3], max_new_tokens=3, cuda_graph=True))
    assert len(list(le.generate(model, [1, 2, 3], max_new_tokens=3))) == 3  # CPU default: no graph


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_graph_replay_gives_the_same_tokens_and_logits_as_eager_decoding():
    from llama_edu.generate import StepGraph

    model = random_model(SMALL_CONFIGS["gqa"], seed=2).cuda()
    prompt = [1, 5, 9, 11]
    eager = list(le.generate(model, prompt, max_new_tokens=40, cuda_graph=False))
    assert list(le.generate(model, prompt, max_new_tokens=40, cuda_graph=True)) == eager  # float32: exact tokens
    m = model.to(torch.bfloat16)
    with torch.inference_mode():  # bfloat16: the same logits step by step, to bfloat16's precision
        ref_cache, graph_cache = m.new_kv_cache(max_len=24), m.new_kv_cache(max_len=24)
        x = torch.tensor([prompt], device="cuda")
        m(x, cache=ref_cache), m(x, cache=graph_cache)
        graph = StepGraph(m, graph_cache)
        for token in eager[:16]:
            expected = m(torch.tensor([[token]], device="cuda"), cache=ref_cache)
            torch.testing.assert_close(graph(token).clone(), expected, atol=3e-2, rtol=3e-2)
