"""Configs and presets against the published numbers."""

import json

import pytest

import llama_edu as le

PUBLISHED = {  # parameter counts of Meta's released checkpoints
    "llama-7b": 6_738_415_616,
    "llama-13b": 13_015_864_320,
    "llama-65b": 65_285_660_672,
    "llama-2-7b": 6_738_415_616,
    "llama-2-70b": 68_976_648_192,
    "llama-3-8b": 8_030_261_248,
    "llama-3-70b": 70_553_706_496,
    "llama-3.1-405b": 405_853_388_800,
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_presets_give_published_parameter_counts(name):
    assert le.count_parameters(le.ModelConfig.from_preset(name)) == PUBLISHED[name]


def test_all_required_presets_exist():
    for name in ["llama-7b", "llama-13b", "llama-33b", "llama-65b", "llama-2-7b", "llama-2-13b", "llama-2-70b",
                 "llama-3-8b", "llama-3-70b", "llama-3.1-405b", "tiny"]:
        assert le.ModelConfig.from_preset(name).name == name
    with pytest.raises(ValueError, match="unknown preset"):
        le.ModelConfig.from_preset("gpt-5")


@pytest.mark.parametrize("dim, multiple_of, mult, expected", [
    (4096, 256, None, 11008), (5120, 256, None, 13824), (8192, 4096, 1.3, 28672), (4096, 1024, 1.3, 14336),
])
def test_meta_feed_forward_sizing_rule(dim, multiple_of, mult, expected):
    assert le.ffn_hidden_dim(dim, multiple_of, mult) == expected


def test_count_matches_an_allocated_model():
    cfg = le.ModelConfig.from_preset("tiny")
    model = le.Transformer(cfg)
    assert le.count_parameters(cfg) == sum(p.numel() for p in model.parameters())
    assert sum(le.parameter_breakdown(cfg).values()) == le.count_parameters(cfg)


def test_kv_cache_bytes_uses_kv_heads_times_head_width():
    cfg = le.ModelConfig.from_preset("llama-2-70b")
    # 2 (K, V) * 80 layers * 8 KV heads * 128 * 4096 tokens * 2 bytes = 1.25 GiB
    assert le.kv_cache_bytes(cfg, seq_len=4096, batch_size=1, bytes_per_value=2) == 1_342_177_280
    mha = cfg.replace(n_kv_heads=64)
    assert le.kv_cache_bytes(mha, 4096) == 8 * le.kv_cache_bytes(cfg, 4096)


def test_meta_params_with_vocab_minus_one_takes_the_tokenizer_size():
    params = {"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-06, "vocab_size": -1}
    with pytest.raises(ValueError, match="tokenizer"):
        le.ModelConfig.from_meta_params(params)
    cfg = le.ModelConfig.from_meta_params(params, vocab_size=32000)
    assert le.count_parameters(cfg) == PUBLISHED["llama-7b"]


def test_hf_config_round_trip_and_transformers_agrees():
    from transformers import LlamaConfig

    for name in ["llama-2-70b", "llama-3.1-8b", "tiny"]:
        cfg = le.ModelConfig.from_preset(name)
        hf = cfg.to_hf_config()
        back = le.ModelConfig.from_hf_config(json.loads(json.dumps(hf)))
        # HF stores the feed-forward width itself, not Meta's multiple_of and multiplier that produced it
        assert back == cfg.replace(ffn_hidden_dim=cfg.hidden_dim, multiple_of=256, ffn_dim_multiplier=None)
        assert le.count_parameters(back) == le.count_parameters(cfg)
        ref = LlamaConfig(**{k: v for k, v in hf.items() if k != "architectures"})
        assert (ref.hidden_size, ref.intermediate_size, ref.num_key_value_heads) == (cfg.dim, cfg.hidden_dim, cfg.n_kv_heads)


@pytest.mark.parametrize("changes, message", [
    ({"dim": 100, "n_heads": 3}, "divisible"),
    ({"n_heads": 8, "n_kv_heads": 3}, "multiple of n_kv_heads"),
    ({"n_layers": 0}, "positive integer"),
    ({"norm_eps": 0.0}, "norm_eps"),
])
def test_invalid_configs_are_refused_with_a_reason(changes, message):
    with pytest.raises(ValueError, match=message):
        le.ModelConfig(**{"dim": 64, "n_heads": 4, **changes})


def test_hf_config_for_another_architecture_is_refused():
    with pytest.raises(ValueError, match="not a Llama"):
        le.ModelConfig.from_hf_config({"model_type": "gpt2", "hidden_size": 8})
