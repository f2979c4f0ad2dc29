"""llama_edu: a small, complete LLaMA you can open up and watch.

    import torch, llama_edu as le
    model = le.load_model("assets/tiny")
    tok = le.load_tokenizer("assets/tiny")
    ids = tok.encode("The cat sat on the mat")
    logits, cache = model.run_with_cache(torch.tensor([ids]))
    cache["layers.0.attention.hook_pattern"]        # [batch, n_heads, query, key]
"""

from pathlib import Path

from .checkpoints import (CheckpointError, check_tokenizer, load_model, load_with_tokenizer, read_config,
                          save_meta_checkpoint, save_model)
from .config import (PRESETS, ModelConfig, count_parameters, ffn_hidden_dim, kv_cache_bytes, parameter_breakdown,
                     weights_bytes)
from .generate import Decoding, generate, next_token_probs, sample_next_token
from .hooks import HookPoint
from .model import Attention, FeedForward, KVCache, LayerNorm, RMSNorm, Transformer, TransformerBlock
from .tokenizer import Tokenizer, load_tokenizer

# The model this project trains and ships (see `python -m llama_edu.train`).
TINY_MODEL_DIR = Path(__file__).resolve().parent.parent / "assets" / "tiny"

__all__ = [
    "CheckpointError", "check_tokenizer", "load_model", "load_with_tokenizer", "read_config", "save_meta_checkpoint", "save_model",
    "PRESETS", "ModelConfig", "count_parameters", "ffn_hidden_dim", "kv_cache_bytes", "parameter_breakdown",
    "weights_bytes", "Decoding", "generate", "next_token_probs", "sample_next_token", "HookPoint",
    "Attention", "FeedForward", "KVCache", "LayerNorm", "RMSNorm", "Transformer", "TransformerBlock",
    "Tokenizer", "load_tokenizer", "TINY_MODEL_DIR",
]
