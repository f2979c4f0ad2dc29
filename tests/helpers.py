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


def llama3_sized_tokenizer(folder) -> list:
    """A tokenizer.json in Llama 3's style and of its exact size: 128,000 byte-level BPE pieces (merges spelling a
    few English words, then made-up ones) and Llama 3's 256 special tokens, BOS added by the post-processor, an
    Instruct model's stop tokens. Two seconds to build; what a real Llama 3 tokenizer is, except its merges.
    Returns its files."""
    import json
    import random
    from pathlib import Path

    from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import BPE

    from llama_edu.tokenizer_formats import LLAMA3_PAT_STR, LLAMA3_SPECIAL_TOKENS

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab, merges = {ch: i for i, ch in enumerate(alphabet)}, []

    def merge(a: str, b: str) -> str:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
            merges.append((a, b))
        return a + b

    for word in ["The", "the", "cat", "sat", "on", "mat", "dog", "ran", "to", "a", "and", "is", "was", "he", "she", "it", "in", "of"]:
        for spelled in (word, "Ġ" + word):  # Ġ: the byte-level space
            piece = spelled[0]
            for ch in spelled[1:]:
                piece = merge(piece, ch)
    rng, pieces = random.Random(0), list(vocab)
    while len(vocab) < 128_000:  # made-up pieces: a short one and a byte
        pieces.append(merge(rng.choice(pieces[:4000]), rng.choice(alphabet)))
    tk = Tokenizer(BPE(vocab=vocab, merges=merges, ignore_merges=True))
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PAT_STR), behavior="isolated"),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tk.decoder = decoders.ByteLevel()
    tk.add_special_tokens(LLAMA3_SPECIAL_TOKENS)
    bos = tk.token_to_id("<|begin_of_text|>")
    tk.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", bos)])])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tk.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "tokenizer_class": "PreTrainedTokenizerFast"}))
    (folder / "generation_config.json").write_text(json.dumps({
        "bos_token_id": bos, "eos_token_id": [tk.token_to_id("<|end_of_text|>"), tk.token_to_id("<|eot_id|>")]}))
    return [folder / name for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json")]


# ---- live elements on a screen of their own (AppTest) -----------------------------------------------------------------
def elements_script(topics: list[str], names: list[str], keys: list[str | None], lang: str | None) -> None:
    """AppTest script (AppTest.from_function runs this function's source, so it imports what it needs itself): the
    shared sidebar, then the named elements of these topics' modules, drawn once per key (None: the element's own
    name as its key), in `lang` when given. Only these topics are imported: render() would import every topic."""
    import importlib

    import streamlit as st

    from app import elements
    from app.common import current

    if lang is not None:
        st.session_state["lang"] = lang
    for topic in topics:
        importlib.import_module(f"app.elements.{topic}")
    cur = current()
    if cur is not None:
        for key in keys:
            for name in names:
                elements.ELEMENTS[name](cur, key or name)


def open_elements(topics: list[str], names: list[str], *, keys=(None,), lang: str | None = None,
                  timeout: float = 120, **state):
    """Run elements_script in AppTest and return it, run once; `state` is put in the session first."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(elements_script, args=(list(topics), list(names), list(keys), lang),
                               default_timeout=timeout)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return at
