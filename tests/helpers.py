"""Shared test helpers (imported by name; conftest.py holds only fixtures, so the two test folders' conftest
modules never shadow each other on sys.path)."""

import torch

import llama_edu as le

# Three shapes of the same small model: the attention kinds LLaMA 1 (MHA), Llama 2-70B/3 (GQA) and MQA use.
SMALL_CONFIGS = {
    "mha": le.ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=4, vocab_size=96, multiple_of=16, max_seq_len=64),
    "gqa": le.ModelConfig(dim=64, n_layers=2, n_heads=8, n_kv_heads=2, vocab_size=96, multiple_of=16, max_seq_len=64,
                          rope_theta=500000.0),
    "mqa": le.ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=1, vocab_size=96, multiple_of=16, max_seq_len=64,
                          ffn_dim_multiplier=1.3),
}


def random_model(cfg: le.ModelConfig, seed: int = 0, std: float = 0.2) -> le.Transformer:
    """Random weights large enough that attention is far from uniform (a test of uniform rows proves little)."""
    gen = torch.Generator().manual_seed(seed)
    model = le.Transformer(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))  # gains near 1, not all equal
            else:
                p.copy_(std * torch.randn(p.shape, generator=gen))
    return model.eval()


def hf_reference(checkpoint_dir):
    """transformers' LlamaForCausalLM on the same files, with eager attention (sdpa returns no attentions)."""
    from transformers import LlamaForCausalLM
    from transformers.utils import logging

    logging.disable_progress_bar()
    return LlamaForCausalLM.from_pretrained(checkpoint_dir, attn_implementation="eager").eval()


def gained_rmsnorm(dim: int) -> le.RMSNorm:
    """An RMSNorm with a learned-looking gain (not all ones) and the usual eps."""
    module = le.RMSNorm(dim, eps=1e-5)
    with torch.no_grad():
        module.weight.copy_(1 + 0.3 * torch.randn(dim, generator=torch.Generator().manual_seed(0)))
    return module


def offset_vector(dim: int) -> torch.Tensor:
    """A vector whose mean is far from 0: RMSNorm keeps the offset, LayerNorm removes it.   [dim]"""
    return 0.5 + 2 * torch.randn(dim, generator=torch.Generator().manual_seed(1))
