"""Loading and saving weights in the two layouts LLaMA checkpoints come in.

Meta layout (what Meta releases):      params.json + consolidated.00.pth [+ .01, .02 ... one per GPU shard]
Hugging Face layout (what the Hub has): config.json + model.safetensors [or model-0000N-of-0000M.safetensors
                                        with model.safetensors.index.json]

Checkpoints are data, not code. Safetensors files hold only tensors. A .pth file is a Python pickle, which
can run arbitrary code when unpickled, so it is read with torch.load(weights_only=True), which refuses
anything but tensors and plain containers; there is no fallback to unsafe loading.

The model is built on the "meta" device (shapes, no memory) and the loaded tensors are assigned into it, so a
7B model in bfloat16 needs its 13.5 GB once, not twice (a small model is built on the CPU: BUILD_ON_CPU_UP_TO).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import torch

from .config import ModelConfig, count_parameters, read_json
from .memory import available_bytes, check_fits, choose_dtype
from .model import Transformer

HF_CONFIG, META_PARAMS = "config.json", "params.json"
# A model up to this size is built on the CPU, its random initial values drawn (~0.1 s for the shipped tiny model)
# and then replaced by the loaded weights; a larger one is built on the meta device, so its weights are held once.
# On the meta device torch computes with its Python reference ops, whose first use in a process imports torch's
# compiler (torch._dynamo, ~1.5 s of CPU): the app's first page would wait for it for the tiny model.
BUILD_ON_CPU_UP_TO = 20_000_000  # parameters
HF_WEIGHTS, HF_INDEX = "model.safetensors", "model.safetensors.index.json"


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message names the file or parameter and what is wrong."""


# ---- choosing device and dtype ---------------------------------------------------------------------------------
def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def default_dtype(device: torch.device) -> torch.dtype:
    """A first guess before the config is read: bfloat16 on a GPU (what LLaMA was trained in), float32 on a CPU.
    load_model's choice, once it knows the model and the free memory, is memory.choose_dtype's."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def as_dtype(dtype: str | torch.dtype | None) -> torch.dtype | None:
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return DTYPES[dtype]


# ---- the Hugging Face <-> Meta translation -----------------------------------------------------------------
# Names: Hugging Face's on the left, Meta's (and this model's) on the right. {i} is the layer.
_HF_TO_META = {
    "model.embed_tokens.weight": "tok_embeddings.weight",
    "model.norm.weight": "norm.weight",
    "lm_head.weight": "output.weight",
    "model.layers.{i}.self_attn.q_proj.weight": "layers.{i}.attention.wq.weight",
    "model.layers.{i}.self_attn.k_proj.weight": "layers.{i}.attention.wk.weight",
    "model.layers.{i}.self_attn.v_proj.weight": "layers.{i}.attention.wv.weight",
    "model.layers.{i}.self_attn.o_proj.weight": "layers.{i}.attention.wo.weight",
    "model.layers.{i}.mlp.gate_proj.weight": "layers.{i}.feed_forward.w1.weight",
    "model.layers.{i}.mlp.down_proj.weight": "layers.{i}.feed_forward.w2.weight",
    "model.layers.{i}.mlp.up_proj.weight": "layers.{i}.feed_forward.w3.weight",
    "model.layers.{i}.input_layernorm.weight": "layers.{i}.attention_norm.weight",
    "model.layers.{i}.post_attention_layernorm.weight": "layers.{i}.ffn_norm.weight",
}


def _compile(table: dict[str, str]) -> list[tuple[re.Pattern, str]]:
    return [(re.compile("^" + re.escape(src).replace(r"\{i\}", r"(\d+)") + "$"), dst) for src, dst in table.items()]


_HF_PATTERNS = _compile(_HF_TO_META)
_META_PATTERNS = _compile({meta: hf for hf, meta in _HF_TO_META.items()})


def _rename(name: str, patterns) -> str | None:
    for pattern, target in patterns:
        match = pattern.match(name)
        if match:
            return target.replace("{i}", match.group(1)) if match.groups() else target
    return None


def hf_to_meta_name(name: str) -> str | None:
    return _rename(name, _HF_PATTERNS)


def meta_to_hf_name(name: str) -> str | None:
    return _rename(name, _META_PATTERNS)


# RoPE pair order. Meta rotates adjacent pairs (0,1), (2,3), ... of each head. Hugging Face's code rotates
# (0, hd/2), (1, hd/2+1), ... ("rotate_half"), and its conversion script permutes the rows of wq and wk so that
# the same weights give the same attention. Within each head, HF row r < hd/2 is Meta row 2r and HF row
# hd/2 + r is Meta row 2r + 1. These two functions move between the orders; the weights are otherwise identical.
def hf_to_meta_qk(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """[heads*hd, D] in HF row order -> Meta row order."""
    rows, cols = weight.shape
    head_dim = rows // n_heads
    return weight.view(n_heads, 2, head_dim // 2, cols).transpose(1, 2).reshape(rows, cols)


def meta_to_hf_qk(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """[heads*hd, D] in Meta row order -> HF row order (what transformers' convert_llama_weights does)."""
    rows, cols = weight.shape
    head_dim = rows // n_heads
    return weight.view(n_heads, head_dim // 2, 2, cols).transpose(1, 2).reshape(rows, cols)


# ---- reading the files ----------------------------------------------------------------------------------------
def detect_layout(path: Path) -> str:
    """'hf' or 'meta', from the files present; a CheckpointError saying what is missing otherwise."""
    if not path.exists():
        raise CheckpointError(f"checkpoint directory {path} does not exist")
    if not path.is_dir():
        raise CheckpointError(f"{path} is a file; pass the directory that holds the checkpoint")
    if (path / HF_CONFIG).is_file():
        return "hf"
    if (path / META_PARAMS).is_file():
        return "meta"
    raise CheckpointError(f"no checkpoint in {path}: expected {HF_CONFIG} + {HF_WEIGHTS} (Hugging Face) "
                          f"or {META_PARAMS} + consolidated.00.pth (Meta)")


def _tokenizer_vocab_size(path: Path) -> int | None:
    if (path / "tokenizer.model").is_file():
        from .tokenizer import load_tokenizer
        return load_tokenizer(path).vocab_size
    return None


def read_config(path: str | Path) -> ModelConfig:
    """The config of a checkpoint directory, without reading its weights (for memory checks before loading).
    A config that is not a Llama's, or whose fields have the wrong type or range, is a CheckpointError naming the
    file and the field."""
    path = Path(path)
    layout = detect_layout(path)
    try:
        # A config linked from elsewhere is refused like a weight file: its values would show in error messages.
        _inside(path, HF_CONFIG if layout == "hf" else META_PARAMS)
        if layout == "hf":
            return ModelConfig.from_file(path / HF_CONFIG)
        return ModelConfig.from_file(path / META_PARAMS, vocab_size=_tokenizer_vocab_size(path))
    except CheckpointError:
        raise
    except ValueError as err:
        raise CheckpointError(str(err)) from None


def check_tokenizer(cfg: ModelConfig, tokenizer, where: str | Path = "the checkpoint") -> None:
    """Refuse a tokenizer that can produce ids the model has no embedding row for (a config.json vocab_size of 100
    next to a 4,096-piece tokenizer used to load, and then every prompt failed with an IndexError). A model may
    have more rows than its tokenizer has pieces (vocabularies padded to a multiple of 64 or 128): that is fine."""
    pieces = int(tokenizer.vocab_size)
    named = [getattr(tokenizer, "bos_id", None), getattr(tokenizer, "eos_id", None), *getattr(tokenizer, "eos_ids", ())]
    special = [i for i in named if isinstance(i, int) and i >= 0]
    largest = max([pieces - 1, *special])
    if largest >= cfg.vocab_size:
        raise CheckpointError(f"{where}: the tokenizer has {pieces:,} pieces (ids up to {largest:,}), but the model's "
                              f"vocab_size is {cfg.vocab_size:,}: ids from {cfg.vocab_size:,} on have no embedding "
                              "row; the tokenizer and the model do not belong together")


def _inside(folder: Path, name: str, listed_in: Path | None = None) -> Path:
    """folder/name, refused when it resolves outside the folder: an index may name "/etc/passwd" or
    "../other-model/model.safetensors", and a downloaded archive may hold a link to anywhere. Checkpoints are data
    a teacher downloads; they choose which files of the server are read no more than a student does."""
    if not isinstance(name, str) or not name:
        raise CheckpointError(f"{(listed_in or folder).name} names a weight file that is not a file name: {name!r}")
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        where = f"{listed_in.name} names" if listed_in else "the file"
        raise CheckpointError(f"{where} {name!r}, which is outside the checkpoint folder {folder.name}; every file "
                              "of a checkpoint must be inside it (copy the file in rather than linking to it)")
    return target


def _hf_weight_files(path: Path) -> list[Path]:
    if (path / HF_WEIGHTS).is_file():
        return [_inside(path, HF_WEIGHTS)]
    if (path / HF_INDEX).is_file():
        try:
            index = read_json(_inside(path, HF_INDEX))
        except ValueError as err:
            raise CheckpointError(str(err)) from None
        weight_map = index.get("weight_map") if isinstance(index, dict) else None
        if not isinstance(weight_map, dict):
            raise CheckpointError(f"{path / HF_INDEX} has no weight_map of tensor names to shard files")
        names = set(weight_map.values())
        if not all(isinstance(name, str) for name in names):
            odd = next(name for name in names if not isinstance(name, str))
            raise CheckpointError(f"{path / HF_INDEX}: weight_map names the shard {odd!r}, which is not a file name")
        files = [_inside(path, name, listed_in=path / HF_INDEX) for name in sorted(names)]
        missing = [f.name for f in files if not f.is_file()]
        if not files or missing:
            raise CheckpointError(f"{path / HF_INDEX} names shard files that are not there: {missing or 'none'}")
        return files
    if list(path.glob("*.bin")) or list(path.glob("*.pth")):
        raise CheckpointError(f"{path} has pickle weights (.bin) but no {HF_WEIGHTS}; convert them to safetensors")
    raise CheckpointError(f"{path} has {HF_CONFIG} but no {HF_WEIGHTS} or {HF_INDEX}")


class _Expected:
    """What the config says every parameter is, checked for each tensor from the file's header (safetensors) or
    its lazily mapped storage (Meta) BEFORE the tensor is read or converted: a float16 embedding far larger than
    the config says must be refused at the cost of its header, not after reading and converting it in full (on a
    shared server, one such file would take every student down with it)."""

    def __init__(self, model: Transformer, cfg: ModelConfig, path: Path):
        self.shapes = {name: tuple(p.shape) for name, p in model.state_dict().items()}
        self.tied, self.n_layers, self.path = cfg.tie_word_embeddings, cfg.n_layers, path
        if self.tied:
            self.shapes.pop("output.weight", None)

    def wants(self, name: str, shape, stored_as: str, where) -> bool:
        """True to read this tensor, False to skip it (a tied output matrix); CheckpointError if it does not fit."""
        if name == "output.weight" and self.tied:
            return False
        if name not in self.shapes:
            raise CheckpointError(f"{self.path}: unexpected parameter {name!r} for a {self.n_layers}-layer model")
        if stored_as not in _WEIGHT_DTYPES:
            raise CheckpointError(f"{where}: {name} is stored as {stored_as}, not as floating-point weights "
                                  f"({', '.join(_WEIGHT_DTYPES)}); quantized checkpoints "
                                  "(int8, 4-bit, float8) are not supported: use the unquantized release")
        _check_shape(name, tuple(shape), self.shapes[name], where)
        return True


# The stored types read as weights, each converted to the load dtype. Anything else (int8, uint8 holding packed
# 4-bit values, float8) is a quantized checkpoint, which converting would silently garble.
_WEIGHT_DTYPES = ("bfloat16", "float16", "float32", "float64")
# safetensors' header names for dtypes, in torch's words (what messages show); others are shown as the header has them
_SAFETENSORS_DTYPES = {"F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64", "I8": "int8",
                       "U8": "uint8", "I16": "int16", "I32": "int32", "I64": "int64", "BOOL": "bool",
                       "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}


def _read_hf_tensors(path: Path, expected: _Expected, cfg: ModelConfig, dtype: torch.dtype):
    """Yield (Meta name, tensor) one at a time, converted to dtype and to Meta's RoPE row order."""
    from safetensors import SafetensorError, safe_open

    for file in _hf_weight_files(path):
        try:
            with safe_open(str(file), framework="pt", device="cpu") as f:  # the header: names, shapes, dtypes
                slices = {hf_name: f.get_slice(hf_name) for hf_name in f.keys()}
                headers = {hf_name: (part.get_shape(), part.get_dtype()) for hf_name, part in slices.items()}
            for hf_name, (shape, stored) in headers.items():
                if hf_name.endswith("rotary_emb.inv_freq"):
                    continue  # older exports saved RoPE frequencies; they follow from the config
                name = hf_to_meta_name(hf_name)
                if name is None:
                    raise CheckpointError(f"{file.name}: unexpected tensor {hf_name!r} (not a LLaMA weight)")
                if not expected.wants(name, shape, _SAFETENSORS_DTYPES.get(stored, stored), file):
                    continue
                # One opening of the file per tensor: the pages a file's memory map has touched count as the
                # process's memory until it is closed, so reading a whole file through one opening held a copy of
                # it beside the converted weights (bfloat16 read as float32: 1.53x the float32 weights, measured).
                with safe_open(str(file), framework="pt", device="cpu") as f:
                    tensor = f.get_tensor(hf_name).to(dtype)
                if name.endswith(("attention.wq.weight", "attention.wk.weight")):
                    tensor = hf_to_meta_qk(tensor, cfg.n_heads if name.endswith("wq.weight") else cfg.n_kv_heads)
                yield name, tensor
        except SafetensorError as err:
            raise CheckpointError(f"{file} is not a readable safetensors file ({err}); truncated download?") from None


_META_CONCAT_DIM = {  # how Meta's model-parallel shards split each weight (fairscale's parallel layers)
    "wq": 0, "wk": 0, "wv": 0, "w1": 0, "w3": 0, "output": 0,  # ColumnParallelLinear: output rows split
    "wo": 1, "w2": 1,  # RowParallelLinear: input columns split
}


def _read_meta_tensors(path: Path, expected: _Expected, cfg: ModelConfig, dtype: torch.dtype):
    shards = [_inside(path, shard.name) for shard in sorted(path.glob("consolidated.*.pth"))]
    if not shards:
        raise CheckpointError(f"{path} has {META_PARAMS} but no consolidated.00.pth")
    states = []
    for shard in shards:
        try:
            # mmap: a tensor's pages are read only when it is touched, so shapes and dtypes can be checked first
            # and shards are not all held in memory twice.
            states.append(torch.load(shard, map_location="cpu", weights_only=True, mmap=True))
        except Exception as err:  # an UnpicklingError for forbidden globals, RuntimeError for truncation
            raise CheckpointError(f"{shard} could not be read as plain tensors ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0][:300]}); it is not loaded with pickle's code "
                                  "execution, by design") from None
        if not isinstance(states[-1], dict):
            raise CheckpointError(f"{shard} holds a {type(states[-1]).__name__}, not a dict of tensors")
    for name in states[0]:
        if name == "rope.freqs":
            continue  # LLaMA 1 saved its RoPE frequencies; they follow from the config
        parts = [s.get(name) for s in states]
        if any(p is None or not isinstance(p, torch.Tensor) for p in parts):
            raise CheckpointError(f"{name!r} is missing or not a tensor in some of {[s.name for s in shards]}")
        dim = _meta_concat_dim(name, parts, cfg, shards[0])
        shape = list(parts[0].shape)
        if dim is not None:
            if any(p.ndim != parts[0].ndim or [n for i, n in enumerate(p.shape) if i != dim]
                   != [n for i, n in enumerate(shape) if i != dim] for p in parts):
                raise CheckpointError(f"{name!r} has shards of different shapes: {[list(p.shape) for p in parts]}")
            shape[dim] = sum(p.shape[dim] for p in parts)
        stored_as = {str(p.dtype).removeprefix("torch.") for p in parts}
        if not expected.wants(name, shape, stored_as.pop() if len(stored_as) == 1 else "mixed types", shards[0]):
            continue
        tensor = parts[0] if dim is None else torch.cat(parts, dim=dim)
        yield name, tensor.to(dtype)
    extra = set().union(*(s.keys() for s in states[1:])) - set(states[0])
    if extra:
        raise CheckpointError(f"{sorted(extra)[0]!r} appears in a later shard but not in {shards[0].name}")


def _meta_concat_dim(name: str, parts: list[torch.Tensor], cfg: ModelConfig, first: Path) -> int | None:
    """The dimension model-parallel shards split this weight along; None when one copy is the whole tensor."""
    if len(parts) == 1 or parts[0].ndim <= 1:  # one shard, or a norm gain replicated on every shard
        return None
    kind = name.split(".")[-2] if "." in name else name
    if kind == "tok_embeddings":  # LLaMA 1/2 split the width, Llama 3 the vocabulary
        return 1 if parts[0].shape[1] * len(parts) == cfg.dim else 0
    if kind in _META_CONCAT_DIM:
        return _META_CONCAT_DIM[kind]
    raise CheckpointError(f"unexpected tensor {name!r} in {first.name}")


def _check_shape(name: str, shape: tuple[int, ...], expected, where) -> None:
    if tuple(shape) != tuple(expected):
        raise CheckpointError(f"{where}: {name} has shape {list(shape)}, but the config implies "
                              f"{list(expected)}; the checkpoint and its config do not match")


def _count_non_finite(tensor: torch.Tensor, chunk: int = 1 << 22) -> int:
    """NaN and inf values, counted 4M values at a time: isfinite on a whole 7B embedding would briefly need
    several temporaries of its size (abs, comparisons), half a GB more at the peak of loading.
    A NaN or inf makes the tensor's sum NaN or infinite, so a finite sum proves there is none: one pass ~10x faster
    than isfinite (whose cost the app's first page waits for); only a sum that is not finite is counted out."""
    if torch.isfinite(tensor.sum()):
        return 0
    flat = tensor.reshape(-1)
    return sum(int((~torch.isfinite(part)).sum()) for part in flat.split(chunk))


# ---- the public functions -------------------------------------------------------------------------------------
def load_model(path: str | Path, device: str | torch.device | None = None, dtype: str | torch.dtype | None = None,
               check_finite: bool = True, check_memory: bool = True, tokenizer=None) -> Transformer:
    """Load a checkpoint directory in Hugging Face or Meta layout (detected) into a Transformer, in eval mode.

    Defaults: CUDA when a GPU is present, else CPU; the dtype memory.choose_dtype picks (bfloat16 on a GPU that
    has it, float16 on one without, float32 on a CPU unless only bfloat16 fits). Before any weight is read, the memory
    the model needs (weights + KV cache + activations for memory.working_context(cfg) tokens, what the app and
    CLI run; not the model's full context) is compared with what the device has free,
    and a MemoryError with the numbers refuses what would not fit. Each tensor's name, shape and dtype are checked
    against the config before it is read. A tokenizer, when given, is checked against the config's vocabulary
    (check_tokenizer) after the memory check and before any weight is read.
    """
    path = Path(path)
    device = torch.device(device) if device is not None else default_device()
    layout = detect_layout(path)
    cfg = read_config(path)
    # No dtype asked for: the one memory.choose_dtype picks for this device and its free memory (bfloat16 on a GPU
    # that has it, float16 on one that does not, float32 on a CPU unless only bfloat16 fits).
    dtype = as_dtype(dtype) or choose_dtype(cfg, device, available_bytes(device)).dtype
    if check_memory:
        check_fits(cfg, device, dtype)
    if tokenizer is not None:
        check_tokenizer(cfg, tokenizer, path)
    with torch.device("cpu" if count_parameters(cfg) <= BUILD_ON_CPU_UP_TO else "meta"):
        model = Transformer(cfg)
    expected = _Expected(model, cfg, path)
    read = _read_hf_tensors if layout == "hf" else _read_meta_tensors

    state: dict[str, torch.Tensor] = {}
    for name, tensor in read(path, expected, cfg, dtype):
        bad = _count_non_finite(tensor) if check_finite else 0
        if bad:
            raise CheckpointError(f"{path}: {name} contains {bad} NaN or infinite values; the weights are corrupt")
        state[name] = tensor.to(device)
    missing = [name for name in expected.shapes if name not in state]
    if missing:
        raise CheckpointError(f"{path}: {len(missing)} parameters missing from the checkpoint, "
                              f"first {missing[0]!r}; truncated or for a different config?")
    model.load_state_dict(state, strict=not cfg.tie_word_embeddings, assign=True)
    if cfg.tie_word_embeddings:
        model.output.weight = model.tok_embeddings.weight
    model.reset_rope()
    return model.eval().requires_grad_(False)


def load_with_tokenizer(path: str | Path, **load_options):
    """(model, tokenizer) of a checkpoint directory, for the app and the CLI. The tokenizer is read first and checked
    against the model's vocabulary before any weight is read; a folder without a tokenizer file has its model's own
    problems (no weights, too large for the device) named first. load_options go to load_model."""
    from .tokenizer import load_tokenizer

    try:
        tokenizer = load_tokenizer(path)
    except FileNotFoundError:
        tokenizer = None
    model = load_model(path, tokenizer=tokenizer, **load_options)
    return model, tokenizer if tokenizer is not None else load_tokenizer(path)


def save_model(model: Transformer, path: str | Path, tokenizer_file: str | Path | None = None) -> Path:
    """Write Hugging Face layout (config.json + model.safetensors) that transformers' LlamaForCausalLM loads."""
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    cfg = model.cfg
    tensors = {}
    for name, tensor in model.state_dict().items():
        if name == "output.weight" and cfg.tie_word_embeddings:
            continue
        if name.endswith(("attention.wq.weight", "attention.wk.weight")):
            tensor = meta_to_hf_qk(tensor, cfg.n_heads if name.endswith("wq.weight") else cfg.n_kv_heads)
        tensors[meta_to_hf_name(name)] = tensor.detach().contiguous().cpu()
    dtype_name = str(model.dtype).removeprefix("torch.")
    _write_atomically(path / HF_CONFIG, lambda tmp: tmp.write_text(json.dumps(cfg.to_hf_config(dtype_name), indent=2)))
    _write_atomically(path / HF_WEIGHTS, lambda tmp: save_file(tensors, str(tmp), metadata={"format": "pt"}))
    if tokenizer_file is not None:
        _copy_tokenizer(Path(tokenizer_file), path)
    return path


def save_meta_checkpoint(model: Transformer, path: str | Path, n_shards: int = 1,
                         tokenizer_file: str | Path | None = None) -> Path:
    """Write Meta layout: params.json + consolidated.NN.pth, split into n_shards as model parallelism would."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, torch.Tensor]] = [{} for _ in range(n_shards)]
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach().cpu()
        kind = name.split(".")[-2]
        if tensor.ndim == 1 or n_shards == 1:
            pieces = [tensor] * n_shards
        else:
            dim = 1 if kind == "tok_embeddings" else _META_CONCAT_DIM[kind]
            pieces = tensor.chunk(n_shards, dim=dim)
        for shard, piece in zip(shards, pieces):
            shard[name] = piece.clone()
    (path / META_PARAMS).write_text(json.dumps(model.cfg.to_meta_params(), indent=2))
    for i, shard in enumerate(shards):
        torch.save(shard, path / f"consolidated.{i:02d}.pth")
    if tokenizer_file is not None:
        _copy_tokenizer(Path(tokenizer_file), path)
    return path


def write_random_checkpoint(cfg: ModelConfig, path: str | Path, dtype: torch.dtype = torch.bfloat16, *,
                            seed: int = 0, shard_bytes: int = 2 * 2 ** 30, tokenizer_files=()) -> Path:
    """Random weights of cfg's shape in Hugging Face's sharded layout, written one shard at a time: a 7B never
    exists whole in memory (at most one shard, 2 GiB by default), so a 13.5 GB checkpoint can be made on a machine
    that then has to load it. RMSNorm gains are 1, every matrix holds N(0, 0.02) numbers (LLaMA's init scale: random blocks
    give finite, varied logits). tokenizer_files are copied next to the weights. For tests and measurements: the
    weights mean nothing."""
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with torch.device("meta"):  # the shapes and names, with no memory behind them
        shapes = {name: p.shape for name, p in Transformer(cfg).state_dict().items()
                  if not (name == "output.weight" and cfg.tie_word_embeddings)}
    # Drawing 1.5 billion normal numbers takes a minute on a laptop CPU; tiling a block of a prime length (so no
    # row of any matrix repeats another) takes seconds, and random weights need no more than that.
    block = torch.randn(1_000_003, generator=torch.Generator().manual_seed(seed)).mul_(0.02).to(dtype)
    weight_map, shard, shard_size, n_shard = {}, {}, 0, 0

    def flush():
        nonlocal shard, shard_size, n_shard
        n_shard += 1
        name = f"model-{n_shard:05d}.safetensors"
        save_file(shard, str(path / name), metadata={"format": "pt"})
        weight_map.update({tensor_name: name for tensor_name in shard})
        shard, shard_size = {}, 0

    for name, shape in shapes.items():
        if len(shape) == 1:
            tensor = torch.ones(shape, dtype=dtype)
        else:
            n = shape.numel()
            tensor = block.repeat(-(-n // block.numel()))[:n].view(shape)
        size = tensor.numel() * tensor.element_size()
        if shard and shard_size + size > shard_bytes:
            flush()
        shard[meta_to_hf_name(name)] = tensor
        shard_size += size
    flush()
    total = sum(p.numel() for p in shapes.values()) * torch.finfo(dtype).bits // 8
    (path / HF_INDEX).write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    (path / HF_CONFIG).write_text(json.dumps(cfg.to_hf_config(str(dtype).removeprefix("torch.")), indent=2))
    for file in tokenizer_files:
        (path / Path(file).name).write_bytes(Path(file).read_bytes())
    return path


def _copy_tokenizer(src: Path, dst_dir: Path) -> None:
    if src.resolve() != (dst_dir / "tokenizer.model").resolve():
        (dst_dir / "tokenizer.model").write_bytes(src.read_bytes())


def _write_atomically(target: Path, write) -> None:
    """Write to a temporary name, then rename: a crash mid-save never leaves a truncated checkpoint behind."""
    tmp = target.with_name(target.name + ".tmp")
    write(tmp)
    os.replace(tmp, target)
